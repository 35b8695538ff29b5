import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { errcodeOf } from './support.js'
import {
  desktopGet,
  qrCodeFrom,
  qrForm,
  qrconnectUrl,
  scanAndConfirm,
  submitQr,
} from './qrconnect-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

async function expectErrorPage(url: string, errcode: string): Promise<void> {
  const response = await desktopGet(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('location')).toBeNull()
  expect(await errcodeOf(response)).toBe(errcode)
}

describe('the QR page', () => {
  it('shows a QR code, the app name and the phone stand-ins to a desktop browser', async () => {
    const response = await desktopGet(qrconnectUrl(mock.baseUrl))
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('<title>微信登录</title>')
    expect(html).toMatch(/<svg [^>]*data-testid="wechat-qrcode"/)
    expect(html).toContain('使用微信扫一扫登录')
    expect(html).toContain(`“${DEMO_WEB_APP.name ?? ''}”`)
    expect(html).toContain('data-testid="wechat-approve"')
    expect(html).toContain('data-testid="wechat-deny"')
  })

  it('offers every test user in the picker', async () => {
    const { html } = await qrForm(mock, qrconnectUrl(mock.baseUrl))
    expect(html).toContain('data-testid="wechat-user-picker"')
    for (const id of ['zhangxiaoming', 'lisisi', 'wangdachui', 'chenxiaoyu']) {
      expect(html).toContain(`data-testid="wechat-user-${id}"`)
    }
  })

  it('draws the same QR code for the same state and another for another state', async () => {
    const svg = async (state: string) =>
      /<svg [\s\S]*?<\/svg>/.exec(
        await (await desktopGet(qrconnectUrl(mock.baseUrl, { state }))).text(),
      )?.[0]
    const first = await svg('s1')
    expect(first).toBeDefined()
    expect(await svg('s1')).toBe(first)
    expect(await svg('s2')).not.toBe(first)
  })

  it('accepts a URL without response_type or state, as WxLogin sends', async () => {
    const url = qrconnectUrl(mock.baseUrl, { response_type: undefined, state: undefined })
    const { html } = await qrForm(mock, url)
    expect(html).toContain('data-testid="wechat-approve"')
  })
})

describe('checks', () => {
  it.each([
    ['appid', '10012'],
    ['redirect_uri', '10011'],
    ['scope', '10010'],
  ])('shows an error page for a missing %s', async (name, errcode) => {
    await expectErrorPage(qrconnectUrl(mock.baseUrl, { [name]: undefined }), errcode)
  })

  it('shows an error page for an unknown appid', async () => {
    await expectErrorPage(qrconnectUrl(mock.baseUrl, { appid: 'wx0000000000000000' }), '40013')
  })

  it('refuses an official-account appid', async () => {
    await expectErrorPage(
      qrconnectUrl(mock.baseUrl, { appid: DEMO_MP_APP.appid }),
      'wrong-app-type',
    )
  })

  it.each(['snsapi_base', 'snsapi_userinfo'])('refuses the scope %s', async (scope) => {
    await expectErrorPage(qrconnectUrl(mock.baseUrl, { scope }), 'bad-scope')
  })

  it.each(['https://evil.com/login', 'http://sub.localhost/login', 'javascript:alert(1)'])(
    'shows 10003 for the redirect_uri %s',
    async (redirectUri) => {
      await expectErrorPage(qrconnectUrl(mock.baseUrl, { redirect_uri: redirectUri }), '10003')
    },
  )

  it('ignores the port of the redirect_uri', async () => {
    const url = qrconnectUrl(mock.baseUrl, { redirect_uri: 'http://localhost:8080/x' })
    expect((await qrForm(mock, url)).html).toContain('data-testid="wechat-approve"')
  })

  it('re-checks the submitted redirect_uri', async () => {
    const { action, fields } = await qrForm(mock, qrconnectUrl(mock.baseUrl))
    fields.set('redirect_uri', 'https://evil.com/')
    const response = await submitQr(action, fields, 'allow')
    expect(response.headers.get('location')).toBeNull()
    expect(await errcodeOf(response)).toBe('10003')
  })

  it('re-checks the submitted appid', async () => {
    const { action, fields } = await qrForm(mock, qrconnectUrl(mock.baseUrl))
    fields.set('appid', DEMO_MP_APP.appid)
    expect(await errcodeOf(await submitQr(action, fields, 'allow'))).toBe('wrong-app-type')
  })
})

describe('approve', () => {
  it.each([
    [
      'a history path',
      'http://localhost:5173/login',
      'http://localhost:5173/login?code=C&state=abc123',
    ],
    ['a query', 'http://localhost:5173/p?x=1', 'http://localhost:5173/p?x=1&code=C&state=abc123'],
    [
      'a hash route',
      'http://localhost:5173/#/login',
      'http://localhost:5173/#/login?code=C&state=abc123',
    ],
    [
      'a query before a hash route',
      'http://localhost:5173/p?x=1#/login',
      'http://localhost:5173/p?x=1#/login?code=C&state=abc123',
    ],
    [
      'a hash route with a query',
      'http://localhost:5173/#/login?next=%2Fme',
      'http://localhost:5173/#/login?next=%2Fme&code=C&state=abc123',
    ],
  ])('appends code and state at the very end of %s', async (_name, redirectUri, expected) => {
    const response = await scanAndConfirm(mock, { redirect_uri: redirectUri })
    expect(response.status).toBe(302)
    const location = response.headers.get('location') ?? ''
    const code = qrCodeFrom(location) ?? ''
    expect(code).toMatch(/^0[A-Za-z0-9]{31}$/)
    expect(location).toBe(expected.replace('code=C', `code=${code}`))
  })

  it('appends an empty state when the request had none', async () => {
    const response = await scanAndConfirm(mock, { state: undefined })
    expect(response.headers.get('location')).toMatch(
      /^http:\/\/localhost:5173\/login\?code=0\w{31}&state=$/,
    )
  })

  it('remembers the picked user in a cookie', async () => {
    const response = await scanAndConfirm(mock, {}, 'allow', 'lisisi')
    expect(response.headers.get('set-cookie')).toMatch(/mock_wechat_user=lisisi/)
  })

  it('preselects the remembered user', async () => {
    const response = await fetch(qrconnectUrl(mock.baseUrl), {
      headers: { cookie: 'mock_wechat_user=wangdachui' },
    })
    expect(await response.text()).toMatch(/data-testid="wechat-user-wangdachui" checked/)
  })
})

describe('deny', () => {
  it('goes back with the state only, at the very end of a hash route', async () => {
    const response = await scanAndConfirm(
      mock,
      { redirect_uri: 'http://localhost:5173/#/login' },
      'deny',
    )
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('http://localhost:5173/#/login?state=abc123')
  })
})

describe('stats and faults', () => {
  it('counts qrconnect page views apart from authorize', async () => {
    await desktopGet(qrconnectUrl(mock.baseUrl))
    await desktopGet(qrconnectUrl(mock.baseUrl, { appid: undefined }))
    const stats = await mock.control.stats()
    expect(stats.qrconnect).toBe(2)
    expect(stats.authorize).toBe(0)
  })

  it('drops code and state from an approval under a qrconnect drop-callback fault', async () => {
    await mock.control.faults({ endpoint: 'qrconnect', mode: 'drop-callback', times: 1 })
    const redirectUri = 'http://localhost:5173/#/login'
    const dropped = await scanAndConfirm(mock, { redirect_uri: redirectUri })
    expect(dropped.headers.get('location')).toBe(redirectUri)
    const next = await scanAndConfirm(mock, { redirect_uri: redirectUri })
    expect(qrCodeFrom(next.headers.get('location'))).not.toBeNull()
  })

  it('keeps qrconnect and authorize drop-callback faults apart', async () => {
    await mock.control.faults({ endpoint: 'authorize', mode: 'drop-callback' })
    const response = await scanAndConfirm(mock)
    expect(qrCodeFrom(response.headers.get('location'))).not.toBeNull()
  })
})
