import { afterEach, beforeEach, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import type { MockApp } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { refresh, signIn, userinfo } from './support.js'

const BOUND_MP_APP: MockApp = {
  appid: 'wx0a0b0c0d0e0f1a1b',
  secret: '11112222333344445555666677778888',
  kind: 'mp',
  unionBound: true,
}
const DAY = 24 * 3600

let mock: RunningMockWechat
let wallClock = 1_700_000_000_000
beforeEach(async () => {
  wallClock = 1_700_000_000_000
  mock = await startMockWechat({
    apps: [DEMO_MP_APP, DEMO_WEB_APP, BOUND_MP_APP],
    now: () => wallClock,
  })
})
afterEach(() => mock.close())

it('answers the access_token shape', async () => {
  const token = await signIn(mock)
  const body = await refresh(mock.baseUrl, token.refresh_token)
  expect(body).toEqual({
    access_token: token.access_token,
    expires_in: 7200,
    refresh_token: token.refresh_token,
    openid: token.openid,
    scope: 'snsapi_userinfo',
  })
})

it('adds the unionid for a bound app with snsapi_userinfo', async () => {
  const token = await signIn(mock, { appid: BOUND_MP_APP.appid, secret: BOUND_MP_APP.secret })
  const body = await refresh(mock.baseUrl, token.refresh_token, { appid: BOUND_MP_APP.appid })
  expect(body.unionid).toBe(token.unionid)
  expect(body.unionid).toMatch(/^o6_bm/)
})

it('keeps the access_token before expiry and extends it by 7200 s', async () => {
  const token = await signIn(mock)
  await mock.control.clock(7100)
  expect((await refresh(mock.baseUrl, token.refresh_token)).access_token).toBe(token.access_token)
  await mock.control.clock(7200 - 100)
  expect(await userinfo(mock.baseUrl, token)).toHaveProperty('nickname')
})

it('issues a new access_token after expiry and the old one becomes invalid', async () => {
  const token = await signIn(mock)
  await mock.control.clock(7201)
  const body = await refresh(mock.baseUrl, token.refresh_token)
  expect(body.access_token).toMatch(/^86_/)
  expect(body.access_token).not.toBe(token.access_token)
  expect(body.refresh_token).toBe(token.refresh_token)
  expect(await userinfo(mock.baseUrl, body)).toHaveProperty('nickname')
  expect((await userinfo(mock.baseUrl, token)).errcode).toBe(40001)
})

it('answers 40030 for an unknown refresh_token', async () => {
  expect((await refresh(mock.baseUrl, '86_unknown')).errcode).toBe(40030)
})

it('answers 40030 for a refresh_token of another app', async () => {
  const token = await signIn(mock)
  const body = await refresh(mock.baseUrl, token.refresh_token, { appid: BOUND_MP_APP.appid })
  expect(body.errcode).toBe(40030)
})

it('answers 42002 once the refresh_token is older than 30 days, refreshes or not', async () => {
  const token = await signIn(mock)
  await mock.control.clock(29 * DAY)
  expect(await refresh(mock.baseUrl, token.refresh_token)).toHaveProperty('access_token')
  await mock.control.clock(DAY + 1)
  expect((await refresh(mock.baseUrl, token.refresh_token)).errcode).toBe(42002)
})

it('answers 40013 for an unknown appid', async () => {
  const token = await signIn(mock)
  const body = await refresh(mock.baseUrl, token.refresh_token, { appid: 'wx0000000000000000' })
  expect(body.errcode).toBe(40013)
})

it('answers 40002 for a wrong grant_type', async () => {
  const token = await signIn(mock)
  const body = await refresh(mock.baseUrl, token.refresh_token, {
    grant_type: 'authorization_code',
  })
  expect(body.errcode).toBe(40002)
})
