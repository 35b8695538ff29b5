/**
 * A master, one replica and one sentinel watching them (master name `mymaster`, quorum 1), all real
 * redis-server processes on free loopback ports.
 *
 *   const group = await startRedisSentinelGroup()   // in beforeAll
 *   group.sentinels                                  // for REDIS_SENTINELS
 *   await group.master.kill()                        // the sentinel promotes the replica (~1-3 s)
 *   await group.stop()                               // in afterAll
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { onFreePort } from './net.js'
import { exited, killedOnExit } from './processes.js'
import { pingOnce, startRedisServer } from './redis-server.js'
import type { RunningRedis } from './redis-server.js'

export const SENTINEL_MASTER_NAME = 'mymaster'
const START_TIMEOUT_MS = 10_000

export interface RunningSentinelGroup {
  master: RunningRedis
  replica: RunningRedis
  /** For REDIS_SENTINELS. */
  sentinels: string
  /** The port of the master the sentinel names now. */
  currentMasterPort(): Promise<number>
  stop(): Promise<void>
}

async function startSentinel(port: number, dir: string, masterPort: number): Promise<ChildProcess> {
  const conf = join(dir, `sentinel-${port}.conf`)
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
      // A master that does not answer for a second is down (the default is 30 s).
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
      '',
    ].join('\n'),
  )
  const child = killedOnExit(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }))
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-sentinel on port ${port} exited at start`)
    if (await pingOnce(port)) return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  await exited(child)
  throw new Error(`redis-sentinel on port ${port} did not answer PING in time`)
}

/** Resolves once the master reports its replica online (10 s at most). */
async function replicated(master: RunningRedis): Promise<void> {
  const redis = new Redis(master.url)
  try {
    const deadline = Date.now() + START_TIMEOUT_MS
    while (Date.now() < deadline) {
      const info = await redis.info('replication')
      if (/^slave0:.*state=online/m.test(info)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error('the replica did not come online in time')
  } finally {
    redis.disconnect()
  }
}

export async function startRedisSentinelGroup(): Promise<RunningSentinelGroup> {
  const master = await startRedisServer()
  const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)])
  const dir = mkdtempSync(join(tmpdir(), 'wechat-h5-auth-sentinel-'))
  let sentinel: { port: number; started: ChildProcess } | undefined
  const stop = async () => {
    sentinel?.started.kill('SIGKILL')
    if (sentinel) await exited(sentinel.started)
    await Promise.all([master.stop(), replica.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await replicated(master)
    sentinel = await onFreePort((port) => startSentinel(port, dir, master.port))
  } catch (error) {
    await stop()
    throw error
  }
  const sentinelPort = sentinel.port
  return {
    master,
    replica,
    sentinels: `127.0.0.1:${sentinelPort}`,
    async currentMasterPort() {
      const redis = new Redis({ host: '127.0.0.1', port: sentinelPort })
      try {
        const reply = (await redis.call(
          'SENTINEL',
          'get-master-addr-by-name',
          SENTINEL_MASTER_NAME,
        )) as [string, string]
        return Number(reply[1])
      } finally {
        redis.disconnect()
      }
    },
    stop,
  }
}
