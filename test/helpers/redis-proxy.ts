/**
 * A proxy instance on Redis, as `npm start` builds it (createWechatApp with REDIS_URL set), on a free
 * loopback port, plus short calls against it.
 *
 *   const a = await startRedisProxy({ REDIS_URL: redis.url, WECHAT_API_BASE: mock.baseUrl, ... })
 *   const reply = await call(a, 'POST', '/openid', { body: { code, verifier } })
 *   await a.close()                              // in afterEach: the server and its Redis client
 *
 * `env` goes through loadConfig on top of WECHAT_MOCK=1 and LOG_LEVEL=silent (the demo apps).
 */
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { createWechatApp } from '../../proxy/app.js'
import { loadConfig } from '../../proxy/config.js'
import { createRedisClient } from '../../proxy/store/index.js'
import { listenOnLoopback } from './net.js'

export interface RedisProxy {
  /** `http://127.0.0.1:PORT/api/wechat` */
  baseUrl: string
  /** The instance's Redis client (made with createRedisClient, as the proxy makes it). */
  redis: Redis
  close(): Promise<void>
}

export async function startRedisProxy(
  env: Record<string, string>,
  options: { logger?: Logger } = {},
): Promise<RedisProxy> {
  const config = loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent', ...env })
  if (config.redisUrl === undefined) throw new Error('startRedisProxy needs REDIS_URL')
  const redis = createRedisClient(config.redisUrl, options)
  // The fail-closed client refuses commands until it is connected: wait for that, bounded.
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis client not ready in 5 s')), 5_000)
      redis.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
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

export interface Reply {
  status: number
  text: string
  json: unknown
  /** How long the answer took, ms. */
  ms: number
}

/** One request, answered within `timeoutMs` or rejected. */
export async function call(
  proxy: Pick<RedisProxy, 'baseUrl'>,
  method: 'GET' | 'POST',
  path: string,
  options: { session?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (options.session !== undefined) headers.authorization = `Bearer ${options.session}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const started = Date.now()
  const response = await fetch(`${proxy.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  })
  const text = await response.text()
  return {
    status: response.status,
    text,
    json: text ? (JSON.parse(text) as unknown) : undefined,
    ms: Date.now() - started,
  }
}

export function errorCode(reply: Reply): string | undefined {
  return (reply.json as { error?: { code?: string } } | undefined)?.error?.code
}

/** A verifier as the kit makes one (the proxy accepts 16-128 of A-Z a-z 0-9 _ -). */
export function verifier(tag: string | number): string {
  return `verifier-${tag}-${'x'.repeat(24)}`
}
