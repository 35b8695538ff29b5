import type { Store as RateLimitStore } from 'express-rate-limit'
import type { Options as RateLimitOptions } from 'express-rate-limit'
import type { Cluster } from 'ioredis'
import { createRequire } from 'node:module'
import type * as RateLimitRedis from 'rate-limit-redis'
import type { RedisReply } from 'rate-limit-redis'
import { REDIS_PREFIX } from './redis-client.js'
import type { RedisConnection } from './redis-client.js'
import { routeByKey } from './redis-route.js'

const load = createRequire(import.meta.url)
let ReloadingRedisStore: typeof RateLimitRedis.RedisStore | undefined

/**
 * rate-limit-redis loads its two scripts once, when the limiter is created, and keeps the promise: a
 * load that failed (Redis not connected yet, or down at that moment) would fail every later request
 * forever. Here a failed load is only remembered, and the next request loads the script again.
 */
function reloadingStore(): typeof RateLimitRedis.RedisStore {
  // Loaded on first use, like ioredis: only a proxy with REDIS_URL needs it.
  const { RedisStore } = load('rate-limit-redis') as typeof RateLimitRedis
  return class ReloadingRedisStore extends RedisStore {
    #stale = { increment: false, get: false }

    override loadIncrementScript(key?: string): Promise<string> {
      return this.#remember('increment', super.loadIncrementScript(key))
    }

    override loadGetScript(key?: string): Promise<string> {
      return this.#remember('get', super.loadGetScript(key))
    }

    #remember(which: 'increment' | 'get', loading: Promise<string>): Promise<string> {
      // Handled here; the request awaiting it still sees the failure (and answers 503).
      loading.catch(() => {
        this.#stale[which] = true
      })
      return loading
    }

    // Not connected yet at start-up is normal: the first request loads the scripts.
    override async init(options: RateLimitOptions): Promise<void> {
      await super.init(options).catch(() => undefined)
    }

    override async increment(key: string) {
      if (this.#stale.increment) {
        this.#stale.increment = false
        this.incrementScriptSha = this.loadIncrementScript(key)
      }
      return super.increment(key)
    }

    override async get(key: string) {
      if (this.#stale.get) {
        this.#stale.get = false
        this.getScriptSha = this.loadGetScript(key)
      }
      return super.get(key)
    }
  }
}

/**
 * The counters of the `/openid` rate limit in Redis (key `<prefix>rl:<client ip>`, PX = the window),
 * so that all instances count together. Uses the same client as the store; fails like it (503).
 */
export function createRedisRateLimitStore(
  client: RedisConnection,
  prefix = REDIS_PREFIX,
): RateLimitStore {
  ReloadingRedisStore ??= reloadingStore()
  const on = routeByKey(client)
  return new ReloadingRedisStore({
    sendCommand: (command: string, ...args: string[]) => {
      // A cluster's masters each keep their own scripts, and a command without a key (SCRIPT LOAD)
      // goes to any one of them: the EVALSHA of a key on another master would fail (NOSCRIPT).
      if (client.isCluster && command === 'SCRIPT' && args[0] === 'LOAD') {
        return loadOnEveryMaster(client as Cluster, args)
      }
      const call = (redis: RedisConnection) => redis.call(command, ...args) as Promise<RedisReply>
      // Its scripts' EVALSHA <sha> 1 <key> ...: to the Redis that holds the counter.
      return command === 'EVALSHA' && args[1] === '1' ? on(args[2]!, call) : call(client)
    },
    prefix: `${prefix}rl:`,
  })
}

/** SCRIPT LOAD on every master of a cluster; the SHA1 they all answer. */
async function loadOnEveryMaster(cluster: Cluster, args: string[]): Promise<RedisReply> {
  const masters = cluster.nodes('master')
  if (masters.length === 0) throw new Error('No Redis Cluster master is known')
  const shas = await Promise.all(masters.map((node) => node.call('SCRIPT', ...args)))
  return shas[0] as RedisReply
}
