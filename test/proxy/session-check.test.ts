import { afterEach, describe, expect, it } from 'vitest'
import { DAY, errorCode, get, login, setup, teardown } from './support.js'

afterEach(teardown)

describe('GET /session with SESSION_CHECK_WECHAT on', () => {
  it('answers the session after WeChat confirms the grant', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const { session, openid } = await login(h)
    const r = await get(h, '/session', session)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ openid })
    expect((await h.mock.control.stats()).calls.auth).toBe(1)
  })

  it('answers 401 reauth_required once the tokens are gone', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const { session, openid } = await login(h)
    await h.store.deleteTokens('mp', openid)
    const r = await get(h, '/session', session)
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('reauth_required')
  })

  it('refreshes an expired access token before asking WeChat', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const { session } = await login(h, { scope: 'snsapi_base' })
    await h.mock.control.clock(7201)
    expect((await get(h, '/session', session)).status).toBe(200)
    expect((await h.mock.control.stats()).calls).toMatchObject({ refresh_token: 1 })
  })

  it('answers 401 reauth_required when WeChat refuses the grant', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const { session } = await login(h)
    await h.mock.control.clock(31 * DAY)
    expect(errorCode(await get(h, '/session', session))).toBe('reauth_required')
  })
})

describe('GET /session with SESSION_CHECK_WECHAT off (the default)', () => {
  it('does not ask WeChat', async () => {
    const h = await setup()
    const { session } = await login(h)
    expect((await get(h, '/session', session)).status).toBe(200)
    expect((await h.mock.control.stats()).calls.auth).toBe(0)
  })
})
