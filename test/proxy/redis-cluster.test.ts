/**
 * Two proxy instances on a real three-master Redis Cluster (REDIS_CLUSTER_NODES) and one WeChat (the
 * standalone mock): the scripts run (no CROSSSLOT), the instances share what they know, and a master
 * that goes away and comes back is followed without restarting them.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createRedisClient, createRedisRateLimitStore } from '../../proxy/store/index.js'
import { call, errorCode } from '../helpers/http.js'
import { startMockProcess } from '../helpers/mock-process.js'
import type { RunningMockProcess } from '../helpers/mock-process.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { RunningRedisCluster } from '../helpers/redis-cluster.js'
import {
  connected,
  eventually,
  expectLogoutSeenByOther,
  startRedisProxy,
  verifier,
} from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'

let cluster: RunningRedisCluster
let mock: RunningMockProcess
let running: RedisProxy[] = []
const sessionSecret = randomBytes(32).toString('base64url')

beforeAll(async () => {
  ;[cluster, mock] = await Promise.all([startRedisCluster(), startMockProcess()])
}, 60_000)

afterAll(async () => {
  await Promise.all([cluster?.stop(), mock?.stop()])
})

beforeEach(async () => {
  await cluster.ready()
  await cluster.flush()
  await mock.control.reset()
})

afterEach(async () => {
  await Promise.all(running.map((proxy) => proxy.close()))
  running = []
})

async function twoInstances(): Promise<[RedisProxy, RedisProxy]> {
  const settings = {
    SESSION_SECRET: sessionSecret,
    REDIS_CLUSTER_NODES: cluster.seeds,
    WECHAT_API_BASE: mock.baseUrl,
    RATE_LIMIT: '1000',
  }
  const pair = await Promise.all([startRedisProxy(settings), startRedisProxy(settings)])
  running.push(...pair)
  return pair
}

async function login(proxy: RedisProxy, tag = 'login'): Promise<{ session: string }> {
  const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(tag) } })
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`)
  return reply.json as { session: string }
}

describe('two proxy instances on a Redis Cluster', () => {
  it('report the redis-cluster store in /healthz', async () => {
    const [a, b] = await twoInstances()
    for (const proxy of [a, b]) {
      const health = await call(proxy, 'GET', '/healthz')
      expect(health.status).toBe(200)
      expect(health.json).toEqual({ ok: true, store: 'redis-cluster' })
    }
  })

  it('exchange a code sent four times across both only once, answering every copy the same', async () => {
    const [a, b] = await twoInstances()
    const [code] = await mock.control.codes({ count: 1 })
    await mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 300, times: 1 })
    const replies = await Promise.all(
      [a, b, a, b].map((proxy) =>
        call(proxy, 'POST', '/openid', { body: { code, verifier: verifier('same-browser') } }),
      ),
    )
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200])
    expect(new Set(replies.map((reply) => reply.text)).size).toBe(1)
    expect((await mock.control.stats()).calls.access_token).toBe(1)
  })

  it('refuse on one instance a session logged out on the other', async () => {
    const [a, b] = await twoInstances()
    const { session } = await login(a)
    await expectLogoutSeenByOther(a, b, session)
  })

  it('spread the keys of a few logins over every master', async () => {
    const [a, b] = await twoInstances()
    for (let i = 0; i < 8; i++) {
      const { session } = await login(i % 2 === 0 ? a : b, `spread-${i}`)
      await call(i % 2 === 0 ? b : a, 'POST', '/logout', { session })
    }
    const counts = await cluster.keyCounts()
    expect(counts.every((count) => count > 0)).toBe(true)
  })

  it('load the rate limit scripts on every master, so that keys in any slot are counted', async () => {
    const client = await connected(
      createRedisClient({
        kind: 'redis-cluster',
        nodes: cluster.masters.map(({ port }) => ({ host: '127.0.0.1', port })),
        tls: false,
      }),
    )
    try {
      await cluster.flushScripts()
      const limit = createRedisRateLimitStore(client)
      await limit.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof limit.init>>[0])
      const hit = await limit.increment('10.0.0.1')
      expect(hit.totalHits).toBe(1)
      // Both scripts (increment, get) on every master, wherever the first increment ran.
      expect(await cluster.cachedScripts()).toEqual([2, 2, 2])
      const clients = Array.from({ length: 12 }, (_, i) => `10.0.1.${i}`)
      for (const ip of clients) expect((await limit.increment(ip)).totalHits).toBe(1)
    } finally {
      client.disconnect()
    }
  })

  it('answer 503 while a master is down, and serve again once it is back, without a restart', async () => {
    const [a, b] = await twoInstances()
    await login(a)
    await cluster.masters[1]?.kill()
    // The other masters refuse too once they see it failed (the cluster no longer covers every slot).
    const down = await eventually(async () => {
      const replies = await Promise.all([a, b].map((proxy) => call(proxy, 'GET', '/healthz')))
      return replies.every((reply) => reply.status === 503)
    }, 5_000)
    expect(down).toBe(true)
    const [code] = await mock.control.codes({ count: 1 })
    const refused = await call(b, 'POST', '/openid', { body: { code, verifier: verifier('down') } })
    expect(refused.status).toBe(503)
    expect(errorCode(refused)).toBe('upstream_unavailable')

    await cluster.masters[1]?.restart()
    await cluster.ready()
    const back = await eventually(async () => {
      const replies = await Promise.all([a, b].map((proxy) => call(proxy, 'GET', '/healthz')))
      return replies.every((reply) => reply.status === 200)
    }, 10_000)
    expect(back).toBe(true)
    for (const proxy of [a, b]) await login(proxy, 'after')
  }, 30_000)
})
