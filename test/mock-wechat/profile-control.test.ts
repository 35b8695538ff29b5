import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP, unionidFor } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { refresh, signIn, snsAuth, userinfo } from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

describe('apps', () => {
  it('binds an app at run time: token and userinfo carry the unionid', async () => {
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    const token = await signIn(mock, { user: 'wangdachui' })
    expect(token.unionid).toBe(unionidFor('wangdachui'))
    expect((await userinfo(mock.baseUrl, token)).unionid).toBe(unionidFor('wangdachui'))
  })

  it('gives one person the same unionid in every bound app', async () => {
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    await mock.control.apps({ appid: DEMO_WEB_APP.appid, unionBound: true })
    const mp = await signIn(mock)
    const web = await signIn(mock, { appid: DEMO_WEB_APP.appid, secret: DEMO_WEB_APP.secret })
    expect(mp.openid).not.toBe(web.openid)
    expect(mp.unionid).toBe(web.unionid)
  })

  it('unbinds an app at run time', async () => {
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: false })
    expect(await signIn(mock)).not.toHaveProperty('unionid')
  })

  it('still leaves the unionid out of an official-account snsapi_base token', async () => {
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    expect(await signIn(mock, { scope: 'snsapi_base' })).not.toHaveProperty('unionid')
  })

  it('rejects an unknown appid with 400', async () => {
    await expect(
      mock.control.apps({ appid: 'wx0000000000000000', unionBound: true }),
    ).rejects.toThrow(/400/)
  })
})

describe('counters', () => {
  it('counts refresh_token, userinfo and auth calls, failed ones included', async () => {
    const token = await signIn(mock)
    await refresh(mock.baseUrl, token.refresh_token)
    await refresh(mock.baseUrl, 'unknown')
    await userinfo(mock.baseUrl, token)
    await snsAuth(mock.baseUrl, token)
    await snsAuth(mock.baseUrl, { ...token, access_token: 'x' })
    expect((await mock.control.stats()).calls).toEqual({
      access_token: 1,
      refresh_token: 2,
      userinfo: 1,
      auth: 2,
      token: 0,
      stable_token: 0,
      ticket: 0,
    })
  })
})

describe('faults', () => {
  it.each([
    [
      'refresh_token',
      (token: Record<string, unknown>) => refresh(mock.baseUrl, token.refresh_token),
    ],
    ['userinfo', (token: Record<string, unknown>) => userinfo(mock.baseUrl, token)],
    ['auth', (token: Record<string, unknown>) => snsAuth(mock.baseUrl, token)],
  ] as const)('applies to %s', async (endpoint, call) => {
    const token = await signIn(mock)
    await mock.control.faults({ endpoint, mode: 'busy', times: 1 })
    expect((await call(token)).errcode).toBe(-1)
    expect((await call(token)).errcode).not.toBe(-1)
  })

  it('http500 on refresh_token leaves the access_token as it was', async () => {
    const token = await signIn(mock)
    await mock.control.faults({ endpoint: 'refresh_token', mode: 'http500', times: 1 })
    const query = `appid=${DEMO_MP_APP.appid}&grant_type=refresh_token&refresh_token=${String(token.refresh_token)}`
    expect((await fetch(`${mock.baseUrl}/sns/oauth2/refresh_token?${query}`)).status).toBe(500)
    expect(await userinfo(mock.baseUrl, token)).toHaveProperty('nickname')
  })
})

describe('reset', () => {
  it('forgets an armed snapshot visit', async () => {
    await mock.control.snapshot(true)
    await mock.control.reset()
    expect(await signIn(mock)).not.toHaveProperty('is_snapshotuser')
  })

  it('restores the configured binding', async () => {
    await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    await mock.control.reset()
    expect(await signIn(mock)).not.toHaveProperty('unionid')
  })

  it('forgets tokens', async () => {
    const token = await signIn(mock)
    await mock.control.reset()
    expect((await userinfo(mock.baseUrl, token)).errcode).toBe(40001)
    expect((await refresh(mock.baseUrl, token.refresh_token)).errcode).toBe(40030)
  })
})
