/**
 * A Redis Cluster refuses a command whose keys live in different slots (CROSSSLOT). Every command
 * the Redis store and its rate limit send (scripts included) is recorded here, and the keys of each
 * one must share a slot: computed with ioredis's own slot function (cluster-key-slot), as the
 * cluster client routes them.
 */
import { Command } from 'ioredis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisClient,
  createRedisRateLimitStore,
  createRedisStore,
} from '../../proxy/store/index.js'
import { connected } from '../helpers/redis-proxy.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'
import { SAMPLE_TOKENS } from './store-contract.js'

let redis: RunningRedis
let client: Redis
/** Every command sent, with its keys as the cluster client would read them. */
const sent: { name: string; keys: string[] }[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  client = await connected(createRedisClient(redis.url))
  const send = client.sendCommand.bind(client)
  client.sendCommand = (command, stream) => {
    sent.push({ name: command.name, keys: command.getKeys().map(String) })
    return send(command, stream)
  }
})

afterAll(async () => {
  client?.disconnect()
  await redis?.stop()
})

const slotOf = (key: string) => new Command('exists', [key]).getSlot()

describe('the keys of the redis store on a cluster', () => {
  it('keeps the keys of every script, transaction and lock in one slot', async () => {
    const store = createRedisStore({ client })
    const credential = { value: 'v1', expiresAt: Date.now() + 60_000, refreshAt: Date.now() }
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.getTokens('mp', 'o1')
    await store.keepExchangeTokens('mp', 'o1', SAMPLE_TOKENS, 60, Date.now())
    await store.revokeSession('jti-1', Date.now() + 60_000)
    await store.isSessionRevoked('jti-1')
    await store.claimCode('k1', 'v1', 60)
    await store.readCode('k1')
    await store.releaseCode('k1')
    await store.claimCode('k1', 'v1', 60)
    await store.settleCode('k1', { status: 200, body: '{}' }, 60, 15)
    const lock = await store.lockCredentials('wx1', 5_000)
    await store.saveCredential('wx1', 'token', credential, 60_000, lock)
    await store.saveCredential('wx1', 'ticket', credential, 60_000, lock)
    await store.forgetCredential('wx1', 'ticket', 'v1')
    await store.unlockCredentials('wx1', lock ?? '')
    const limit = createRedisRateLimitStore(client)
    limit.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof limit.init>>[0])
    await limit.increment('127.0.0.1')
    await limit.get?.('127.0.0.1')

    const scripts = sent.filter(({ name }) => name === 'evalsha' || name === 'eval')
    // The code scripts (claim, read, release, settle) and the locked save touch two keys each.
    expect(scripts.filter(({ keys }) => keys.length === 2).length).toBeGreaterThanOrEqual(6)
    const crossSlot = sent.filter(({ keys }) => new Set(keys.map(slotOf)).size > 1)
    expect(crossSlot).toEqual([])
  })
})
