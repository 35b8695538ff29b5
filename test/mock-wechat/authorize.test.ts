import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { SAFARI_UA, authorizeUrl, codeFrom, errcodeOf, wechatGet } from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat({
    apps: [DEMO_MP_APP, DEMO_WEB_APP],
    domains: ['localhost', 'www.qq.com'],
  })
})
afterEach(() => mock.close())

async function expectErrorPage(url: string, errcode: string): Promise<void> {
  const response = await wechatGet(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('location')).toBeNull()
  expect(await errcodeOf(response)).toBe(errcode)
}

function rawAuthorize(query: string): string {
  return `${mock.baseUrl}/connect/oauth2/authorize?${query}`
}

describe('authorize checks (each an error page, never a redirect)', () => {
  it('shows 10012 when appid is missing', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { appid: '' }), '10012')
  })

  it('shows 10011 when redirect_uri is missing', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { redirect_uri: '' }), '10011')
  })

  it('shows 10010 when scope is missing', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { scope: '' }), '10010')
  })

  it('shows the missing parameter before complaining about the order', async () => {
    await expectErrorPage(rawAuthorize('scope=snsapi_base&redirect_uri=x&state=s'), '10012')
  })

  it('shows the visible errcode and WeChat title on the page', async () => {
    const html = await (await wechatGet(authorizeUrl(mock.baseUrl, { appid: '' }))).text()
    expect(html).toContain('<title>微信网页授权</title>')
    expect(html).toContain('10012')
    expect(html).toContain('appid不能为空')
  })

  it('rejects parameters out of WeChat order', async () => {
    const redirect = encodeURIComponent('http://localhost:5173/')
    const query = `redirect_uri=${redirect}&appid=${DEMO_MP_APP.appid}&response_type=code&scope=snsapi_base&state=s`
    await expectErrorPage(rawAuthorize(query), 'bad-order')
  })

  it('rejects an extra parameter', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, {}, '&foo=1'), 'bad-order')
  })

  it('rejects a response_type other than code', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { response_type: 'token' }), 'bad-order')
  })

  it('rejects a redirect_uri that was not percent-encoded', async () => {
    const query = `appid=${DEMO_MP_APP.appid}&redirect_uri=http://localhost/?a=1&b=2&response_type=code&scope=snsapi_base&state=s`
    await expectErrorPage(rawAuthorize(query), 'bad-order')
  })

  it('accepts connect_redirect=1 after state', async () => {
    const response = await wechatGet(authorizeUrl(mock.baseUrl, {}, '&connect_redirect=1'))
    expect(response.status).toBe(302)
  })

  it('shows 40013 for an unknown appid', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { appid: 'wx0000000000000000' }), '40013')
  })

  it('shows 10016 for a website (open platform) appid', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { appid: DEMO_WEB_APP.appid }), '10016')
  })

  it('shows 10005 for the snsapi_login scope', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { scope: 'snsapi_login' }), '10005')
  })

  it('shows 10003 for a redirect_uri on another host', async () => {
    await expectErrorPage(
      authorizeUrl(mock.baseUrl, { redirect_uri: 'https://evil.com/' }),
      '10003',
    )
  })

  it('shows 10003 for a sub-domain of the configured domain', async () => {
    await expectErrorPage(
      authorizeUrl(mock.baseUrl, { redirect_uri: 'https://pay.www.qq.com/' }),
      '10003',
    )
  })

  it('shows 10003 for the parent domain of the configured domain', async () => {
    await expectErrorPage(authorizeUrl(mock.baseUrl, { redirect_uri: 'https://qq.com/' }), '10003')
  })

  it('shows 10003 for a redirect_uri that is not an http(s) URL', async () => {
    await expectErrorPage(
      authorizeUrl(mock.baseUrl, { redirect_uri: 'javascript:alert(1)' }),
      '10003',
    )
  })

  it('accepts the configured domain on any path and port', async () => {
    const response = await wechatGet(
      authorizeUrl(mock.baseUrl, { redirect_uri: 'https://www.qq.com:8443/any/path' }),
    )
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toMatch(
      /^https:\/\/www\.qq\.com:8443\/any\/path\?code=/,
    )
  })
})

describe('snsapi_base redirect', () => {
  it('redirects at once with a 32-char code and the state', async () => {
    const response = await wechatGet(authorizeUrl(mock.baseUrl, { state: 'xyz789' }))
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.searchParams.get('code')).toMatch(/^0[A-Za-z0-9]{31}$/)
    expect(location.searchParams.get('state')).toBe('xyz789')
  })

  it('puts code and state before the hash, keeping existing query params', async () => {
    const response = await wechatGet(
      authorizeUrl(mock.baseUrl, {
        redirect_uri: 'http://localhost:5173/?from=x#/page',
        state: 's1',
      }),
    )
    const location = response.headers.get('location') ?? ''
    expect(location).toMatch(
      /^http:\/\/localhost:5173\/\?from=x&code=0[A-Za-z0-9]{31}&state=s1#\/page$/,
    )
  })

  it('issues a different code on every visit', async () => {
    const first = codeFrom((await wechatGet(authorizeUrl(mock.baseUrl))).headers.get('location'))
    const second = codeFrom((await wechatGet(authorizeUrl(mock.baseUrl))).headers.get('location'))
    expect(first).not.toBe(second)
  })
})

describe('outside WeChat', () => {
  it('asks to open the link in WeChat instead of redirecting', async () => {
    const response = await fetch(authorizeUrl(mock.baseUrl), {
      redirect: 'manual',
      headers: { 'user-agent': SAFARI_UA },
    })
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('请在微信客户端打开链接')
    expect(html).toContain('以微信身份继续（本地模拟）')
  })

  it('passes the user agent check with the mock_wechat_ua cookie', async () => {
    const response = await fetch(authorizeUrl(mock.baseUrl), {
      redirect: 'manual',
      headers: { 'user-agent': SAFARI_UA, cookie: 'mock_wechat_ua=1' },
    })
    expect(response.status).toBe(302)
  })

  it('offers a continue link that sets the cookie and returns to the same authorize URL', async () => {
    const url = authorizeUrl(mock.baseUrl, { state: 'keep' })
    const html = await (await fetch(url, { headers: { 'user-agent': SAFARI_UA } })).text()
    const href = /data-testid="wechat-continue" href="([^"]+)"/
      .exec(html)?.[1]
      ?.replace(/&amp;/g, '&')
    expect(href).toBeDefined()
    const response = await fetch(new URL(href ?? '', mock.origin), { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('set-cookie')).toMatch(/mock_wechat_ua=1/)
    expect(new URL(response.headers.get('location') ?? '', mock.origin).href).toBe(
      url.split('#')[0],
    )
  })

  it('refuses to continue to a page outside the mock', async () => {
    const next = encodeURIComponent('https://evil.com/')
    const response = await fetch(`${mock.baseUrl}/__mock/continue-as-wechat?next=${next}`, {
      redirect: 'manual',
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('location')).toBeNull()
  })
})
