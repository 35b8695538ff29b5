/**
 * Two proxy instances on a master with a replica and a sentinel (REDIS_SENTINELS +
 * REDIS_SENTINEL_NAME): the master is killed in the middle of a run of logins, the sentinel promotes
 * the replica, and the instances follow it without a restart.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, errorCode } from '../helpers/http.js'
import { startMockProcess } from '../helpers/mock-process.js'
import type { RunningMockProcess } from '../helpers/mock-process.js'
import { startRedisProxy, verifier } from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'
import { startRedisSentinelGroup, SENTINEL_MASTER_NAME } from '../helpers/redis-sentinel.js'
import type { RunningSentinelGroup } from '../helpers/redis-sentinel.js'

let group: RunningSentinelGroup
let mock: RunningMockProcess
let instances: RedisProxy[] = []

beforeAll(async () => {
  ;[group, mock] = await Promise.all([startRedisSentinelGroup(), startMockProcess()])
  const settings = {
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    REDIS_SENTINELS: group.sentinels,
    REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    WECHAT_API_BASE: mock.baseUrl,
    RATE_LIMIT: '10000',
  }
  instances = await Promise.all([startRedisProxy(settings), startRedisProxy(settings)])
}, 60_000)

afterAll(async () => {
  await Promise.all(instances.map((proxy) => proxy.close()))
  await Promise.all([group?.stop(), mock?.stop()])
})

async function tryLogin(
  proxy: RedisProxy,
  tag: string,
): Promise<{ status: number; session?: string }> {
  const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(tag) } })
  return { status: reply.status, session: (reply.json as { session?: string }).session }
}

describe('two proxy instances on Redis Sentinel', () => {
  it('report the redis-sentinel store in /healthz', async () => {
    for (const proxy of instances) {
      const health = await call(proxy, 'GET', '/healthz')
      expect(health.json).toEqual({ ok: true, store: 'redis-sentinel' })
    }
  })

  it('follow a failover in the middle of a run, keeping a logout made before it', async () => {
    const [a, b] = instances as [RedisProxy, RedisProxy]
    const revoked = await tryLogin(a, 'revoked')
    expect(revoked.status).toBe(200)
    const session = revoked.session ?? ''
    expect((await call(b, 'POST', '/logout', { session })).status).toBe(204)
    // The revocation has reached the replica before its master goes away (WAIT: one replica).
    const master = new Redis(group.master.url)
    expect(await master.wait(1, 2_000)).toBe(1)
    master.disconnect()

    const statuses: number[] = []
    let i = 0
    const oneLogin = async () => {
      const proxy = i % 2 === 0 ? a : b
      statuses.push((await tryLogin(proxy, `run-${i++}`)).status)
    }
    for (let n = 0; n < 5; n++) await oneLogin()
    await group.master.kill()
    const deadline = Date.now() + 20_000
    let resumed = 0
    // Logins go on through the failover until five in a row succeed on the promoted replica.
    while (resumed < 5 && Date.now() < deadline) {
      await oneLogin()
      resumed = statuses.at(-1) === 200 ? resumed + 1 : 0
      if (statuses.at(-1) !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(resumed).toBe(5)
    expect(await group.currentMasterPort()).toBe(group.replica.port)
    // Failing closed in between: 503, never another error and never a second answer.
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([])
    expect(statuses).toContain(503)

    for (const proxy of [a, b]) {
      const after = await call(proxy, 'GET', '/session', { session })
      expect(after.status).toBe(401)
      expect(errorCode(after)).toBe('unauthorized')
    }
  }, 40_000)
})
