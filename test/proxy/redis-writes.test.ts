/**
 * The clients of createRedisClient send the commands of one event-loop turn in one write per
 * connection (docs/benchmarks.md, "One write per turn"): on one server, on each master of a cluster,
 * on the master behind Sentinel, and again after a reconnect (a new socket). Writes are counted
 * where the socket hands them to the system: net.Socket's `_write` (one chunk) and `_writev`
 * (several).
 */
import type { Socket } from 'node:net'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisTarget } from '../../proxy/config-redis.js'
import { createRedisClient } from '../../proxy/store/redis.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { RunningRedisCluster } from '../helpers/redis-cluster.js'
import { connected } from '../helpers/redis-proxy.js'
import { SENTINEL_MASTER_NAME, startRedisSentinelGroup } from '../helpers/redis-sentinel.js'
import type { RunningSentinelGroup } from '../helpers/redis-sentinel.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'

type Internals = Socket & {
  _write: (...args: unknown[]) => void
  _writev: (...args: unknown[]) => void
}

/** Counts the writes the socket of `redis`'s current connection hands to the system. */
function countWrites(redis: Redis): { readonly count: number } {
  const socket = redis.stream as Internals
  const counter = { count: 0 }
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name]
    socket[name] = function (this: Socket, ...args: unknown[]) {
      counter.count++
      return original.apply(this, args)
    }
  }
  return counter
}

describe('one Redis', () => {
  let server: RunningRedis
  let client: Redis

  beforeAll(async () => {
    server = await startRedisServer()
    client = await connected(createRedisClient(server.url))
  })

  afterAll(async () => {
    client?.disconnect()
    await server?.stop()
  })

  /** 20 commands issued in one turn; the writes they took, and their answers. */
  async function burst(): Promise<{ writes: number; answers: unknown[] }> {
    const writes = countWrites(client)
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.set(`burst:${i}`, String(i))),
    )
    return { writes: writes.count, answers }
  }

  it('sends the commands of one turn in one write, and answers each', async () => {
    const { writes, answers } = await burst()
    expect(answers).toEqual(Array.from({ length: 20 }, () => 'OK'))
    expect(writes).toBe(1)
    expect(await client.mget('burst:0', 'burst:19')).toEqual(['0', '19'])
  })

  it('sends a command by the end of its turn, and one of a later turn in a write of its own', async () => {
    const writes = countWrites(client)
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    const pong = client.ping()
    await turn()
    expect(writes.count).toBe(1)
    const again = client.echo('again')
    await turn()
    expect(writes.count).toBe(2)
    expect([await pong, await again]).toEqual(['PONG', 'again'])
  })

  it('writes each command on its own with coalesceWrites: false', async () => {
    const each = createRedisClient(server.url, { coalesceWrites: false })
    try {
      await connected(each)
      const writes = countWrites(each)
      await Promise.all(Array.from({ length: 20 }, (_, i) => each.get(`burst:${i}`)))
      expect(writes.count).toBeGreaterThan(1)
    } finally {
      each.disconnect()
    }
  })

  it('coalesces again on the socket of a new connection', async () => {
    await server.kill()
    await server.restart()
    await expect.poll(() => client.status, { timeout: 10_000 }).toBe('ready')
    const { writes, answers } = await burst()
    expect(answers).toHaveLength(20)
    expect(writes).toBe(1)
  })
})

describe('a Redis Cluster', () => {
  let cluster: RunningRedisCluster
  let client: Cluster

  beforeAll(async () => {
    cluster = await startRedisCluster()
    const nodes = cluster.masters.map((master) => ({ host: '127.0.0.1', port: master.port }))
    client = await connected(
      createRedisClient({ kind: 'redis-cluster', nodes, tls: false }) as Cluster,
    )
    // The client connects to a master on its first command.
    await Promise.all(client.nodes('master').map((master) => master.ping()))
  })

  afterAll(async () => {
    client?.disconnect()
    await cluster?.stop()
  })

  it('sends the commands of one turn to each master in one write', async () => {
    const masters = client.nodes('master')
    expect(masters).toHaveLength(3)
    const writes = masters.map(countWrites)
    // 60 keys spread over the slots: every master gets some.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => client.set(`spread:${i}`, String(i))),
    )
    expect(answers).toEqual(Array.from({ length: 60 }, () => 'OK'))
    expect(writes.map((w) => w.count)).toEqual([1, 1, 1])
  })
})

describe('a master behind Sentinel', () => {
  let group: RunningSentinelGroup
  let client: Redis

  beforeAll(async () => {
    group = await startRedisSentinelGroup()
    const sentinels = group.sentinels.split(',').map((seed) => {
      const [host, port] = seed.split(':')
      return { host: host!, port: Number(port) }
    })
    const target = { kind: 'redis-sentinel', sentinels, name: SENTINEL_MASTER_NAME, tls: false }
    client = (await connected(createRedisClient(target as RedisTarget))) as Redis
  })

  afterAll(async () => {
    client?.disconnect()
    await group?.stop()
  })

  it('sends the commands of one turn to the master in one write', async () => {
    const writes = countWrites(client)
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.set(`sentinel:${i}`, String(i))),
    )
    expect(answers).toEqual(Array.from({ length: 20 }, () => 'OK'))
    expect(writes.count).toBe(1)
    expect((client.stream as Socket).remotePort).toBe(await group.currentMasterPort())
  })
})
