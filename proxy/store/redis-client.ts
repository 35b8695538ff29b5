import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import type * as IORedis from 'ioredis'
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import type { RedisTarget } from '../config-redis.js'

const load = createRequire(import.meta.url)
let ioredis: typeof IORedis | undefined

/**
 * ioredis, loaded on first use: a proxy without Redis (one instance, the memory store) never loads
 * it, which keeps about 20 MB of code and heap out of every such process.
 */
function loadIoredis(): typeof IORedis {
  ioredis ??= load('ioredis') as typeof IORedis
  return ioredis
}

/** A client of one server, of a master behind sentinels (both `Redis`), or of a Redis Cluster. */
export type RedisConnection = Redis | Cluster

/** Which Redis a client talks to, as `GET /healthz` names it. */
export type RedisKind = RedisTarget['kind']

/** The kind of an ioredis client, whoever made it. */
export function redisKind(client: RedisConnection): RedisKind {
  if (client.isCluster) return 'redis-cluster'
  return (client as Redis).options.sentinels?.length ? 'redis-sentinel' : 'redis'
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
  /**
   * Send the commands of one event-loop turn in one write per connection (each is still answered
   * and fails on its own); `false` writes each command at once, as ioredis does. @default true
   */
  coalesceWrites?: boolean
}

/**
 * An ioredis client with the fail-closed options, connecting at once: of one server (a URL, or a
 * `redis` target), of a master found through sentinels, or of a Redis Cluster (ioredis's own
 * `sentinels` option and `Cluster`: both follow a failover by themselves), with `coalesceWrites`
 * on unless turned off. Neither the URL nor the password is ever logged.
 */
export function createRedisClient(url: string, options?: RedisClientOptions): Redis
export function createRedisClient(
  target: RedisTarget,
  options?: RedisClientOptions,
): RedisConnection
export function createRedisClient(
  target: string | RedisTarget,
  options: RedisClientOptions = {},
): RedisConnection {
  const { Redis: RedisClient, Cluster: ClusterClient } = loadIoredis()
  const spec: RedisTarget = typeof target === 'string' ? { kind: 'redis', url: target } : target
  const auth = spec.password === undefined ? {} : { password: spec.password }
  const tls = spec.kind !== 'redis' && spec.tls ? { tls: {} } : {}
  let client: RedisConnection
  if (spec.kind === 'redis') {
    client = new RedisClient(spec.url, { ...FAIL_CLOSED_OPTIONS, ...auth, ...options.redis })
  } else if (spec.kind === 'redis-sentinel') {
    client = new RedisClient({
      ...FAIL_CLOSED_OPTIONS,
      ...auth,
      ...tls,
      sentinels: spec.sentinels,
      name: spec.name,
      // TLS to the sentinels as to the servers; the sentinels themselves ask no password.
      ...(spec.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      sentinelRetryStrategy: FAIL_CLOSED_OPTIONS.retryStrategy,
      sentinelCommandTimeout: FAIL_CLOSED_OPTIONS.connectTimeout,
      // Subscribes to the sentinels' +switch-master: a failover is followed at once, not at the
      // next connection error.
      failoverDetector: true,
      ...options.redis,
    })
  } else {
    const { retryStrategy, ...perNode } = FAIL_CLOSED_OPTIONS
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: false,
      // While no seed answers, try again forever (capped backoff), as the single client does.
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: FAIL_CLOSED_OPTIONS.connectTimeout,
      redisOptions: { ...perNode, ...auth, ...tls, ...options.redis },
    }
    client = new ClusterClient(spec.nodes, clusterOptions)
  }
  watchOutages(client, options.logger)
  if (options.coalesceWrites !== false) {
    // A cluster makes one client per node, as it finds them (and again after a failover).
    if (client.isCluster) client.on('+node', coalesceWrites)
    else coalesceWrites(client as Redis)
  }
  return client
}

/**
 * Commands written to one connection in one turn of the event loop leave in one write. ioredis
 * writes each command to the socket at once, a system call each, and Redis wakes up for each; under
 * load many requests send their commands in the same turn. So the socket of each connection (made
 * anew on every reconnect) is corked at its first write and uncorked by the next `setImmediate`,
 * which runs after the turn's I/O callbacks: the commands go out together, Redis reads them at once
 * and answers them in one write (docs/benchmarks.md, "One write per turn"). A command waits at most
 * until that check phase (the next turn's, when it was written in the check or close phase; a
 * pending immediate keeps the loop from blocking in poll meanwhile), and never for a reply to
 * another. The socket's `end()` uncorks first: what was written before `disconnect()` is still sent.
 */
function coalesceWrites(redis: Redis): void {
  redis.on('connect', () => {
    const socket = redis.stream as Socket
    const write = socket.write
    let corked = false
    const uncork = () => {
      corked = false
      socket.uncork()
    }
    socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      if (!corked) {
        corked = true
        socket.cork()
        setImmediate(uncork)
      }
      return write.apply(this, args)
    } as Socket['write']
  })
}

const watched = new WeakSet<RedisConnection>()

/**
 * Handles the client's `error` events (an unhandled one would be printed on every reconnect attempt)
 * and logs one line when Redis becomes unreachable and one when it is back.
 */
export function watchOutages(client: RedisConnection, logger?: Logger): void {
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
