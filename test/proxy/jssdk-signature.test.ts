import { describe, expect, it } from 'vitest'
import { jssdkNonce, jssdkSignature } from '../../proxy/wechat/jssdk.js'

// WeChat's own test vector (docs/wechat.md#signature).
const VECTOR = {
  ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
  nonceStr: 'Wm3WZYTPz0wzccnW',
  timestamp: 1414587457,
}

describe('the JS-SDK signature', () => {
  it("matches WeChat's test vector", () => {
    const url = 'http://mp.weixin.qq.com?params=value'
    expect(jssdkSignature({ ...VECTOR, url })).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed')
  })

  it("matches the older copies' vector (a URL without a query)", () => {
    const url = 'http://mp.weixin.qq.com'
    expect(jssdkSignature({ ...VECTOR, url })).toBe('f4d90daf4b3bca3078ab155816175ba34c443a7b')
  })

  it('signs the URL raw: an escaped copy signs differently', () => {
    const raw = jssdkSignature({ ...VECTOR, url: 'https://a.test/p?q=1&r=%E4%B8%AD' })
    const escaped = jssdkSignature({ ...VECTOR, url: 'https%3A%2F%2Fa.test%2Fp%3Fq%3D1' })
    expect(raw).not.toBe(escaped)
  })
})

describe('the nonceStr', () => {
  it('is 32 letters and digits, fresh every time', () => {
    const nonces = new Set(Array.from({ length: 100 }, jssdkNonce))
    expect(nonces.size).toBe(100)
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{32}$/)
  })
})
