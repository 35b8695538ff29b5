import { MemoryStore } from 'express-rate-limit'
import { afterEach, describe, expect, it } from 'vitest'
import { errorCode, get, login, post, setup, teardown } from './support.js'
import type { Harness, HarnessOptions, Reply } from './support.js'
import type { ProxyConfig } from '../../proxy/config.js'

afterEach(teardown)

/** Without the cache, every call that is let through reaches WeChat. */
const uncached = (config: Partial<ProxyConfig> = {}): HarnessOptions => ({
  config: { wechatCacheSeconds: 0, ...config },
})

/** `count` calls of `path` with `session`, fifty at a time. */
async function burst(h: Harness, path: string, session: string, count: number): Promise<Reply[]> {
  const replies: Reply[] = []
  for (let sent = 0; sent < count; sent += 50) {
    const batch = Array.from({ length: Math.min(50, count - sent) }, () => get(h, path, session))
    replies.push(...(await Promise.all(batch)))
  }
  return replies
}

const statuses = (replies: Reply[]) => replies.map((r) => r.status)
const count = (replies: Reply[], status: number) => statuses(replies).filter((s) => s === status)

describe('the per-session limit on calls that reach WeChat', () => {
  it('lets 300 GET /userinfo of one session make at most SESSION_RATE_LIMIT /sns/userinfo calls', async () => {
    const h = await setup(uncached())
    const { session } = await login(h)
    const replies = await burst(h, '/userinfo', session, 300)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(10)
    expect(count(replies, 200)).toHaveLength(10)
    expect(count(replies, 429)).toHaveLength(290)
  })

  it('answers the refused calls 429 rate_limited with Retry-After', async () => {
    const h = await setup(uncached({ sessionRateLimit: 1 }))
    const { session } = await login(h)
    await get(h, '/userinfo', session)
    const refused = await get(h, '/userinfo', session)
    expect(refused.status).toBe(429)
    expect(errorCode(refused)).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60)
  })

  it('lets 300 GET /session with SESSION_CHECK_WECHAT make at most SESSION_RATE_LIMIT /sns/auth calls', async () => {
    const h = await setup(uncached({ sessionCheckWechat: true }))
    const { session } = await login(h)
    const replies = await burst(h, '/session', session, 300)
    expect((await h.mock.control.stats()).calls.auth).toBe(10)
    expect(count(replies, 429)).toHaveLength(290)
    expect(replies.at(-1)!.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('counts each session apart', async () => {
    const h = await setup(uncached({ sessionRateLimit: 2 }))
    const first = await login(h)
    const second = await login(h)
    expect(statuses(await burst(h, '/userinfo', first.session, 3))).toEqual([200, 200, 429])
    expect(statuses(await burst(h, '/userinfo', second.session, 2))).toEqual([200, 200])
  })

  it('leaves GET /session alone when it does not ask WeChat', async () => {
    const h = await setup(uncached({ sessionRateLimit: 1 }))
    const { session } = await login(h)
    expect(count(await burst(h, '/session', session, 20), 200)).toHaveLength(20)
  })
})

describe('the per-client limit on calls that reach WeChat', () => {
  it('bounds one address across its sessions by RATE_LIMIT', async () => {
    const h = await setup(uncached({ rateLimit: 5, sessionRateLimit: 100 }))
    const sessions = [await login(h), await login(h), await login(h)]
    for (const { session } of sessions) await burst(h, '/userinfo', session, 4)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(5)
    const refused = await get(h, '/userinfo', sessions[0]!.session)
    expect(errorCode(refused)).toBe('rate_limited')
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it("charges the address only for calls its session's own limit let through: a neighbour is not locked out", async () => {
    const h = await setup(uncached({ rateLimit: 10, sessionRateLimit: 2 }))
    const [greedy, neighbour] = [await login(h), await login(h)]
    // 30 calls from one session: 2 pass its limit, 28 are refused before the address is charged.
    await burst(h, '/userinfo', greedy.session, 30)
    expect((await get(h, '/userinfo', neighbour.session)).status).toBe(200)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(3)
  })

  it('counts /userinfo and the session check together, apart from /openid', async () => {
    const h = await setup(
      uncached({ rateLimit: 2, sessionRateLimit: 100, sessionCheckWechat: true }),
    )
    const { session } = await login(h)
    await get(h, '/userinfo', session)
    await get(h, '/session', session)
    expect((await get(h, '/session', session)).status).toBe(429)
    // /openid keeps its own budget: one call spent by the login.
    expect((await post(h, '/openid', undefined, { code: 'unknown' })).status).toBe(400)
  })

  it('keeps its counters in the injected store, under wechat: and session:', async () => {
    const rateLimitStore = new MemoryStore()
    const h = await setup({ ...uncached(), deps: { rateLimitStore } })
    const { session } = await login(h)
    await get(h, '/userinfo', session)
    expect((await rateLimitStore.get('wechat:127.0.0.1'))?.totalHits).toBe(1)
    const id = JSON.parse(Buffer.from(session.split('.')[1]!, 'base64url').toString()).jti
    expect((await rateLimitStore.get(`session:${id}`))?.totalHits).toBe(1)
  })
})

describe("a session's WeChat answers, reused for WECHAT_CACHE_SECONDS", () => {
  it('answers 300 GET /userinfo of one session with one /sns/userinfo call', async () => {
    const h = await setup()
    const { session } = await login(h)
    const replies = await burst(h, '/userinfo', session, 300)
    expect(count(replies, 200)).toHaveLength(300)
    expect(replies[299]!.json).toEqual(replies[0]!.json)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(1)
  })

  it('answers 300 GET /session with SESSION_CHECK_WECHAT with one /sns/auth call', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const { session } = await login(h)
    expect(count(await burst(h, '/session', session, 300), 200)).toHaveLength(300)
    expect((await h.mock.control.stats()).calls.auth).toBe(1)
  })

  it('keeps a profile per language', async () => {
    const h = await setup()
    const { session } = await login(h)
    await get(h, '/userinfo?lang=en', session)
    await get(h, '/userinfo?lang=zh_CN', session)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(2)
  })

  it('never shares an answer between two sessions of one user', async () => {
    const h = await setup()
    const first = await login(h)
    const second = await login(h)
    await get(h, '/userinfo', first.session)
    await get(h, '/userinfo', second.session)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(2)
  })

  it('asks WeChat again once the answer is older than WECHAT_CACHE_SECONDS', async () => {
    const h = await setup({ config: { wechatCacheSeconds: 30 } })
    const { session } = await login(h)
    await get(h, '/userinfo', session)
    h.advanceBoth(31)
    await get(h, '/userinfo', session)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(2)
  })

  it('does not keep a failure', async () => {
    const h = await setup()
    const { session } = await login(h)
    await h.mock.control.faults({ endpoint: 'userinfo', mode: 'http500', times: 1 })
    expect((await get(h, '/userinfo', session)).status).toBe(502)
    expect((await get(h, '/userinfo', session)).status).toBe(200)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(2)
  })

  it('refuses a logged-out session instead of answering from the cache', async () => {
    const h = await setup()
    const { session } = await login(h)
    await get(h, '/userinfo', session)
    await post(h, '/logout', session)
    expect(errorCode(await get(h, '/userinfo', session))).toBe('unauthorized')
  })

  it('stops answering the session check once the grant is forgotten (the other session logged out)', async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const kept = await login(h)
    const other = await login(h)
    expect((await get(h, '/session', kept.session)).status).toBe(200)
    await post(h, '/logout', other.session)
    expect(errorCode(await get(h, '/session', kept.session))).toBe('reauth_required')
  })

  it('keeps nothing with WECHAT_CACHE_SECONDS=0', async () => {
    const h = await setup(uncached())
    const { session } = await login(h)
    await burst(h, '/userinfo', session, 2)
    expect((await h.mock.control.stats()).calls.userinfo).toBe(2)
  })
})
