import type { Cluster } from 'ioredis'
import type { Logger } from 'pino'
import { createRedisClient, REDIS_PREFIX, redisKind, watchOutages } from './redis-client.js'
import { routeByKey } from './redis-route.js'
import type { RedisConnection } from './redis-client.js'
import { randomBytes } from 'node:crypto'
import {
  CLAIM,
  decodeVerifier,
  encodeVerifier,
  FORGET_CREDENTIAL,
  KEEP_EXCHANGE_TOKENS,
  parseRecord,
  READ,
  RELEASE,
  script,
  SETTLE,
  SAVE_UNDER_LOCK,
  UNLOCK,
} from './redis-scripts.js'
import type { CredentialName, Store, StoredCredential, StoredTokens } from './types.js'

export { createRedisClient, REDIS_PREFIX } from './redis-client.js'
export type { RedisClientOptions, RedisConnection, RedisKind } from './redis-client.js'

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL: the store creates its client (fail-closed) and closes it. */
  url?: string
  /**
   * An existing client (create it with createRedisClient: one server, sentinels or a cluster):
   * shared, so `close()` leaves it open.
   */
  client?: RedisConnection
  /** @default REDIS_PREFIX */
  prefix?: string
  /** Outage reports of a client the store creates. */
  logger?: Logger
  /** Clock in epoch milliseconds, for the revocation lifetimes. @default Date.now */
  now?: () => number
}

/**
 * The store shared by several proxy instances. Every key starts with `prefix` and carries a TTL:
 * - `tokens:<app>:<openid>`: JSON of StoredTokens, EX = until the refresh_token dies;
 * - `revoked:<jti>`: '1', PX = until the session would have expired anyway;
 * - `{code:<sha256(app:code)>}`: hash {state, verifier}, PX = the code's lifetime;
 * - `{code:<sha256(app:code)>}:answer`: the settled outcome's JSON, PX = the replay window;
 * - `{basic:<appid>}:token`, `{basic:<appid>}:ticket`: JSON of StoredCredential, PX = its lifetime;
 * - `{basic:<appid>}:lock`: the holder's random token, PX = the longest a fetch may take.
 * Keys that one script touches together share a hash tag (`{code:<key>}`, `{basic:<appid>}`): on a
 * Redis Cluster they live in one slot, which a cluster requires (else CROSSSLOT). The other keys
 * are touched one at a time and spread over the slots. A prefix must not contain `{`: its tag
 * would put every key in one slot (test/proxy/redis-slots.test.ts checks the keys of every script).
 * (`rl:<ip>`, the rate-limit counters, are written by createRedisRateLimitStore.)
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const { prefix = REDIS_PREFIX, now = Date.now } = options
  const owned = options.client === undefined
  let client: RedisConnection
  if (options.client) {
    client = options.client
    // A client of createRedisClient is watched already; one made any other way is watched here.
    watchOutages(client, options.logger)
  } else if (options.url) {
    client = createRedisClient(options.url, { logger: options.logger })
  } else throw new TypeError('createRedisStore needs a url or a client')

  const tokensKey = (app: string, openid: string) => `${prefix}tokens:${app}:${openid}`
  const revokedKey = (id: string) => `${prefix}revoked:${id}`
  // A code's record and its answer share the hash tag `{code:<key>}`: the scripts touch both.
  const codeKeys = (key: string) => [`${prefix}{code:${key}}`, `${prefix}{code:${key}}:answer`]
  const basicKey = (appid: string, name: CredentialName | 'lock') =>
    `${prefix}{basic:${appid}}:${name}`
  // Each command goes to the Redis holding its key (on a cluster, straight to the slot's master).
  const on = routeByKey(client)
  const forgetCredential = script(on, FORGET_CREDENTIAL)
  const unlock = script(on, UNLOCK)
  const saveUnderLock = script(on, SAVE_UNDER_LOCK)
  const keepExchangeTokens = script(on, KEEP_EXCHANGE_TOKENS)
  const claim = script(on, CLAIM)
  const settle = script(on, SETTLE)
  const read = script(on, READ)
  const release = script(on, RELEASE)

  return {
    kind: redisKind(client),
    async saveTokens(app, openid, tokens, ttlSeconds) {
      await on(tokensKey(app, openid), (redis, key) =>
        redis.set(key, JSON.stringify(tokens), 'EX', ttlSeconds),
      )
    },
    async getTokens(app, openid) {
      const raw = await on(tokensKey(app, openid), (redis, key) => redis.get(key))
      return raw === null ? undefined : (JSON.parse(raw) as StoredTokens)
    },
    async keepExchangeTokens(app, openid, tokens, ttlSeconds, nowMs) {
      const json = JSON.stringify(tokens)
      const kept = await keepExchangeTokens(
        [tokensKey(app, openid)],
        [json, ttlSeconds, tokens.scope, nowMs],
      )
      return typeof kept === 'string' ? (JSON.parse(kept) as StoredTokens) : { ...tokens }
    },
    async deleteTokens(app, openid) {
      await on(tokensKey(app, openid), (redis, key) => redis.del(key))
    },
    async revokeSession(id, untilMs) {
      const ms = Math.ceil(untilMs - now())
      if (ms <= 0) return
      await on(revokedKey(id), (redis, key) => redis.set(key, '1', 'PX', ms))
    },
    async isSessionRevoked(id) {
      return (await on(revokedKey(id), (redis, key) => redis.exists(key))) === 1
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
    async getCredential(appid, name) {
      const raw = await on(basicKey(appid, name), (redis, key) => redis.get(key))
      return raw === null ? undefined : (JSON.parse(raw) as StoredCredential)
    },
    async saveCredential(appid, name, credential, ttlMs, lock) {
      // Whole milliseconds, at least one: PX refuses a fraction and zero.
      const ms = Math.max(1, Math.ceil(ttlMs))
      const json = JSON.stringify(credential)
      if (lock === undefined) {
        await on(basicKey(appid, name), (redis, key) => redis.set(key, json, 'PX', ms))
        return true
      }
      // The credential and the lock share the `{basic:<appid>}` hash tag: one slot on a cluster.
      const keys = [basicKey(appid, name), basicKey(appid, 'lock')]
      return (await saveUnderLock(keys, [json, ms, lock])) === 1
    },
    async forgetCredential(appid, name, value) {
      return (await forgetCredential([basicKey(appid, name)], [value])) === 1
    },
    async lockCredentials(appid, ttlMs) {
      // A random token: only the holder can release the lock (UNLOCK compares it).
      const token = randomBytes(16).toString('base64url')
      const ms = Math.max(1, Math.ceil(ttlMs))
      const taken = await on(basicKey(appid, 'lock'), (redis, key) =>
        redis.set(key, token, 'PX', ms, 'NX'),
      )
      return taken === 'OK' ? token : undefined
    },
    async unlockCredentials(appid, token) {
      await unlock([basicKey(appid, 'lock')], [token])
    },
    async ping() {
      if (client.isCluster) await clusterServes(client as Cluster)
      else await client.ping()
    },
    async close() {
      if (!owned) return
      // quit() waits for the replies still due; a client that is not connected just stops retrying.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}

/**
 * A cluster serves only while every slot has a master that answers. A PING to one node would pass
 * while a master is down (and the others refuse every key with CLUSTERDOWN), so each master is asked
 * for the cluster's state.
 */
async function clusterServes(cluster: Cluster): Promise<void> {
  const masters = cluster.nodes('master')
  if (masters.length === 0) throw new Error('No Redis Cluster master is known')
  const states = await Promise.all(masters.map((node) => node.cluster('INFO')))
  if (!states.every((info) => /^cluster_state:ok\b/m.test(String(info)))) {
    throw new Error('The Redis Cluster does not cover every slot (cluster_state:fail)')
  }
}
