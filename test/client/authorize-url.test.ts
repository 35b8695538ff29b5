import { describe, expect, it } from 'vitest'
import { buildAuthorizeUrl, buildQrconnectUrl } from '../../client/helpers'

const base = {
  authorizeBase: 'https://open.weixin.qq.com',
  appid: 'wx1234567890abcdef',
  redirectUri: 'https://h5.example.com/',
  scope: 'snsapi_base' as const,
  state: 'abc123',
}

describe('buildAuthorizeUrl', () => {
  it('builds the exact URL WeChat expects, parameters in order', () => {
    const url = buildAuthorizeUrl(base)
    expect(url).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef' +
        '&redirect_uri=https%3A%2F%2Fh5.example.com%2F&response_type=code&scope=snsapi_base' +
        '&state=abc123&connect_redirect=1#wechat_redirect',
    )
  })

  it('encodes a redirect_uri with ?, &, # and Chinese exactly once', () => {
    const redirectUri = 'https://h5.example.com/活动?from=singlemessage&a=1%202#/page?x=1'
    const url = buildAuthorizeUrl({ ...base, redirectUri })
    const encoded = /redirect_uri=([^&]*)&/.exec(url)?.[1]
    expect(encoded).toBe(
      'https%3A%2F%2Fh5.example.com%2F%E6%B4%BB%E5%8A%A8%3Ffrom%3Dsinglemessage%26a%3D1%25202%23%2Fpage%3Fx%3D1',
    )
    expect(decodeURIComponent(encoded ?? '')).toBe(redirectUri)
  })

  it('uses a relative authorize base as given (the same-origin mock)', () => {
    const url = buildAuthorizeUrl({ ...base, authorizeBase: '/mock-wechat' })
    expect(url.startsWith('/mock-wechat/connect/oauth2/authorize?appid=')).toBe(true)
  })

  it('strips a trailing slash from the authorize base', () => {
    const url = buildAuthorizeUrl({ ...base, authorizeBase: 'http://127.0.0.1:3100/mock-wechat/' })
    expect(url.startsWith('http://127.0.0.1:3100/mock-wechat/connect/oauth2/authorize?')).toBe(true)
  })

  it('puts the userinfo scope in the scope parameter', () => {
    const url = buildAuthorizeUrl({ ...base, scope: 'snsapi_userinfo' })
    expect(url).toContain('&response_type=code&scope=snsapi_userinfo&state=abc123&')
  })
})

describe('buildQrconnectUrl', () => {
  const web = {
    authorizeBase: 'https://open.weixin.qq.com',
    appid: 'wxweb0000000000001',
    redirectUri: 'https://www.example.com/login',
    state: 'abc123',
  }

  it('builds the exact qrconnect URL, parameters in order, scope snsapi_login', () => {
    const url = buildQrconnectUrl(web)
    expect(url).toBe(
      'https://open.weixin.qq.com/connect/qrconnect?appid=wxweb0000000000001' +
        '&redirect_uri=https%3A%2F%2Fwww.example.com%2Flogin&response_type=code' +
        '&scope=snsapi_login&state=abc123#wechat_redirect',
    )
  })

  it('encodes a hash-router redirect_uri exactly once', () => {
    const redirectUri = 'https://www.example.com/app/?from=pc#/orders?id=1'
    const url = buildQrconnectUrl({ ...web, authorizeBase: '/mock-wechat/', redirectUri })
    expect(url.startsWith('/mock-wechat/connect/qrconnect?appid=')).toBe(true)
    const encoded = /redirect_uri=([^&]*)&/.exec(url)?.[1] ?? ''
    expect(encoded).not.toMatch(/[#?&/]/)
    expect(decodeURIComponent(encoded)).toBe(redirectUri)
  })
})
