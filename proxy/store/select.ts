import type { Store as RateLimitStore } from 'express-rate-limit'
import type { Logger } from 'pino'
import type { ProxyConfig, RedisTarget } from '../config.js'
import { createMemoryStore } from './memory.js'
import { createRedisRateLimitStore } from './rate-limit.js'
import { createRedisClient, createRedisStore } from './redis.js'
import type { RedisConnection } from './redis.js'
import type { Store } from './types.js'

/** What createWechatProxy may bring instead of the stores the configuration selects. */
export interface StoreDeps {
  store?: Store
  rateLimitStore?: RateLimitStore
  redis?: RedisConnection
  logger: Logger
  now?: () => number
}

/**
 * The Redis a configuration names: `redis` (any kind), else `redisUrl` alone (a configuration made
 * by hand before there were other kinds); undefined = memory.
 */
export function redisTargetOf(
  config: Pick<ProxyConfig, 'redis' | 'redisUrl'>,
): RedisTarget | undefined {
  if (config.redis) return config.redis
  return config.redisUrl === undefined ? undefined : { kind: 'redis', url: config.redisUrl }
}

/**
 * Memory by default; Redis for everything shared when REDIS_URL, REDIS_CLUSTER_NODES or
 * REDIS_SENTINELS is set. Never a fallback from Redis
 * to memory: instances that stopped sharing would each exchange the same code and forget logouts
 * made on the others, so a Redis that is down means 503 (fail closed).
 */
export function storesFor(
  config: Pick<ProxyConfig, 'redis' | 'redisUrl' | 'memoryMaxRevocations'>,
  deps: StoreDeps,
): { store: Store; rateLimitStore?: RateLimitStore; close: () => Promise<void> } {
  const { now = Date.now, logger } = deps
  const target = redisTargetOf(config)
  if (target === undefined) {
    const store =
      deps.store ?? createMemoryStore({ now, maxRevocations: config.memoryMaxRevocations })
    // What the caller brought is the caller's to close.
    return {
      store,
      rateLimitStore: deps.rateLimitStore,
      close: () => closeUnless(deps.store, store),
    }
  }
  let client = deps.redis
  const redis = () => (client ??= createRedisClient(target, { logger }))
  const store = deps.store ?? createRedisStore({ client: redis(), logger, now })
  return {
    store,
    rateLimitStore: deps.rateLimitStore ?? createRedisRateLimitStore(redis()),
    async close() {
      await closeUnless(deps.store, store)
      // The store shares the client: quit it only when it was made here.
      if (!deps.redis && client) {
        const made = client
        if (made.status === 'ready') await made.quit().catch(() => made.disconnect())
        else made.disconnect()
      }
    },
  }
}

async function closeUnless(brought: Store | undefined, store: Store): Promise<void> {
  if (!brought) await store.close()
}
