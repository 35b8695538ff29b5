/**
 * Proxy instances sharing one real Redis and one WeChat (the standalone mock, its own process), as
 * they run behind a load balancer. Call it at the top of a test file: it registers the hooks (both
 * servers for the file, Redis flushed and the mock reset before each test, the instances closed
 * after it).
 *
 *   const shared = redisAndWechat()
 *   const [a, b] = await shared.twoInstances()
 *   await shared.mock.control.stats()          // shared.admin: a plain client of the Redis
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { startMockProcess } from '../helpers/mock-process.js'
import type { RunningMockProcess } from '../helpers/mock-process.js'
import { startRedisProxy } from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'

export interface RedisAndWechat {
  redis: RunningRedis
  mock: RunningMockProcess
  admin: Redis
  /** Two instances with the same session secret, Redis and WeChat; `env` on top. */
  twoInstances(env?: Record<string, string>): Promise<[RedisProxy, RedisProxy]>
}

export function redisAndWechat(): RedisAndWechat {
  const sessionSecret = randomBytes(32).toString('base64url')
  let running: RedisProxy[] = []
  // Filled in by beforeAll, before any test reads them.
  const shared = {
    async twoInstances(env: Record<string, string> = {}) {
      const settings = {
        SESSION_SECRET: sessionSecret,
        REDIS_URL: shared.redis.url,
        WECHAT_API_BASE: shared.mock.baseUrl,
        RATE_LIMIT: '1000',
        ...env,
      }
      const pair = await Promise.all([startRedisProxy(settings), startRedisProxy(settings)])
      running.push(...pair)
      return pair
    },
  } as RedisAndWechat

  beforeAll(async () => {
    ;[shared.redis, shared.mock] = await Promise.all([startRedisServer(), startMockProcess()])
    shared.admin = new Redis(shared.redis.url, { lazyConnect: true })
    await shared.admin.connect()
  })

  afterAll(async () => {
    shared.admin?.disconnect()
    await Promise.all([shared.redis?.stop(), shared.mock?.stop()])
  })

  beforeEach(async () => {
    await shared.admin.flushdb()
    await shared.mock.control.reset()
  })

  afterEach(async () => {
    await Promise.all(running.map((proxy) => proxy.close()))
    running = []
  })

  return shared
}
