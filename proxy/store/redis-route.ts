import type { Cluster, Redis } from 'ioredis'
import { createRequire } from 'node:module'
import type { RedisConnection } from './redis-client.js'

/** A key's hash slot: CRC16 of its hash tag, or of the whole key, mod 16384 (ioredis's own). */
type KeySlot = (key: Uint8Array) => number

/** Sends a command on `key` with the client it is handed (and the key again, for brevity). */
export type KeyRoute = <T>(
  key: string,
  send: (redis: RedisConnection, key: string) => Promise<T>,
) => Promise<T>

/** Redis refused these without running the command: its slot is elsewhere, or the cluster is changing. */
const NOT_RUN = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /

/**
 * How the store reaches the Redis that holds a key. On one server, or the master behind Sentinel,
 * that is the client itself. On a Redis Cluster it is the connection to the master serving the key's
 * slot, straight: ioredis's `Cluster` routes each command itself at about as much client CPU again
 * as the command costs (docs/benchmarks.md, "Straight to the slot's master"). The slot table is the
 * one the `Cluster` keeps and refreshes (`slots`), and the connections are its own (`+node`), so
 * failovers and reconnects stay the `Cluster`'s to follow. A command goes through the `Cluster`
 * while it or that master's connection is not ready (the `Cluster` opens a connection on its first
 * command), and again when Redis refused it without running it (MOVED or ASK: the table is stale;
 * TRYAGAIN, CLUSTERDOWN): the `Cluster` follows the redirection and refreshes its table, as it
 * would have. Any other error is the command's own: one whose connection closed after the write may
 * have run, and is not sent again (the `Cluster` would send again what it routes itself, after
 * `retryDelayOnFailover`). A `Cluster` with a `keyPrefix` sends every command itself.
 */
export function routeByKey(client: RedisConnection): KeyRoute {
  // A client that prefixes keys itself hashes and writes them prefixed: only it can send them.
  if (!client.isCluster || hasKeyPrefix(client as Cluster)) return (key, send) => send(client, key)
  let route = routes.get(client)
  if (route === undefined) {
    route = clusterRoute(client as Cluster)
    routes.set(client, route)
  }
  return route
}

/** One per Cluster client, shared by the store and the rate limit: one table of its connections. */
const routes = new WeakMap<RedisConnection, KeyRoute>()

function clusterRoute(cluster: Cluster): KeyRoute {
  // Loaded here, like ioredis: only a proxy on a cluster needs it.
  const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as KeySlot
  // The Cluster's connections by node key ("host:port", as in its slot table).
  const nodes = new Map<string, Redis>()
  const nodeKey = (node: Redis) => `${node.options.host}:${node.options.port}`
  // A node made anew (after a failover, a reconnect) replaces the old one; one that ended is refused
  // below by its status.
  const add = (node: Redis) => nodes.set(nodeKey(node), node)
  for (const node of cluster.nodes('all')) add(node)
  cluster.on('+node', add)
  return async (key, send) => {
    // Its bytes: given a string, the package first copies it into an array of numbers, one by one,
    // which cost more than all the rest of this route.
    const master = cluster.slots[calculateSlot(Buffer.from(key))]?.[0]
    const node = master === undefined ? undefined : nodes.get(master)
    if (cluster.status !== 'ready' || node?.status !== 'ready') return send(cluster, key)
    try {
      return await send(node, key)
    } catch (error) {
      if (!(error instanceof Error) || !NOT_RUN.test(error.message)) throw error
      return send(cluster, key)
    }
  }
}

function hasKeyPrefix(cluster: Cluster): boolean {
  return Boolean(cluster.options.keyPrefix || cluster.options.redisOptions?.keyPrefix)
}
