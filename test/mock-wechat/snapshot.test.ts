import { afterEach, beforeEach, expect, it } from 'vitest'
import { DEMO_MP_APP, openidFor, unionidFor } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import {
  authorizeUrl,
  codeFrom,
  exchange,
  pageForm,
  signIn,
  submitConsent,
  wechatGet,
} from './support.js'

const USERINFO = { scope: 'snsapi_userinfo', redirect_uri: 'http://localhost:5173/p?x=1#/me' }

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat({ apps: [{ ...DEMO_MP_APP, unionBound: true }] })
})
afterEach(() => mock.close())

async function silentLogin(): Promise<Record<string, unknown>> {
  const location = (await wechatGet(authorizeUrl(mock.baseUrl))).headers.get('location')
  return exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })
}

/** An snsapi_userinfo authorize; the code it comes back with (at once, or after consent). */
async function userinfoLogin(): Promise<Record<string, unknown>> {
  const response = await wechatGet(authorizeUrl(mock.baseUrl, USERINFO))
  const location = response.headers.get('location')
  if (location) return exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })
  const { action, fields } = pageForm(await response.text(), mock.origin)
  const approved = await submitConsent(action, fields, 'allow')
  return exchange(mock.baseUrl, { code: codeFrom(approved.headers.get('location')) ?? '' })
}

it('makes the next snsapi_userinfo login a snapshot visit with a virtual openid', async () => {
  await mock.control.snapshot(true)
  const body = await userinfoLogin()
  expect(body.is_snapshotuser).toBe(1)
  expect(body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
  expect(body.openid).not.toBe(openidFor(DEMO_MP_APP.appid, 'zhangxiaoming'))
})

it('is one-shot: the login after it is a normal one', async () => {
  await mock.control.snapshot(true)
  await userinfoLogin()
  const body = await userinfoLogin()
  expect(body).not.toHaveProperty('is_snapshotuser')
  expect(body.openid).toBe(openidFor(DEMO_MP_APP.appid, 'zhangxiaoming'))
})

it('never makes a silent login a snapshot visit, and stays armed for the next one', async () => {
  await mock.control.snapshot(true)
  const silent = await silentLogin()
  expect(silent).not.toHaveProperty('is_snapshotuser')
  expect(silent.openid).toBe(openidFor(DEMO_MP_APP.appid, 'zhangxiaoming'))
  expect(await userinfoLogin()).toHaveProperty('is_snapshotuser', 1)
})

it('can be disarmed before the next login', async () => {
  await mock.control.snapshot(true)
  await mock.control.snapshot(false)
  expect(await userinfoLogin()).not.toHaveProperty('is_snapshotuser')
})

it('skips the consent page for snsapi_userinfo and redirects with a code at once', async () => {
  await mock.control.snapshot(true)
  const response = await wechatGet(authorizeUrl(mock.baseUrl, USERINFO))
  expect(response.status).toBe(302)
  const location = response.headers.get('location')
  expect(location).toMatch(/^http:\/\/localhost:5173\/p\?x=1&code=\w+&state=abc123#\/me$/)
  const body = await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })
  expect(body).toMatchObject({ scope: 'snsapi_userinfo', is_snapshotuser: 1 })
})

it('shows the consent page again once the snapshot visit is over', async () => {
  await mock.control.snapshot(true)
  await wechatGet(authorizeUrl(mock.baseUrl, USERINFO))
  const response = await wechatGet(authorizeUrl(mock.baseUrl, USERINFO))
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('data-testid="wechat-approve"')
})

it('gives a bound app a virtual unionid too', async () => {
  const body = await signIn(mock, { snapshot: true })
  expect(body.unionid).toMatch(/^o6_bm[A-Za-z0-9_-]{23}$/)
  expect(body.unionid).not.toBe(unionidFor('zhangxiaoming'))
})

it('keeps the snapshot identity through a refresh', async () => {
  const token = await signIn(mock, { snapshot: true })
  const query = `appid=${DEMO_MP_APP.appid}&grant_type=refresh_token&refresh_token=${String(token.refresh_token)}`
  const body = (await (
    await fetch(`${mock.baseUrl}/sns/oauth2/refresh_token?${query}`)
  ).json()) as Record<string, unknown>
  expect(body).toMatchObject({ is_snapshotuser: 1, openid: token.openid })
})

it('applies an armed snapshot to the next pre-issued snsapi_userinfo code only', async () => {
  await mock.control.snapshot(true)
  const [base] = await mock.control.codes({ count: 1 })
  expect(await exchange(mock.baseUrl, { code: base ?? '' })).not.toHaveProperty('is_snapshotuser')
  const [first, second] = await mock.control.codes({ count: 2, scope: 'snsapi_userinfo' })
  expect(await exchange(mock.baseUrl, { code: first ?? '' })).toHaveProperty('is_snapshotuser', 1)
  expect(await exchange(mock.baseUrl, { code: second ?? '' })).not.toHaveProperty('is_snapshotuser')
})

it('rejects a snapshot body without a boolean next', async () => {
  const response = await fetch(`${mock.baseUrl}/__control/snapshot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ next: 'yes' }),
  })
  expect(response.status).toBe(400)
})
