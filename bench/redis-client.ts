/**
 * The Redis client's own CPU per command, in this process alone (no HTTP, no proxy): what the
 * store's way of reaching Redis costs the proxy. Figures: docs/benchmarks.md, "Straight to the
 * slot's master".
 *
 *   npx tsx bench/redis-client.ts [--commands 40000] [--callers 50] [--rounds 7]
 *
 * `--callers` concurrent callers send `--commands` EVALSHA of a one-key script (a SET, as the
 * store's scripts are one key or one hash tag), each on a fresh key shaped like the store's code
 * keys, in three ways, in alternating rounds: to one redis-server; to a three-master Redis Cluster
 * through ioredis's `Cluster` routing; and to the same cluster the store's way (routeByKey: straight
 * to the master of the key's slot). The clients are createRedisClient's, as the proxy makes them.
 * Prints the median CPU per command (process.cpuUsage, user plus system) and commands per second of
 * each, the first round left out as warm-up. Real redis-server processes on loopback ports, installed
 * by the project's script when missing; bounded in count.
 */
import { parseArgs } from 'node:util'
import { intOption } from './ipc.js'
import { median } from './stats.js'
import { createRedisClient } from '../proxy/store/redis-client.js'
import type { RedisConnection } from '../proxy/store/redis-client.js'
import { routeByKey } from '../proxy/store/redis-route.js'
import type { KeyRoute } from '../proxy/store/redis-route.js'
import { script } from '../proxy/store/redis-scripts.js'
import { connected } from '../test/helpers/redis-proxy.js'
import { startRedisCluster } from '../test/helpers/redis-cluster.js'
import { startRedisServer } from '../test/helpers/redis-server.js'
import ensureRedis from '../test/setup/ensure-redis.js'

const { values } = parseArgs({
  options: {
    commands: { type: 'string' },
    callers: { type: 'string' },
    rounds: { type: 'string' },
  },
})
const commands = intOption(values.commands, 'commands', 40_000, 1, 1_000_000)
const callers = intOption(values.callers, 'callers', 50, 1, 1_000)
const rounds = intOption(values.rounds, 'rounds', 7, 1, 50)

const SOURCE = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)"

/** Sends `commands` scripts from `callers` at once; CPU µs per command and commands per second. */
async function measure(run: (key: string) => Promise<unknown>): Promise<[number, number]> {
  let sent = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const caller = async () => {
    while (sent < commands) {
      await run(`wechat-h5-auth:{code:${(sent++).toString(16).padStart(64, '0')}}`)
    }
  }
  await Promise.all(Array.from({ length: callers }, caller))
  const used = process.cpuUsage(cpu)
  return [(used.user + used.system) / commands, commands / ((performance.now() - started) / 1000)]
}

async function main(): Promise<void> {
  ensureRedis()
  const single = await startRedisServer()
  // Redis's own failure timeout: a loaded machine never fails a master here.
  const cluster = await startRedisCluster({ nodeTimeoutMs: 15_000 })
  const clients: RedisConnection[] = []
  try {
    const one = await connected(createRedisClient(single.url))
    const nodes = cluster.masters.map(({ port }) => ({ host: '127.0.0.1', port }))
    const many = await connected(createRedisClient({ kind: 'redis-cluster', nodes, tls: false }))
    clients.push(one, many)
    const throughCluster: KeyRoute = (key, send) => send(many, key)
    const ways = {
      'one Redis': script(routeByKey(one), SOURCE),
      "Redis Cluster, through ioredis's Cluster": script(throughCluster, SOURCE),
      "Redis Cluster, straight to the slot's master": script(routeByKey(many), SOURCE),
    }
    const figures = new Map<string, [number, number][]>()
    for (let round = 0; round <= rounds; round++) {
      const order = Object.entries(ways)
      if (round % 2 === 1) order.reverse()
      for (const [name, send] of order) {
        const measured = await measure((key) => send([key], ['v']))
        if (round > 0) figures.set(name, [...(figures.get(name) ?? []), measured])
      }
    }
    console.log(`${commands} commands from ${callers} callers, ${rounds} rounds (medians)\n`)
    console.log('| client | CPU µs per command | commands per second |\n|---|--:|--:|')
    for (const name of Object.keys(ways)) {
      const rows = figures.get(name)!
      const cpu = median(rows.map(([micros]) => micros))
      const rate = median(rows.map(([, perSecond]) => perSecond))
      console.log(`| ${name} | ${cpu.toFixed(1)} | ${rate.toFixed(0)} |`)
    }
  } finally {
    for (const client of clients) client.disconnect()
    await cluster.stop()
    await single.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(2)
  },
)
