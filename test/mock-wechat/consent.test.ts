import { afterEach, beforeEach, expect, it } from 'vitest'
import { DEMO_MP_APP, openidFor } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import {
  authorizeUrl,
  codeFrom,
  consentForm as readConsentForm,
  errcodeOf,
  exchange,
  submitConsent as submit,
  wechatGet,
} from './support.js'
import type { PageForm } from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const USERINFO = { scope: 'snsapi_userinfo', redirect_uri: 'http://localhost:5173/p?x=1#/me' }

async function consentForm(): Promise<PageForm> {
  return readConsentForm(mock, authorizeUrl(mock.baseUrl, USERINFO))
}

it('shows a consent page with approve, deny and the user picker', async () => {
  const response = await wechatGet(authorizeUrl(mock.baseUrl, USERINFO))
  expect(response.status).toBe(200)
  const html = await response.text()
  expect(html).toContain('获取你的昵称、头像')
  expect(html).toContain('data-testid="wechat-approve"')
  expect(html).toContain('data-testid="wechat-deny"')
  expect(html).toContain('data-testid="wechat-user-picker"')
  expect(html).toContain('张小明')
})

it('redirects with a code and the state on approve', async () => {
  const { action, fields } = await consentForm()
  const response = await submit(action, fields, 'allow')
  expect(response.status).toBe(302)
  expect(response.headers.get('location')).toMatch(
    /^http:\/\/localhost:5173\/p\?x=1&code=0[A-Za-z0-9]{31}&state=abc123#\/me$/,
  )
})

it('issues an snsapi_userinfo code on approve', async () => {
  const { action, fields } = await consentForm()
  const code = codeFrom((await submit(action, fields, 'allow')).headers.get('location')) ?? ''
  const body = await exchange(mock.baseUrl, { code })
  expect(body.scope).toBe('snsapi_userinfo')
})

it('redirects with the state only on deny', async () => {
  const { action, fields } = await consentForm()
  const response = await submit(action, fields, 'deny')
  expect(response.status).toBe(302)
  expect(response.headers.get('location')).toBe('http://localhost:5173/p?x=1&state=abc123#/me')
})

it('signs in as the user picked and remembers the choice in a cookie', async () => {
  const { action, fields } = await consentForm()
  fields.set('user', 'lisisi')
  const response = await submit(action, fields, 'allow')
  expect(response.headers.get('set-cookie')).toMatch(/mock_wechat_user=lisisi/)
  const body = await exchange(mock.baseUrl, {
    code: codeFrom(response.headers.get('location')) ?? '',
  })
  expect(body.openid).toBe(openidFor(DEMO_MP_APP.appid, 'lisisi'))
})

it('uses the mock_wechat_user cookie for silent snsapi_base logins', async () => {
  const response = await wechatGet(authorizeUrl(mock.baseUrl), {
    cookie: 'mock_wechat_user=wangdachui',
  })
  const body = await exchange(mock.baseUrl, {
    code: codeFrom(response.headers.get('location')) ?? '',
  })
  expect(body.openid).toBe(openidFor(DEMO_MP_APP.appid, 'wangdachui'))
})

it('re-validates the submitted redirect_uri', async () => {
  const { action, fields } = await consentForm()
  fields.set('redirect_uri', 'https://evil.com/')
  const response = await submit(action, fields, 'allow')
  expect(response.headers.get('location')).toBeNull()
  expect(await errcodeOf(response)).toBe('10003')
})

it('gives every user in the picker a radio with a test id', async () => {
  const { html } = await consentForm()
  for (const id of ['zhangxiaoming', 'lisisi', 'wangdachui', 'chenxiaoyu']) {
    expect(html).toMatch(
      new RegExp(`<input type="radio" name="user" value="${id}" data-testid="wechat-user-${id}"`),
    )
  }
})

it('shows only avatars the mock serves itself', async () => {
  const { html } = await consentForm()
  const sources = [...html.matchAll(/<img src="([^"]+)"/g)].map((match) => match[1] ?? '')
  expect(sources).toHaveLength(4)
  for (const src of sources) {
    expect(src.startsWith('/mock-wechat/')).toBe(true)
    const response = await fetch(new URL(src, mock.origin))
    expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
  }
})

it('serves the test users avatars as SVG', async () => {
  const response = await fetch(`${mock.baseUrl}/avatar/zhangxiaoming.svg`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
  expect(await response.text()).toContain('<svg')
})
