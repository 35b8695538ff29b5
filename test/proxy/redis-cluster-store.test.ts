/**
 * The Store contract on a real three-master Redis Cluster: every method of the Redis store, its
 * scripts and lock included, as on one server (a key in another slot than its script's partner
 * would fail here with CROSSSLOT).
 */
import { afterAll, beforeAll } from 'vitest'
import { createRedisClient, createRedisStore } from '../../proxy/store/index.js'
import type { RedisConnection } from '../../proxy/store/index.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { RunningRedisCluster } from '../helpers/redis-cluster.js'
import { connected } from '../helpers/redis-proxy.js'
import { describeStoreContract } from './store-contract.js'

let cluster: RunningRedisCluster
let client: RedisConnection
let prefixes = 0

beforeAll(async () => {
  cluster = await startRedisCluster()
  const nodes = cluster.masters.map(({ port }) => ({ host: '127.0.0.1', port }))
  client = await connected(createRedisClient({ kind: 'redis-cluster', nodes, tls: false }))
}, 60_000)

afterAll(async () => {
  client?.disconnect()
  await cluster?.stop()
})

// Redis keeps its own time: the contract's clock is the real one, and `advance` really waits.
describeStoreContract('redis-cluster', async () => ({
  store: createRedisStore({ client, prefix: `cluster-test-${++prefixes}:` }),
  now: Date.now,
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}))
