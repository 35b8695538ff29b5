/**
 * Two proxy instances sharing one Redis and one WeChat (the standalone mock, its own process), as they
 * run behind a load balancer: whatever one instance did, the other must know.
 */
import { describe, expect, it } from 'vitest'
import { call, errorCode } from '../helpers/http.js'
import type { Reply } from '../helpers/http.js'
import { expectLogoutSeenByOther, verifier } from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'
import { redisAndWechat } from './redis-pair.js'

const shared = redisAndWechat()

async function login(proxy: RedisProxy): Promise<{ openid: string; session: string }> {
  const [code] = await shared.mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  const reply = await call(proxy, 'POST', '/openid', {
    body: { code, verifier: verifier('login') },
  })
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`)
  return reply.json as { openid: string; session: string }
}

/** The same code sent to both instances at once, while WeChat takes its time to answer. */
async function race(
  a: RedisProxy,
  b: RedisProxy,
  verifierOf: (i: number) => string,
): Promise<Reply[]> {
  const [code] = await shared.mock.control.codes({ count: 1 })
  await shared.mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 400, times: 1 })
  return Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      call(i % 2 === 0 ? a : b, 'POST', '/openid', { body: { code, verifier: verifierOf(i) } }),
    ),
  )
}

describe('two proxy instances on one Redis', () => {
  it('report the redis store in /healthz', async () => {
    const [a, b] = await shared.twoInstances()
    for (const proxy of [a, b]) {
      const health = await call(proxy, 'GET', '/healthz')
      expect(health.status).toBe(200)
      expect(health.json).toEqual({ ok: true, store: 'redis' })
    }
  })

  it('exchange a code sent to both at once only once, and answer every copy the same', async () => {
    const [a, b] = await shared.twoInstances()
    const replies = await race(a, b, () => verifier('same-browser'))
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200])
    const openids = new Set(replies.map((reply) => (reply.json as { openid: string }).openid))
    expect(openids.size).toBe(1)
    expect(new Set(replies.map((reply) => reply.text)).size).toBe(1)
    expect((await shared.mock.control.stats()).calls.access_token).toBe(1)
  })

  it('answer only the first browser when different verifiers send the same code', async () => {
    const [a, b] = await shared.twoInstances()
    const replies = await race(a, b, (i) => verifier(`browser-${i}`))
    const statuses = replies.map((reply) => reply.status).sort()
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409])
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(errorCode(reply)).toBe('code_used')
    }
    expect((await shared.mock.control.stats()).calls.access_token).toBe(1)
  })

  it('accept on one instance a session the other issued, with the tokens it kept', async () => {
    const [a, b] = await shared.twoInstances()
    const { openid, session } = await login(a)
    const checked = await call(b, 'GET', '/session', { session })
    expect(checked.status).toBe(200)
    expect((checked.json as { openid: string }).openid).toBe(openid)
    // The profile needs WeChat's tokens, which only instance A received: B reads them from Redis.
    const profile = await call(b, 'GET', '/userinfo', { session })
    expect(profile.status).toBe(200)
    expect((profile.json as { openid: string }).openid).toBe(openid)
  })

  it('refuse on one instance a session logged out on the other', async () => {
    const [a, b] = await shared.twoInstances()
    const { session } = await login(a)
    await expectLogoutSeenByOther(a, b, session)
    expect((await call(b, 'GET', '/userinfo', { session })).status).toBe(401)
  })

  it('share the /openid rate limit: the request over the limit is refused on either', async () => {
    const [a, b] = await shared.twoInstances({ RATE_LIMIT: '4' })
    // Counted before the body is read: invalid requests (400) use the budget like any other.
    const send = (proxy: RedisProxy) => call(proxy, 'POST', '/openid', { body: {} })
    const within = [await send(a), await send(b), await send(a), await send(b)]
    expect(within.map((reply) => reply.status)).toEqual([400, 400, 400, 400])
    const over = [await send(a), await send(b)]
    expect(over.map((reply) => reply.status)).toEqual([429, 429])
    expect(over.map(errorCode)).toEqual(['rate_limited', 'rate_limited'])
  })
})
