/**
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, made the way an
 * operator makes one: three `redis-server --cluster-enabled yes`, then `redis-cli --cluster create`.
 *
 *   const cluster = await startRedisCluster()   // in beforeAll
 *   cluster.seeds                                // '127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3'
 *   await cluster.masters[1].kill()              // a master down: its slots are gone
 *   await cluster.masters[1].restart()           // back, empty, same identity (nodes.conf kept)
 *   await cluster.ready()                        // every node says cluster_state:ok
 *   await cluster.stop()                         // in afterAll
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './net.js'
import { startRedisServer } from './redis-server.js'
import type { RunningRedis } from './redis-server.js'

const run = promisify(execFile)
const READY_TIMEOUT_MS = 15_000

export interface RunningRedisCluster {
  masters: RunningRedis[]
  /** For REDIS_CLUSTER_NODES. */
  seeds: string
  /** Resolves once every master answers `cluster_state:ok` (15 s at most). */
  ready(): Promise<void>
  /** FLUSHALL on every master. */
  flush(): Promise<void>
  /** Keys held by each master. */
  keyCounts(): Promise<number[]>
  /** SCRIPT FLUSH on every master. */
  flushScripts(): Promise<void>
  /** Scripts each master keeps (`number_of_cached_scripts`). */
  cachedScripts(): Promise<number[]>
  stop(): Promise<void>
}

/** One command on a short-lived connection to `port` (to one node: no cluster routing). */
export async function ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null })
  try {
    await redis.connect()
    return await command(redis)
  } finally {
    redis.disconnect()
  }
}

async function clusterOk(port: number): Promise<boolean> {
  return ask(port, (redis) => redis.cluster('INFO')).then(
    (info) => String(info).includes('cluster_state:ok'),
    () => false,
  )
}

export interface RedisClusterOptions {
  /**
   * Masters (3). One master holds every slot (`CLUSTER ADDSLOTSRANGE`, since `redis-cli --cluster
   * create` wants three): a cluster's protocol and client without a second server, for comparison.
   */
  size?: number
  /**
   * How long a silent master takes to be marked failed (1,000 ms, so the tests that kill one wait
   * little; Redis's own default is 15,000). A run that kills none, under load, wants more: a master
   * slow to answer pings then never takes the cluster down.
   */
  nodeTimeoutMs?: number
}

export async function startRedisCluster({
  size = 3,
  nodeTimeoutMs = 1_000,
}: RedisClusterOptions = {}): Promise<RunningRedisCluster> {
  const masters = await Promise.all(
    Array.from({ length: size }, async () =>
      startRedisServer([
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        // Its own free bus port: the default (port + 10000) may be taken, or past 65535.
        ...['--cluster-port', String(await freePort())],
        ...['--cluster-node-timeout', String(nodeTimeoutMs)],
        // Alone, a node never learns its address from another one: it names it itself.
        ...(size === 1 ? ['--cluster-announce-ip', '127.0.0.1'] : []),
      ]),
    ),
  )
  const seeds = masters.map((master) => `127.0.0.1:${master.port}`)
  const cluster: RunningRedisCluster = {
    masters,
    seeds: seeds.join(','),
    async ready() {
      const deadline = Date.now() + READY_TIMEOUT_MS
      while (Date.now() < deadline) {
        const states = await Promise.all(masters.map((master) => clusterOk(master.port)))
        if (states.every(Boolean)) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('the Redis Cluster did not reach cluster_state:ok in time')
    },
    async flush() {
      await Promise.all(masters.map((master) => ask(master.port, (redis) => redis.flushall())))
    },
    keyCounts() {
      return Promise.all(masters.map((master) => ask(master.port, (redis) => redis.dbsize())))
    },
    async flushScripts() {
      await Promise.all(masters.map((master) => ask(master.port, (redis) => redis.script('FLUSH'))))
    },
    cachedScripts() {
      return Promise.all(
        masters.map((master) =>
          ask(master.port, async (redis) =>
            Number(/number_of_cached_scripts:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0),
          ),
        ),
      )
    },
    async stop() {
      await Promise.all(masters.map((master) => master.stop()))
    },
  }
  try {
    const create =
      size === 1
        ? ['-p', String(masters[0]!.port), 'cluster', 'addslotsrange', '0', '16383']
        : ['--cluster', 'create', ...seeds, '--cluster-yes']
    await run('redis-cli', create, { timeout: READY_TIMEOUT_MS })
    await cluster.ready()
  } catch (error) {
    await cluster.stop()
    throw error
  }
  return cluster
}
