/**
 * Redis goes away (the server is killed) and comes back: the proxy fails closed, fast, without
 * crashing and without falling back to memory, and recovers on its own.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../proxy/logger.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'
import { call, errorCode } from '../helpers/http.js'
import type { Reply } from '../helpers/http.js'
import { startRedisProxy, verifier } from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'

/** Longest a request may take to be refused while Redis is down. */
const FAST_MS = 2_000
/** Longest the proxy may take to serve again once Redis is back. */
const RESUME_MS = 10_000

let redis: RunningRedis
let mock: RunningMockWechat
let proxy: RedisProxy
let down = false
/** The proxy's log lines, parsed. */
let logs: { level: number; outcome?: string; msg: string }[] = []
/** Anything the process would have crashed on. */
const crashes: unknown[] = []
const onCrash = (reason: unknown) => void crashes.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onCrash)
  process.on('uncaughtException', onCrash)
  ;[redis, mock] = await Promise.all([startRedisServer(), startMockWechat()])
})

afterAll(async () => {
  process.off('unhandledRejection', onCrash)
  process.off('uncaughtException', onCrash)
  await Promise.all([redis?.stop(), mock?.close()])
})

beforeEach(async () => {
  logs = []
  const logger = createLogger(
    { logLevel: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) },
  )
  proxy = await startRedisProxy(
    {
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      REDIS_URL: redis.url,
      WECHAT_API_BASE: mock.baseUrl,
    },
    { logger },
  )
})

afterEach(async () => {
  await proxy.close()
  if (down) {
    await redis.restart()
    down = false
  }
  expect(crashes).toEqual([])
})

async function killRedis(): Promise<void> {
  down = true
  await redis.kill()
}

async function login(): Promise<{ openid: string; session: string }> {
  const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(1) } })
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`)
  return reply.json as { openid: string; session: string }
}

function expectUnavailable(reply: Reply): void {
  expect(reply.status).toBe(503)
  expect(errorCode(reply)).toBe('upstream_unavailable')
  expect(reply.ms).toBeLessThan(FAST_MS)
}

/**
 * Resolves once the proxy's Redis client has failed `count` connection attempts from now on (each
 * failed attempt is an `error` event; the client retries on its own with a growing backoff).
 */
function failedConnections(count: number): Promise<void> {
  return new Promise((resolve) => {
    let failed = 0
    const onError = () => {
      if (++failed < count) return
      proxy.redis.off('error', onError)
      resolve()
    }
    proxy.redis.on('error', onError)
  })
}

/** Polls /healthz until it is 200 (bounded). */
async function healthyWithin(ms: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    const health = await call(proxy, 'GET', '/healthz', { timeoutMs: 1_000 }).catch(() => undefined)
    if (health?.status === 200) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`/healthz not 200 within ${ms} ms`)
}

describe('a proxy on Redis when Redis goes down', () => {
  it('refuses /openid with 503 upstream_unavailable at once', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    await killRedis()
    expectUnavailable(
      await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(1) } }),
    )
  })

  it('refuses /session, /userinfo and /logout with 503 at once, even for a valid session', async () => {
    const { session } = await login()
    await killRedis()
    expectUnavailable(await call(proxy, 'GET', '/session', { session }))
    expectUnavailable(await call(proxy, 'GET', '/userinfo', { session }))
    expectUnavailable(await call(proxy, 'POST', '/logout', { session }))
  })

  it('refuses /jssdk with 503 at once, a warm ticket or not, and asks WeChat nothing', async () => {
    const url = 'http://127.0.0.1/share'
    expect((await call(proxy, 'POST', '/jssdk', { body: { url } })).status).toBe(200)
    const before = (await mock.control.stats()).calls
    await killRedis()
    expectUnavailable(await call(proxy, 'POST', '/jssdk', { body: { url } }))
    expect((await mock.control.stats()).calls).toEqual(before)
  })

  it('answers /healthz with 503', async () => {
    await killRedis()
    expectUnavailable(await call(proxy, 'GET', '/healthz'))
  })

  it('does not exchange a code with WeChat meanwhile (no fallback to memory)', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const before = (await mock.control.stats()).calls.access_token
    await killRedis()
    for (let i = 0; i < 3; i++) {
      const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(1) } })
      expect(reply.status).toBe(503)
    }
    expect((await mock.control.stats()).calls.access_token).toBe(before)
    // Nothing consumed the code: once Redis is back, the same browser signs in with it.
    await redis.restart()
    down = false
    await healthyWithin(RESUME_MS)
    const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(1) } })
    expect(reply.status).toBe(200)
  })

  it('serves again by itself once Redis is back, logins included', async () => {
    const reconnectsFailed = failedConnections(2)
    await killRedis()
    expectUnavailable(await call(proxy, 'GET', '/healthz'))
    await reconnectsFailed
    await redis.restart()
    down = false
    await healthyWithin(RESUME_MS)
    const { openid, session } = await login()
    const checked = await call(proxy, 'GET', '/session', { session })
    expect(checked.status).toBe(200)
    expect((checked.json as { openid: string }).openid).toBe(openid)
  })

  it('logs the outage once, not once per reconnect attempt, and its end once', async () => {
    const reconnectsFailed = failedConnections(2)
    await killRedis()
    for (let i = 0; i < 5; i++) await call(proxy, 'GET', '/healthz')
    await reconnectsFailed
    await redis.restart()
    down = false
    await healthyWithin(RESUME_MS)
    const outcomes = logs.map((line) => line.outcome)
    expect(outcomes.filter((outcome) => outcome === 'store_unreachable')).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome === 'store_reachable')).toHaveLength(1)
  })
})
