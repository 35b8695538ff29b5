/**
 * On a Redis Cluster the store sends each keyed command straight to the connection of the master
 * serving the key's slot (proxy/store/redis-route.ts), not through ioredis's `Cluster` routing; the
 * `Cluster` is used when that connection is not ready, and again when Redis refused a command
 * without running it (a slot that moved). Real redis-server processes; the Cluster's own routing is
 * watched through its `sendCommand`.
 */
import { createRequire } from 'node:module'
import { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MockInstance } from 'vitest'
import type { Redis } from 'ioredis'
import type { RedisTarget } from '../../proxy/config-redis.js'
import {
  createRedisClient,
  createRedisRateLimitStore,
  createRedisStore,
} from '../../proxy/store/index.js'
import { routeByKey } from '../../proxy/store/redis-route.js'
import type { StoredTokens } from '../../proxy/store/types.js'
import { ask, startRedisCluster } from '../helpers/redis-cluster.js'
import type { RunningRedisCluster } from '../helpers/redis-cluster.js'
import { connected, eventually } from '../helpers/redis-proxy.js'

/** A key's hash slot, as the store computes it (ioredis's own package). */
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number

const tokens: StoredTokens = {
  accessToken: 'access',
  refreshToken: 'refresh',
  scope: 'snsapi_base',
  accessExpiresAt: 1,
  refreshExpiresAt: 2,
}

/** The port of the master a node's slot table names for `slot`. */
async function ownerSeenBy(port: number, slot: number): Promise<number | undefined> {
  const ranges = await ask(port, (redis) => redis.cluster('SLOTS'))
  return ranges.find(([first, last]) => first <= slot && slot <= last)?.[2]?.[1]
}

/** Each master's node id, by port. */
async function nodeIdsOf(ports: number[]): Promise<Map<number, string>> {
  const ids = await Promise.all(ports.map((port) => ask(port, (redis) => redis.cluster('MYID'))))
  return new Map(ports.map((port, i) => [port, String(ids[i])]))
}

describe('the store on a Redis Cluster', () => {
  let cluster: RunningRedisCluster
  let target: RedisTarget
  let client: Cluster
  let viaCluster: MockInstance

  beforeAll(async () => {
    cluster = await startRedisCluster()
    const nodes = cluster.masters.map((master) => ({ host: '127.0.0.1', port: master.port }))
    target = { kind: 'redis-cluster', nodes, tls: false }
  })

  beforeEach(async () => {
    await cluster.flush()
    client = createRedisClient(target) as Cluster
  })

  afterEach(() => {
    viaCluster?.mockRestore()
    client?.disconnect()
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  /** The Cluster opens a master's connection on its first command: opens them all. */
  async function openEveryMaster(): Promise<void> {
    await Promise.all(client.nodes('master').map((node) => node.ping()))
  }

  /** Counts the commands that go through the Cluster's own routing from now on. */
  function watchCluster(): MockInstance {
    viaCluster = vi.spyOn(client, 'sendCommand')
    return viaCluster
  }

  it('send each command straight to the master of its key', async () => {
    // Made with the client, as the proxy makes them (the masters made later come by `+node`: the
    // test of a master down and back).
    const store = createRedisStore({ client })
    const limit = createRedisRateLimitStore(client)
    await connected(client)
    // Loads the scripts on every master, which opens every master's connection.
    await limit.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof limit.init>>[0])
    const route = routeByKey(client)
    const routed = watchCluster()

    for (let i = 0; i < 12; i++) {
      await store.saveTokens('mp', `user-${i}`, tokens, 60)
      expect(await store.claimCode(`code-${i}`, `verifier-${i}`, 60)).toEqual({ claimed: true })
      expect((await limit.increment(`10.0.0.${i}`)).totalHits).toBe(1)
      await route(`plain-${i}`, (redis) => redis.set(`plain-${i}`, String(i)))
    }
    expect(await store.isSessionRevoked('jti')).toBe(false)
    expect(await store.getTokens('mp', 'user-3')).toEqual(tokens)
    expect(routed).not.toHaveBeenCalled()

    // Every master served some: the keys are where the cluster keeps them.
    const counts = await cluster.keyCounts()
    expect(counts.every((count) => count > 0)).toBe(true)
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(12 * 4)
    expect(await client.get('plain-7')).toBe('7')
  })

  it('run a script a master does not know with EVAL on that master', async () => {
    const store = createRedisStore({ client })
    await connected(client)
    await openEveryMaster()
    await cluster.flushScripts()
    const routed = watchCluster()
    for (let i = 0; i < 6; i++) {
      expect(await store.claimCode(`fresh-${i}`, null, 60)).toEqual({ claimed: true })
      expect(await store.readCode(`fresh-${i}`)).toEqual({ state: 'pending', verifierHash: null })
    }
    expect(routed).not.toHaveBeenCalled()
  })

  it('follow a slot that moved to another master through the Cluster, then straight to its new master', async () => {
    const store = createRedisStore({ client })
    await connected(client)
    await openEveryMaster()
    const key = 'wechat-h5-auth:revoked:moving'
    const slot = Number(await client.cluster('KEYSLOT', key))
    const fromPort = await ownerSeenBy(cluster.masters[0]!.port, slot)
    const to = cluster.masters.find((master) => master.port !== fromPort)!
    const ids = await nodeIdsOf(cluster.masters.map((master) => master.port))
    // An empty slot handed over as an operator's resharding does it, the new owner told first.
    await ask(to.port, (redis) => redis.cluster('SETSLOT', slot, 'IMPORTING', ids.get(fromPort!)!))
    await ask(fromPort!, (redis) => redis.cluster('SETSLOT', slot, 'MIGRATING', ids.get(to.port)!))
    for (const port of [to.port, fromPort!, ...cluster.masters.map((master) => master.port)]) {
      await ask(port, (redis) => redis.cluster('SETSLOT', slot, 'NODE', ids.get(to.port)!))
    }
    const settled = await eventually(async () => {
      const owners = await Promise.all(
        cluster.masters.map((master) => ownerSeenBy(master.port, slot)),
      )
      return owners.every((owner) => owner === to.port)
    }, 10_000)
    expect(settled).toBe(true)
    // The client still has the old table: the first command meets MOVED.
    expect(client.slots[slot]?.[0]).toBe(`127.0.0.1:${fromPort}`)

    const routed = watchCluster()
    await store.revokeSession('moving', Date.now() + 60_000)
    // Refused by the old master, sent again through the Cluster, which followed the redirection.
    expect(routed).toHaveBeenCalledTimes(1)
    expect(await ask(to.port, (redis) => redis.exists(key))).toBe(1)

    // The Cluster refreshed its table on MOVED; from then on the new master is asked straight.
    const learned = await eventually(
      async () => client.slots[slot]?.[0] === `127.0.0.1:${to.port}`,
      5_000,
    )
    expect(learned).toBe(true)
    routed.mockClear()
    expect(await store.isSessionRevoked('moving')).toBe(true)
    expect(routed).not.toHaveBeenCalled()
  })

  it('reach a master whose connection is not open yet through the Cluster, which opens it', async () => {
    await connected(client)
    const route = routeByKey(client)
    // The Cluster opened one connection to learn the slots: a key of a master it has not opened.
    const closed = new Set(
      client
        .nodes('master')
        .filter((node) => node.status === 'wait')
        .map((node) => `${node.options.host}:${node.options.port}`),
    )
    const key = Array.from({ length: 100 }, (_, i) => `wechat-h5-auth:first:${i}`).find((name) =>
      closed.has(client.slots[keySlot(name)]?.[0] ?? ''),
    )!
    const routed = watchCluster()
    expect(await route(key, (redis, key) => redis.set(key, 'v'))).toBe('OK')
    expect(routed).toHaveBeenCalledTimes(1)
    routed.mockClear()
    expect(await route(key, (redis, key) => redis.get(key))).toBe('v')
    expect(routed).not.toHaveBeenCalled()
  })

  it('follow an ASK of a slot being moved through the Cluster, which asks the new master', async () => {
    await connected(client)
    await openEveryMaster()
    const route = routeByKey(client)
    const key = 'wechat-h5-auth:asked'
    const slot = Number(await client.cluster('KEYSLOT', key))
    const from = (await ownerSeenBy(cluster.masters[0]!.port, slot))!
    const to = cluster.masters.find((master) => master.port !== from)!.port
    const ids = await nodeIdsOf(cluster.masters.map((master) => master.port))
    await ask(to, (redis) => redis.cluster('SETSLOT', slot, 'IMPORTING', ids.get(from)!))
    await ask(from, (redis) => redis.cluster('SETSLOT', slot, 'MIGRATING', ids.get(to)!))
    try {
      const routed = watchCluster()
      // A key the old master does not hold, in a migrating slot: it answers ASK.
      expect(await route(key, (redis, key) => redis.set(key, 'here'))).toBe('OK')
      expect(routed).toHaveBeenCalledTimes(1)
      expect(await ask(to, (redis) => redis.cluster('COUNTKEYSINSLOT', slot))).toBe(1)
    } finally {
      for (const port of [from, to])
        await ask(port, (redis) => redis.cluster('SETSLOT', slot, 'STABLE'))
    }
  })

  it('leave a client with a keyPrefix to send its commands itself, prefixed', async () => {
    const nodes = cluster.masters.map(({ port }) => ({ host: '127.0.0.1', port }))
    const prefixed = new Cluster(nodes, { keyPrefix: 'tenant:' })
    try {
      await connected(prefixed)
      const store = createRedisStore({ client: prefixed })
      await store.revokeSession('prefixed', Date.now() + 60_000)
      expect(await store.isSessionRevoked('prefixed')).toBe(true)
      const held = await Promise.all(
        cluster.masters.map(({ port }) => ask(port, (redis) => redis.keys('*'))),
      )
      expect(held.flat()).toEqual(['tenant:wechat-h5-auth:revoked:prefixed'])
    } finally {
      prefixed.disconnect()
    }
  })

  /** The connection to the master of `key`'s slot, and that master's port. */
  function masterOf(key: string, slot: number): { node: Redis; port: number } {
    const name = client.slots[slot]![0]!
    const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === name)!
    return { node, port: Number(name.split(':')[1]) }
  }

  /** Sends `incr`, lets it be written (at the end of this turn), then drops its connection. */
  async function droppedAfterWrite(key: string, incr: () => Promise<number>): Promise<unknown> {
    const slot = Number(await client.cluster('KEYSLOT', key))
    const { node, port } = masterOf(key, slot)
    const counted = incr()
    await new Promise((resolve) => setImmediate(resolve))
    node.stream.destroy()
    const outcome = await counted.then(
      (value) => value,
      (error: unknown) => error,
    )
    // Ran once on Redis; ioredis's Cluster would send it again once it reconnects (twice).
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await ask(port, (redis) => redis.get(key))).toBe('1')
    return outcome
  }

  it('never send a command twice: one whose connection closed after it was written fails', async () => {
    await connected(client)
    await openEveryMaster()
    const route = routeByKey(client)
    const key = 'wechat-h5-auth:once:straight'
    const outcome = await droppedAfterWrite(key, () => route(key, (redis, key) => redis.incr(key)))
    expect(String(outcome)).toMatch(/Connection is closed/)
  })

  it('go through the Cluster while a master is down, failing fast, and straight again once it is back', async () => {
    const store = createRedisStore({ client })
    await connected(client)
    await openEveryMaster()
    const slot = Number(await client.cluster('KEYSLOT', 'wechat-h5-auth:revoked:down'))
    const port = await ownerSeenBy(cluster.masters[0]!.port, slot)
    const master = cluster.masters.find((candidate) => candidate.port === port)!
    await master.kill()
    const started = Date.now()
    await expect(store.isSessionRevoked('down')).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(5_000)

    await master.restart()
    await cluster.ready()
    const back = await eventually(async () => {
      try {
        return (await store.isSessionRevoked('down')) === false
      } catch {
        return false
      }
    }, 10_000)
    expect(back).toBe(true)
    const routed = watchCluster()
    expect(await store.isSessionRevoked('down')).toBe(false)
    expect(routed).not.toHaveBeenCalled()
  }, 30_000)
})
