import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import { verifySession } from '../../proxy/login/session.js'
import { DAY, get, login, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

describe('grants kept across logins', () => {
  it('keeps the userinfo scope when the same user then signs in silently', async () => {
    await login(h)
    const silent = await login(h, { scope: 'snsapi_base' })
    expect(silent.scope).toBe('snsapi_userinfo')
    expect((await verifySession(silent.session, h.proxy.config.sessionSecret)).scope).toBe(
      'snsapi_userinfo',
    )
  })

  it('loads the profile with a silent session that follows a consent, without a new consent', async () => {
    await login(h)
    const silent = await login(h, { scope: 'snsapi_base' })
    expect((await get(h, '/userinfo', silent.session)).status).toBe(200)
  })

  it('keeps the stored userinfo tokens through a silent login', async () => {
    const { openid } = await login(h)
    const before = await h.store.getTokens('mp', openid)
    await login(h, { scope: 'snsapi_base' })
    expect(await h.store.getTokens('mp', openid)).toEqual(before)
  })

  it('takes the silent grant when the consented one can no longer be refreshed', async () => {
    await login(h)
    h.advanceBoth(31 * DAY)
    const silent = await login(h, { scope: 'snsapi_base' })
    expect(silent.scope).toBe('snsapi_base')
  })

  it('replaces stored base tokens with a consented grant', async () => {
    const { openid } = await login(h, { scope: 'snsapi_base' })
    const consented = await login(h)
    expect(consented.scope).toBe('snsapi_userinfo')
    expect((await h.store.getTokens('mp', openid))?.scope).toBe('snsapi_userinfo')
  })
})

describe('snapshot-page users', () => {
  it('marks the response, the session and the stored tokens', async () => {
    await h.mock.control.snapshot(true)
    const [code] = await h.mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
    const r = await fetch(`${h.proxy.baseUrl}/openid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    const body = (await r.json()) as { openid: string; session: string; snapshotUser: boolean }
    expect(body.snapshotUser).toBe(true)
    const claims = await verifySession(body.session, h.proxy.config.sessionSecret)
    expect(claims.snapshotUser).toBe(true)
    expect((await h.store.getTokens('mp', body.openid))?.snapshotUser).toBe(true)
  })

  it('does not mark an ordinary user', async () => {
    const { session, snapshotUser } = await login(h)
    expect(snapshotUser).toBe(false)
    const claims = await verifySession(session, h.proxy.config.sessionSecret)
    expect(claims.snapshotUser).toBeUndefined()
  })
})

describe('unionid', () => {
  it('is carried in the response, the session, /session, the store and the profile of a bound app', async () => {
    await h.mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
    const { openid, unionid, session } = await login(h)
    expect(unionid).toMatch(/^o6_bm/)
    expect((await verifySession(session, h.proxy.config.sessionSecret)).unionid).toBe(unionid)
    expect((await get(h, '/session', session)).json).toMatchObject({ unionid })
    expect((await h.store.getTokens('mp', openid))?.unionid).toBe(unionid)
    expect((await get(h, '/userinfo', session)).json).toMatchObject({ unionid })
  })

  it('is absent for an app not bound to the open platform', async () => {
    const { unionid, session } = await login(h)
    expect(unionid).toBeUndefined()
    expect((await get(h, '/session', session)).json).not.toHaveProperty('unionid')
  })
})
