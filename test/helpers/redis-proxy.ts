/**
 * A proxy instance on Redis, as `npm start` builds it (createWechatApp with REDIS_URL set), on a free
 * loopback port; `call` (test/helpers/http.ts) sends it requests.
 *
 *   const a = await startRedisProxy({ REDIS_URL: redis.url, WECHAT_API_BASE: mock.baseUrl, ... })
 *   const reply = await call(a, 'POST', '/openid', { body: { code, verifier: verifier(1) } })
 *   await a.close()                              // in afterEach: the server and its Redis client
 *
 * `env` goes through loadConfig on top of WECHAT_MOCK=1 and LOG_LEVEL=silent (the demo apps).
 */
import { call, errorCode } from './http.js'
import { expect } from 'vitest'
import type { Logger } from 'pino'
import { createWechatApp } from '../../proxy/host/app.js'
import { loadConfig } from '../../proxy/config.js'
import { createRedisClient, redisTargetOf } from '../../proxy/store/index.js'
import type { RedisConnection } from '../../proxy/store/index.js'
import { listenOnLoopback } from './net.js'

export interface RedisProxy {
  /** `http://127.0.0.1:PORT/api/wechat` */
  baseUrl: string
  /** The instance's Redis client (made with createRedisClient, as the proxy makes it). */
  redis: RedisConnection
  close(): Promise<void>
}

/** Polls `check` every 100 ms until it holds; false after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

/** `client` once it is connected (the fail-closed client refuses commands until then); 5 s at most. */
export async function connected<T extends RedisConnection>(client: T): Promise<T> {
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis client not ready in 5 s')), 5_000)
      client.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  return client
}

export async function startRedisProxy(
  env: Record<string, string>,
  options: { logger?: Logger } = {},
): Promise<RedisProxy> {
  const config = loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent', ...env })
  const target = redisTargetOf(config)
  if (target === undefined) throw new Error('startRedisProxy needs a Redis (REDIS_URL, ...)')
  const redis = await connected(createRedisClient(target, options))
  const app = createWechatApp(config, { redis, ...options })
  const listening = await listenOnLoopback(app)
  return {
    baseUrl: `${listening.origin}/api/wechat`,
    redis,
    close: async () => {
      await listening.close()
      redis.disconnect()
    },
  }
}

/** A verifier as the kit makes one (the proxy accepts 16-128 of A-Z a-z 0-9 _ -). */
export function verifier(tag: string | number): string {
  return `verifier-${tag}-${'x'.repeat(24)}`
}

/**
 * The shared-revocation check both topologies run: `session` works on `b`, is logged out on `a`,
 * and is then refused on `b` (401 unauthorized).
 */
export async function expectLogoutSeenByOther(
  a: RedisProxy,
  b: RedisProxy,
  session: string,
): Promise<void> {
  expect((await call(b, 'GET', '/session', { session })).status).toBe(200)
  expect((await call(a, 'POST', '/logout', { session })).status).toBe(204)
  const after = await call(b, 'GET', '/session', { session })
  expect(after.status).toBe(401)
  expect(errorCode(after)).toBe('unauthorized')
}
