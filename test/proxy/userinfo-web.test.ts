import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_WEB_APP, TEST_USERS, openidFor } from '../../proxy/mock-wechat/index.js'
import { get, post, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

describe('GET /userinfo after a website-app (PC QR) login', () => {
  it('answers the profile: snsapi_login includes it', async () => {
    const [code] = await h.mock.control.codes({ count: 1, appid: DEMO_WEB_APP.appid })
    const login = await post(h, '/openid', undefined, { code, app: 'web' })
    expect(login.status).toBe(200)
    const { session, scope } = login.json as { session: string; scope: string }
    expect(scope).toBe('snsapi_login')
    const r = await get(h, '/userinfo', session)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      openid: openidFor(DEMO_WEB_APP.appid, TEST_USERS[0]!.id),
      nickname: TEST_USERS[0]!.nickname,
    })
  })
})
