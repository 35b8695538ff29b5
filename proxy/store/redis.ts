import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type * as IORedis from 'ioredis'
import type { Redis, RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import type { CodeOutcome, CodeRecord, Store, StoredTokens } from './types.js'

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
function watchOutages(client: Redis, logger?: Logger): void {
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

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL: the store creates its client (fail-closed) and closes it. */
  url?: string
  /** An existing client (create it with createRedisClient): shared, so `close()` leaves it open. */
  client?: Redis
  /** @default REDIS_PREFIX */
  prefix?: string
  /** Outage reports of a client the store creates. */
  logger?: Logger
  /** Clock in epoch milliseconds, for the revocation lifetimes. @default Date.now */
  now?: () => number
}

/** A verifierHash as stored: null and strings stay apart (a verifier hash is never '-'). */
const encodeVerifier = (hash: string | null) => (hash === null ? '-' : `=${hash}`)
const decodeVerifier = (stored: string) => (stored === '-' ? null : stored.slice(1))

/**
 * KEYS[1] = the code's key, KEYS[2] = its answer's key; ARGV[1] = encoded verifierHash; ARGV[2] =
 * lifetime in ms. One script, so that the check and the write are one step for every instance: two
 * never both win. Returns {1} when claimed, {0, bound verifier} otherwise.
 */
const CLAIM = `
local record = redis.call('HMGET', KEYS[1], 'state', 'verifier')
if record[1] and not (record[1] == 'released' and record[2] == ARGV[1]) then
  return {0, record[2]}
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'pending', 'verifier', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1}
`

/**
 * KEYS as CLAIM; ARGV[1] = outcome JSON; ARGV[2] = lifetime in ms; ARGV[3] = replay window in ms.
 * Only a kept record, and never a used one (settled, its answer gone): a code stays used. The answer
 * is its own key, which Redis drops when the window ends: the record (state and binding, a few dozen
 * bytes) stays for the code's lifetime and then reads as `used`.
 */
const SETTLE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'settled' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'settled')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
return 1
`

/** KEYS as CLAIM. The record's state and binding with its answer, read in one step. */
const READ = `
local record = redis.call('HMGET', KEYS[1], 'state', 'verifier')
return {record[1], record[2], redis.call('GET', KEYS[2])}
`

/**
 * KEYS as CLAIM. Only a pending record (a running exchange) is released; HSET keeps the key's
 * expiry, and a missing key is not created.
 */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'released')
return 1
`

type Script = (keys: string[], args: (string | number)[]) => Promise<unknown>

/** EVALSHA, and EVAL once when Redis does not know the script (first use, or after a restart). */
function script(client: Redis, source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex')
  return async (keys, args) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(source, keys.length, ...keys, ...args)
    }
  }
}

function parseRecord(
  state: string | null,
  verifier: string | null,
  answer: string | null,
): CodeRecord | undefined {
  if (verifier === null) return undefined
  const verifierHash = decodeVerifier(verifier)
  if (state === 'pending' || state === 'released') return { state, verifierHash }
  if (state === 'settled') {
    // As the memory store: the binding is not reported past the window, a used code answers nobody.
    if (answer === null) return { state: 'used', verifierHash: null }
    return { state, verifierHash, outcome: JSON.parse(answer) as CodeOutcome }
  }
  return undefined
}

/**
 * The store shared by several proxy instances. Every key starts with `prefix` and carries a TTL:
 * - `tokens:<app>:<openid>`: JSON of StoredTokens, EX = until the refresh_token dies;
 * - `revoked:<jti>`: '1', PX = until the session would have expired anyway;
 * - `code:<sha256(app:code)>`: hash {state, verifier}, PX = the code's lifetime;
 * - `code:<sha256(app:code)>:answer`: the settled outcome's JSON, PX = the replay window.
 * (`rl:<ip>`, the rate-limit counters, are written by createRedisRateLimitStore.)
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const { prefix = REDIS_PREFIX, now = Date.now } = options
  const owned = options.client === undefined
  let client: Redis
  if (options.client) {
    client = options.client
    // A client of createRedisClient is watched already; one made any other way is watched here.
    watchOutages(client, options.logger)
  } else if (options.url) {
    client = createRedisClient(options.url, { logger: options.logger })
  } else throw new TypeError('createRedisStore needs a url or a client')

  const tokensKey = (app: string, openid: string) => `${prefix}tokens:${app}:${openid}`
  const revokedKey = (id: string) => `${prefix}revoked:${id}`
  const codeKeys = (key: string) => [`${prefix}code:${key}`, `${prefix}code:${key}:answer`]
  const claim = script(client, CLAIM)
  const settle = script(client, SETTLE)
  const read = script(client, READ)
  const release = script(client, RELEASE)

  return {
    kind: 'redis',
    async saveTokens(app, openid, tokens, ttlSeconds) {
      await client.set(tokensKey(app, openid), JSON.stringify(tokens), 'EX', ttlSeconds)
    },
    async getTokens(app, openid) {
      const raw = await client.get(tokensKey(app, openid))
      return raw === null ? undefined : (JSON.parse(raw) as StoredTokens)
    },
    async deleteTokens(app, openid) {
      await client.del(tokensKey(app, openid))
    },
    async revokeSession(id, untilMs) {
      const ms = Math.ceil(untilMs - now())
      if (ms <= 0) return
      await client.set(revokedKey(id), '1', 'PX', ms)
    },
    async isSessionRevoked(id) {
      return (await client.exists(revokedKey(id))) === 1
    },
    async claimCode(key, verifierHash, ttlSeconds) {
      const reply = (await claim(codeKeys(key), [
        encodeVerifier(verifierHash),
        ttlSeconds * 1000,
      ])) as [1] | [0, string]
      if (reply[0] === 1) return { claimed: true }
      return { claimed: false, verifierHash: decodeVerifier(reply[1]) }
    },
    async settleCode(key, outcome, ttlSeconds, replaySeconds = ttlSeconds) {
      // Whole milliseconds: PX refuses a fraction, and a failed settle would leave the code pending.
      const replayMs = Math.round(Math.min(replaySeconds, ttlSeconds) * 1000)
      await settle(codeKeys(key), [JSON.stringify(outcome), ttlSeconds * 1000, replayMs])
    },
    async readCode(key) {
      const reply = (await read(codeKeys(key), [])) as [string | null, string | null, string | null]
      return parseRecord(...reply)
    },
    async releaseCode(key) {
      await release(codeKeys(key), [])
    },
    async ping() {
      await client.ping()
    },
    async close() {
      if (!owned) return
      // quit() waits for the replies still due; a client that is not connected just stops retrying.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}
