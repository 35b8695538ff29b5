import { Redis } from 'ioredis'
import { rateLimit } from 'express-rate-limit'
import express from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisClient,
  createRedisRateLimitStore,
  createRedisStore,
} from '../../proxy/store/index.js'
import type { Store } from '../../proxy/store/index.js'
import { listenOnLoopback } from '../helpers/net.js'
import type { Listening } from '../helpers/net.js'
import { connected } from '../helpers/redis-proxy.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'
import { SAMPLE_TOKENS, describeStoreContract } from './store-contract.js'
import { loadConfig } from '../../proxy/config.js'
import { createLogger } from '../../proxy/logger.js'
import { createTokenCustody } from '../../proxy/login/tokens.js'
import type { WechatApi } from '../../proxy/wechat/api.js'

let redis: RunningRedis
/** A plain client to look at what the stores write. */
let admin: Redis
let prefixes = 0
const clients: Redis[] = []
const stores: Store[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  admin = new Redis(redis.url, { lazyConnect: true })
  await admin.connect()
})

afterAll(async () => {
  for (const store of stores) await store.close()
  for (const client of clients) client.disconnect()
  admin.disconnect()
  await redis.stop()
})

/** Each test its own key prefix: fresh state without flushing what other tests use. */
const freshPrefix = () => `test-${++prefixes}:`

/** A client that is connected (the fail-closed client refuses commands until it is). */
function connectedClient(): Promise<Redis> {
  const client = createRedisClient(redis.url)
  clients.push(client)
  return connected(client)
}

// Redis keeps its own time: the contract's clock is the real one, and `advance` really waits.
describeStoreContract('redis', async () => {
  const store = createRedisStore({ client: await connectedClient(), prefix: freshPrefix() })
  return {
    store,
    now: Date.now,
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }
})

describe('the redis store', () => {
  afterEach(async () => {
    while (stores.length > 0) await stores.pop()?.close()
  })

  async function storeWith(prefix = freshPrefix()): Promise<{ store: Store; prefix: string }> {
    const store = createRedisStore({ client: await connectedClient(), prefix })
    return { store, prefix }
  }

  it('namespaces every key under the prefix, as documented', async () => {
    const { store, prefix } = await storeWith()
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.revokeSession('jti-1', Date.now() + 60_000)
    await store.claimCode('k1', 'v1', 60)
    const keys = (await admin.keys(`${prefix}*`)).sort()
    expect(keys).toEqual([`${prefix}revoked:jti-1`, `${prefix}tokens:mp:o1`, `${prefix}{code:k1}`])
  })

  it('keeps a consent that lands while a silent login of the same user on another instance runs', async () => {
    // Two instances (two clients, one prefix) sign the same user in at once: the silent login
    // started first. A read of the grant and a write after it would lose the consent that came in
    // between; the store's one step cannot.
    const prefix = freshPrefix()
    const [silent, consent] = [await storeWith(prefix), await storeWith(prefix)]
    const logger = createLogger({ logLevel: 'silent' })
    const config = loadConfig({ WECHAT_MOCK: '1' })
    const custody = (store: Store) =>
      createTokenCustody({ config, store, wechat: {} as WechatApi, logger, now: Date.now })
    const exchange = (scope: string) => ({
      access_token: `at-${scope}`,
      refresh_token: `rt-${scope}`,
      expires_in: 7200,
      openid: 'o-race',
      scope,
    })
    const grants = await Promise.all([
      custody(silent.store).keepExchange('mp', exchange('snsapi_base')),
      custody(consent.store).keepExchange('mp', exchange('snsapi_userinfo')),
    ])
    // The silent login's own answer depends on which script Redis ran first; the consent's does not.
    expect(grants[1]!.scope).toBe('snsapi_userinfo')
    expect(await silent.store.getTokens('mp', 'o-race')).toMatchObject({
      scope: 'snsapi_userinfo',
      accessToken: 'at-snsapi_userinfo',
    })
  })

  it('keeps the credentials of one appid and their lock under one hash tag', async () => {
    const { store, prefix } = await storeWith()
    const credential = { value: 'v', expiresAt: 1, refreshAt: 1 }
    await store.saveCredential('wx1', 'token', credential, 60_000)
    await store.saveCredential('wx1', 'ticket', credential, 60_000)
    await store.lockCredentials('wx1', 60_000)
    const keys = (await admin.keys(`${prefix}*`)).sort()
    expect(keys).toEqual(['lock', 'ticket', 'token'].map((name) => `${prefix}{basic:wx1}:${name}`))
    // A cluster hashes only the first {...} of a key: one slot for all three.
    expect(new Set(keys.map((key) => /\{[^}]*\}/.exec(key)?.[0])).size).toBe(1)
    for (const key of keys) expect(await admin.pttl(key), key).toBeGreaterThan(59_000)
  })

  it('gives every key it writes a time to live', async () => {
    const { store, prefix } = await storeWith()
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.revokeSession('jti-1', Date.now() + 60_000)
    await store.claimCode('k1', 'v1', 60)
    await store.claimCode('k2', 'v2', 60)
    await store.settleCode('k2', { status: 200, body: '{}' }, 300)
    await store.claimCode('k3', 'v3', 60)
    await store.releaseCode('k3')
    await store.releaseCode('k4')
    await store.settleCode('k5', { status: 200, body: '{}' }, 300)
    const keys = await admin.keys(`${prefix}*`)
    // tokens, revocation, k1, k2 and its answer, k3 (k4 and k5 were never claimed).
    expect(keys).toHaveLength(6)
    for (const key of keys) expect(await admin.pttl(key), key).toBeGreaterThan(0)
  })

  it('sets the lifetimes it is given', async () => {
    const { store, prefix } = await storeWith()
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 3600)
    await store.claimCode('k1', 'v1', 300)
    await store.claimCode('k2', 'v1', 300)
    await store.settleCode('k2', { status: 200, body: '{}' }, 600)
    expect(await admin.ttl(`${prefix}tokens:mp:o1`)).toBeGreaterThan(3590)
    expect(await admin.ttl(`${prefix}{code:k1}`)).toBeGreaterThan(290)
    expect(await admin.ttl(`${prefix}{code:k2}`)).toBeGreaterThan(590)
  })

  it('lets exactly one of simultaneous claims from separate connections win', async () => {
    const prefix = freshPrefix()
    const many = await Promise.all(Array.from({ length: 4 }, () => storeWith(prefix)))
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, i) => many[i % 4]?.store.claimCode('k1', `v${i}`, 60)),
    )
    expect(claims.filter((claim) => claim?.claimed)).toHaveLength(1)
  })

  it('runs its scripts again after Redis forgot them', async () => {
    const { store } = await storeWith()
    await store.claimCode('k1', 'v1', 60)
    await admin.script('FLUSH')
    expect(await store.claimCode('k2', 'v2', 60)).toEqual({ claimed: true })
  })

  it('leaves a client it was given open when closed', async () => {
    const client = await connectedClient()
    await createRedisStore({ client }).close()
    expect(await client.ping()).toBe('PONG')
  })

  it('closes the client it created from a URL', async () => {
    const store = createRedisStore({ url: redis.url, prefix: freshPrefix() })
    await expect
      .poll(() =>
        store.ping().then(
          () => true,
          () => false,
        ),
      )
      .toBe(true)
    await store.close()
    await expect(store.ping()).rejects.toThrow()
  })

  it('fails at once, without queueing, when Redis cannot be reached', async () => {
    // A port nothing listens on: the client keeps trying to connect in the background.
    const store = createRedisStore({ url: 'redis://127.0.0.1:1', prefix: freshPrefix() })
    stores.push(store)
    const started = Date.now()
    await expect(store.getTokens('mp', 'o1')).rejects.toThrow()
    await expect(store.claimCode('k1', 'v1', 60)).rejects.toThrow()
    await expect(store.ping()).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(500)
  })
})

describe('the redis rate-limit store', () => {
  const servers: Listening[] = []

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close()
  })

  /** A tiny app limited to `limit` requests per minute with the given counter store. */
  async function limitedApp(
    client: Redis,
    prefix: string,
    limit: number,
  ): Promise<() => Promise<number>> {
    const app = express()
    app.use(
      rateLimit({ windowMs: 60_000, limit, store: createRedisRateLimitStore(client, prefix) }),
    )
    app.get('/', (_req, res) => void res.send('ok'))
    // Failures of the counter store become 503 in the proxy; here any failure is a 500.
    const listening = await listenOnLoopback(app)
    servers.push(listening)
    return async () => (await fetch(`${listening.origin}/`)).status
  }

  it('counts under <prefix>rl: with the window as time to live', async () => {
    const prefix = freshPrefix()
    const hit = await limitedApp(await connectedClient(), prefix, 5)
    expect(await hit()).toBe(200)
    const keys = await admin.keys(`${prefix}rl:*`)
    expect(keys).toHaveLength(1)
    expect(await admin.get(keys[0] ?? '')).toBe('1')
    expect(await admin.pttl(keys[0] ?? '')).toBeGreaterThan(55_000)
  })

  it('shares the count between two limiters on the same Redis', async () => {
    const prefix = freshPrefix()
    const first = await limitedApp(await connectedClient(), prefix, 3)
    const second = await limitedApp(await connectedClient(), prefix, 3)
    expect([await first(), await second(), await first(), await second()]).toEqual([
      200, 200, 200, 429,
    ])
  })

  it('works once Redis is reachable when it was created before the connection was up', async () => {
    // Created right away, as a proxy does at start-up: its scripts cannot be loaded yet.
    const client = createRedisClient(redis.url)
    clients.push(client)
    const hit = await limitedApp(client, freshPrefix(), 5)
    await connected(client)
    expect(await hit()).toBe(200)
  })
})
