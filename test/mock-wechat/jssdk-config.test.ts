import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import { jssdkSignature } from '../../proxy/mock-wechat/jssdk-verify.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { getTicket, stableToken } from './cgi-support.js'
import { checkConfig, freshTicket, signedConfig } from './jssdk-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const LANDING = 'http://127.0.0.1:5173/shop/?code=0abc&state=s1'
const CURRENT = 'http://127.0.0.1:5173/shop/'

describe('POST __jssdk/config', () => {
  it('accepts a signature made with the current ticket for the checked URL', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    const errMsg = await checkConfig(mock.baseUrl, {
      ...signedConfig(ticket, CURRENT),
      url: CURRENT,
    })
    expect(errMsg).toBe('config:ok')
    expect((await mock.control.stats()).jssdk).toEqual({ ok: 1, fail: 0 })
  })

  it('refuses a signature made for another URL of the page', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    const config = signedConfig(ticket, LANDING)
    expect(await checkConfig(mock.baseUrl, { ...config, url: CURRENT })).toBe(
      'config:invalid signature',
    )
    expect(await checkConfig(mock.baseUrl, { ...config, url: LANDING })).toBe('config:ok')
  })

  it('refuses a signature made with a ticket the mock did not issue', async () => {
    await freshTicket(mock.baseUrl)
    const config = signedConfig('sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy', CURRENT)
    expect(await checkConfig(mock.baseUrl, { ...config, url: CURRENT })).toBe(
      'config:invalid signature',
    )
    expect((await mock.control.stats()).jssdk).toEqual({ ok: 0, fail: 1 })
  })

  it.each([
    ['nonceStr', { nonceStr: 'other' }],
    ['timestamp', { timestamp: '1414587458' }],
    ['signature in upper case', {}],
  ])('refuses a changed %s', async (name, change) => {
    const ticket = await freshTicket(mock.baseUrl)
    const config = signedConfig(ticket, CURRENT)
    const signature = name.startsWith('signature')
      ? config.signature.toUpperCase()
      : config.signature
    const errMsg = await checkConfig(mock.baseUrl, {
      ...config,
      signature,
      ...change,
      url: CURRENT,
    })
    expect(errMsg).toBe('config:invalid signature')
  })

  it('reads a numeric timestamp as its decimal text', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    const config = signedConfig(ticket, CURRENT)
    const errMsg = await checkConfig(mock.baseUrl, {
      ...config,
      timestamp: 1414587457,
      url: CURRENT,
    })
    expect(errMsg).toBe('config:ok')
  })

  it('ignores a fragment on the URL', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    const config = signedConfig(ticket, CURRENT)
    expect(await checkConfig(mock.baseUrl, { ...config, url: `${CURRENT}#/cart` })).toBe(
      'config:ok',
    )
  })

  it('refuses a URL whose host is no JS interface domain, even signed right', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    for (const url of ['http://evil.example/', 'http://sub.localhost/', 'file:///localhost/x']) {
      const errMsg = await checkConfig(mock.baseUrl, { ...signedConfig(ticket, url), url })
      expect(errMsg, url).toBe('config:invalid url domain')
    }
  })

  it('takes the JS interface domains from the jssdkDomains option', async () => {
    await mock.close()
    mock = await startMockWechat({ jssdkDomains: ['shop.example.com'] })
    const ticket = await freshTicket(mock.baseUrl)
    const shop = 'https://shop.example.com/a?b=1'
    expect(await checkConfig(mock.baseUrl, { ...signedConfig(ticket, shop), url: shop })).toBe(
      'config:ok',
    )
    expect(
      await checkConfig(mock.baseUrl, { ...signedConfig(ticket, CURRENT), url: CURRENT }),
    ).toBe('config:invalid url domain')
  })

  it('answers config:fail for an unknown appId, a website app, or none', async () => {
    const ticket = await freshTicket(mock.baseUrl)
    const config = { ...signedConfig(ticket, CURRENT), url: CURRENT }
    for (const appId of ['wx0000000000000000', DEMO_WEB_APP.appid, undefined]) {
      expect(await checkConfig(mock.baseUrl, { ...config, appId }), String(appId)).toBe(
        'config:fail',
      )
    }
  })

  it('answers config:fail before any ticket was issued, and once every ticket expired', async () => {
    const config = { ...signedConfig('x', CURRENT), url: CURRENT }
    expect(await checkConfig(mock.baseUrl, config)).toBe('config:fail')
    const ticket = await freshTicket(mock.baseUrl)
    await mock.control.clock(7200)
    expect(
      await checkConfig(mock.baseUrl, { ...signedConfig(ticket, CURRENT), url: CURRENT }),
    ).toBe('config:fail')
  })

  it('still accepts the previous ticket while it is valid after a renewal', async () => {
    const old = await freshTicket(mock.baseUrl)
    await mock.control.clock(7000)
    const renewed = await freshTicket(mock.baseUrl)
    expect(renewed).not.toBe(old)
    for (const ticket of [old, renewed]) {
      expect(
        await checkConfig(mock.baseUrl, { ...signedConfig(ticket, CURRENT), url: CURRENT }),
      ).toBe('config:ok')
    }
  })

  it('answers any origin, preflight included', async () => {
    const preflight = await fetch(`${mock.baseUrl}/__jssdk/config`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    const answer = await fetch(`${mock.baseUrl}/__jssdk/config`, { method: 'POST', body: '{}' })
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
    expect(await answer.json()).toEqual({ errMsg: 'config:fail' })
  })

  it('forgets the counts on reset', async () => {
    await checkConfig(mock.baseUrl, {})
    await mock.control.reset()
    expect((await mock.control.stats()).jssdk).toEqual({ ok: 0, fail: 0 })
  })
})

describe('the signature', () => {
  it("matches WeChat's test vectors", () => {
    const fields = {
      ticket:
        'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
      nonceStr: 'Wm3WZYTPz0wzccnW',
      timestamp: '1414587457',
    }
    expect(jssdkSignature({ ...fields, url: 'http://mp.weixin.qq.com?params=value' })).toBe(
      '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    )
    expect(jssdkSignature({ ...fields, url: 'http://mp.weixin.qq.com' })).toBe(
      'f4d90daf4b3bca3078ab155816175ba34c443a7b',
    )
  })

  it('is checked against a ticket the mock issued through getticket', async () => {
    const token = await stableToken(mock.baseUrl)
    const { ticket } = await getTicket(mock.baseUrl, token.access_token)
    const url = 'http://localhost/p?q=a b&c=%20'
    expect(await checkConfig(mock.baseUrl, { ...signedConfig(String(ticket), url), url })).toBe(
      'config:ok',
    )
  })
})
