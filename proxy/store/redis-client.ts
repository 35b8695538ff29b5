import { createRequire } from 'node:module'
import type * as IORedis from 'ioredis'
import type { Redis, RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

const load = createRequire(import.meta.url)
let RedisClient: typeof IORedis.Redis | undefined

/**
 * ioredis, loaded on first use: a proxy without REDIS_URL (one instance, the memory store) never
 * loads it, which keeps about 20 MB of code and heap out of every such process.
 */
function loadIoredis(): typeof IORedis.Redis {
  RedisClient ??= (load('ioredis') as typeof IORedis).Redis
  return RedisClient
}

/** What every key of the proxy starts with, so that it can share a Redis with other applications. */
export const REDIS_PREFIX = 'wechat-h5-auth:'

/**
 * Fail closed, and fast: while Redis is unreachable every command fails at once (no offline queue), so
 * requests answer `503 upstream_unavailable` instead of waiting or being served from somewhere else.
 * The client keeps reconnecting on its own (capped backoff, forever): service resumes when Redis does.
 */
const FAIL_CLOSED_OPTIONS = {
  enableOfflineQueue: false,
  // A command in flight when the connection drops may be sent once more after a quick reconnect
  // (a failover); then it fails.
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  // A Redis that accepts connections but does not answer (paused, partitioned) fails requests too.
  commandTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), 2_000),
} satisfies RedisOptions

export interface RedisClientOptions {
  /** Reports the start and the end of each outage, once each (not every reconnect attempt). */
  logger?: Logger
  /** Overrides of FAIL_CLOSED_OPTIONS (e.g. TLS settings); the URL still names the server. */
  redis?: RedisOptions
}

/**
 * An ioredis client with the fail-closed options, connecting at once. The URL is never logged: it may
 * carry a password.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const RedisClient = loadIoredis()
  const client = new RedisClient(url, { ...FAIL_CLOSED_OPTIONS, ...options.redis })
  watchOutages(client, options.logger)
  return client
}

const watched = new WeakSet<Redis>()

/**
 * Handles the client's `error` events (an unhandled one would be printed on every reconnect attempt)
 * and logs one line when Redis becomes unreachable and one when it is back.
 */
export function watchOutages(client: Redis, logger?: Logger): void {
  if (watched.has(client)) return
  watched.add(client)
  let down = false
  const lost = (err: Error) => {
    if (down) return
    down = true
    logger?.error(
      { err, outcome: 'store_unreachable' },
      'Redis is unreachable: store-backed requests answer 503 until it is back',
    )
  }
  // Emitted by every failed (re)connection attempt while Redis is away, not by a quit() of our own.
  client.on('error', (err: Error) => lost(err))
  client.on('ready', () => {
    if (!down) return
    down = false
    logger?.info({ outcome: 'store_reachable' }, 'Redis is reachable again')
  })
}
