import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DAY, errorCode, get, login, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

describe('refreshing the stored tokens', () => {
  it('loads the profile after WeChat expired the access token, with exactly one refresh', async () => {
    const { session } = await login(h)
    await h.mock.control.clock(7201)
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(200)
    expect((await h.mock.control.stats()).calls.refresh_token).toBe(1)
  })

  it('refreshes a token it knows has expired before calling WeChat with it', async () => {
    const { session } = await login(h)
    h.advanceBoth(7201)
    expect((await get(h, '/userinfo', session)).status).toBe(200)
    const { calls } = await h.mock.control.stats()
    expect(calls).toMatchObject({ refresh_token: 1, userinfo: 1 })
  })

  it('refreshes once for two concurrent calls after expiry', async () => {
    const { session } = await login(h)
    await h.mock.control.clock(7201)
    // A slow refresh makes sure the second call arrives while the first refresh is still running.
    await h.mock.control.faults({ endpoint: 'refresh_token', mode: 'latency', ms: 200, times: 1 })
    const replies = await Promise.all([get(h, '/userinfo', session), get(h, '/userinfo', session)])
    expect(replies.map((r) => r.status)).toEqual([200, 200])
    expect((await h.mock.control.stats()).calls.refresh_token).toBe(1)
  })

  it('refreshes once for two concurrent calls with a token known to have expired', async () => {
    const { session } = await login(h)
    h.advanceBoth(7201)
    await h.mock.control.faults({ endpoint: 'refresh_token', mode: 'latency', ms: 200, times: 1 })
    const replies = await Promise.all([get(h, '/userinfo', session), get(h, '/userinfo', session)])
    expect(replies.map((r) => r.status)).toEqual([200, 200])
    expect((await h.mock.control.stats()).calls.refresh_token).toBe(1)
  })

  it('stores the new access token and keeps the 30-day limit of the original grant', async () => {
    const { session, openid } = await login(h)
    const before = await h.store.getTokens('mp', openid)
    await h.mock.control.clock(7201)
    await get(h, '/userinfo', session)
    const after = await h.store.getTokens('mp', openid)
    expect(after?.accessToken).not.toBe(before?.accessToken)
    expect(after?.refreshExpiresAt).toBe(before?.refreshExpiresAt)
  })

  it('retries with a refreshed token when WeChat does not know the stored one (40001)', async () => {
    const { session, openid } = await login(h)
    const tokens = await h.store.getTokens('mp', openid)
    await h.store.saveTokens('mp', openid, { ...tokens!, accessToken: 'bogus' }, 3600)
    expect((await get(h, '/userinfo', session)).status).toBe(200)
    expect((await h.mock.control.stats()).calls.refresh_token).toBe(1)
  })

  it('answers reauth_required and forgets the tokens after 30 days (42002)', async () => {
    const { session, openid } = await login(h)
    await h.mock.control.clock(31 * DAY)
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(401)
    expect(r.json).toMatchObject({ error: { code: 'reauth_required', errcode: 42002 } })
    expect(await h.store.getTokens('mp', openid)).toBeUndefined()
  })

  it('answers reauth_required and forgets the tokens when WeChat refuses the refresh token (40030)', async () => {
    const { session, openid } = await login(h)
    const tokens = await h.store.getTokens('mp', openid)
    await h.store.saveTokens(
      'mp',
      openid,
      { ...tokens!, accessExpiresAt: Date.now() - 1, refreshToken: 'bogus' },
      3600,
    )
    const r = await get(h, '/userinfo', session)
    expect(r.json).toMatchObject({ error: { code: 'reauth_required', errcode: 40030 } })
    expect(await h.store.getTokens('mp', openid)).toBeUndefined()
  })

  it('surfaces a refresh that WeChat could not serve, and keeps the tokens', async () => {
    const { session, openid } = await login(h)
    await h.mock.control.clock(7201)
    // -1 on the first call and both retries.
    await h.mock.control.faults({ endpoint: 'refresh_token', mode: 'busy', times: 3 })
    const r = await get(h, '/userinfo', session)
    expect(errorCode(r)).toBe('upstream_unavailable')
    expect(await h.store.getTokens('mp', openid)).toBeDefined()
  })
})
