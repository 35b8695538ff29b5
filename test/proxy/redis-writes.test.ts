/**
 * The clients of createRedisClient send the commands of one event-loop turn in one write per
 * connection (docs/benchmarks.md, "One write per turn"), on one server, on each master of a cluster,
 * and again after a reconnect (a new socket). Writes are counted where the socket hands them to the
 * system: net.Socket's `_write` (one chunk) and `_writev` (several).
 */
import type { Socket } from 'node:net'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisClient } from '../../proxy/store/redis.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { RunningRedisCluster } from '../helpers/redis-cluster.js'
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

const ready = (client: Redis | Cluster) =>
  client.status === 'ready'
    ? Promise.resolve()
    : new Promise<void>((resolve) => client.once('ready', () => resolve()))

describe('one Redis', () => {
  let server: RunningRedis
  let client: Redis

  beforeAll(async () => {
    server = await startRedisServer()
    client = createRedisClient(server.url)
    await ready(client)
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

  it('sends a command of a later turn without waiting for anything else', async () => {
    const writes = countWrites(client)
    expect(await client.ping()).toBe('PONG')
    await new Promise((resolve) => setImmediate(resolve))
    expect(await client.echo('again')).toBe('again')
    expect(writes.count).toBe(2)
  })

  it('writes each command on its own with coalesceWrites: false', async () => {
    const each = createRedisClient(server.url, { coalesceWrites: false })
    try {
      await ready(each)
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
    client = createRedisClient({ kind: 'redis-cluster', nodes, tls: false }) as Cluster
    await ready(client)
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
