/**
 * A real redis-server on a free loopback port, for the Redis suites (installed by the globalSetup
 * test/setup/ensure-redis.ts).
 *
 *   const redis = await startRedisServer()     // in beforeAll
 *   redis.url                                   // redis://127.0.0.1:PORT
 *   await redis.kill()                          // SIGKILL: an outage (nothing is saved)
 *   await redis.restart()                       // a fresh, empty server on the same port
 *   await redis.stop()                          // in afterAll: kills it and removes its folder
 *
 * No persistence (`--save '' --appendonly no`), its own temporary `--dir`. Every wait is bounded, and a
 * server still running when the test process exits is killed with it.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onFreePort } from './net.js'
import { exited, killedOnExit } from './processes.js'

export interface RunningRedis {
  port: number
  /** Its own folder (a cluster node keeps its nodes.conf there across a restart). */
  dir: string
  /** `redis://127.0.0.1:PORT` */
  url: string
  /** SIGKILL, and waits for the process to be gone. */
  kill(): Promise<void>
  /**
   * Starts it again on the same port and with the same arguments (after `kill`), empty (a cluster
   * node keeps its identity); resolves when it answers PING.
   */
  restart(): Promise<void>
  /** Kills it (when running) and removes its folder. */
  stop(): Promise<void>
  /** Its process id while it runs (the bench pins it to a core). */
  pid(): number | undefined
}

const HOST = '127.0.0.1'
const START_TIMEOUT_MS = 10_000

/** One PING over a raw socket; true on +PONG within `ms`. */
export function pingOnce(port: number, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(ms, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/** redis-server on `port`, resolved once it answers PING; when it fails, the process is gone. */
async function startOn(port: number, dir: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000))
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  killedOnExit(child)
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited at start:\n${output}`)
    }
    if (await pingOnce(port)) return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  await exited(child)
  throw new Error(`redis-server on port ${port} did not answer PING in time:\n${output}`)
}

/** `args`: more redis-server arguments (a cluster node's, a replica's). */
export async function startRedisServer(args: string[] = []): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wechat-h5-auth-redis-'))
  const { port, started } = await onFreePort((port) => startOn(port, dir, args)).catch(
    (error: unknown) => {
      rmSync(dir, { recursive: true, force: true })
      throw error
    },
  )
  let child: ChildProcess | undefined = started

  async function kill(): Promise<void> {
    if (!child) return
    const running = child
    child = undefined
    running.kill('SIGKILL')
    await exited(running)
  }

  return {
    port,
    dir,
    url: `redis://${HOST}:${port}`,
    kill,
    async restart() {
      await kill()
      child = await startOn(port, dir, args)
    },
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
    pid: () => child?.pid,
  }
}
