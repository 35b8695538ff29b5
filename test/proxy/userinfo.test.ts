import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, TEST_USERS, openidFor } from '../../proxy/mock-wechat/index.js'
import { errorCode, get, login, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

describe('GET /userinfo', () => {
  it('answers the profile fields of a consented user and nothing else', async () => {
    const { session } = await login(h)
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      openid: openidFor(DEMO_MP_APP.appid, TEST_USERS[0]!.id),
      nickname: TEST_USERS[0]!.nickname,
      headimgurl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mock-wechat\/.+\/132$/),
      sex: 0,
      province: '',
      city: '',
      country: '',
      privilege: [],
    })
  })

  it.each(['zh_CN', 'zh_TW', 'en'])('accepts lang=%s', async (lang) => {
    const { session } = await login(h)
    expect((await get(h, `/userinfo?lang=${lang}`, session)).status).toBe(200)
  })

  it('answers 400 invalid_request for another lang, without calling WeChat', async () => {
    const { session } = await login(h)
    const r = await get(h, '/userinfo?lang=fr', session)
    expect(r.status).toBe(400)
    expect(errorCode(r)).toBe('invalid_request')
    expect((await h.mock.control.stats()).calls.userinfo).toBe(0)
  })

  it('answers 400 invalid_request for a repeated lang', async () => {
    const { session } = await login(h)
    const r = await get(h, '/userinfo?lang=en&lang=zh_CN', session)
    expect(errorCode(r)).toBe('invalid_request')
  })

  it('answers 401 unauthorized without a session', async () => {
    const r = await get(h, '/userinfo')
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('unauthorized')
  })

  it('answers 401 reauth_required for a snsapi_base session, without calling WeChat', async () => {
    const { session } = await login(h, { scope: 'snsapi_base' })
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('reauth_required')
    expect((await h.mock.control.stats()).calls.userinfo).toBe(0)
  })

  it('answers 401 reauth_required when no tokens are kept for the user', async () => {
    const { session, openid } = await login(h)
    await h.store.deleteTokens('mp', openid)
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('reauth_required')
  })

  it('answers 401 reauth_required when WeChat refuses a snapshot user (48001)', async () => {
    const { session } = await login(h, { snapshot: true })
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(401)
    expect(r.json).toMatchObject({ error: { code: 'reauth_required', errcode: 48001 } })
  })

  it('answers 503 upstream_unavailable when WeChat stays busy, and keeps the tokens', async () => {
    const { session, openid } = await login(h)
    // -1 on the first call and both retries.
    await h.mock.control.faults({ endpoint: 'userinfo', mode: 'busy', times: 3 })
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(503)
    expect(errorCode(r)).toBe('upstream_unavailable')
    expect(await h.store.getTokens('mp', openid)).toBeDefined()
  })
})
