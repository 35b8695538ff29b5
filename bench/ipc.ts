import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Express } from 'express'

/** Messages between the load script and the servers it forks (bench/*-server.ts). */

interface ListeningMessage {
  type: 'listening'
  port: number
}

export interface MemorySample {
  /** Epoch milliseconds. */
  at: number
  rss: number
  heapUsed: number
  heapTotal: number
}

export interface MemoryMessage extends MemorySample {
  type: 'memory'
}

/** The sample that answers a `gc` request, taken GC_SETTLE_MS after the collection. */
export interface AfterGcSample extends MemorySample {
  /** RSS read the moment the collection returned, before V8 gave the freed pages back. */
  rssAtGc: number
}

export interface AfterGcMessage extends AfterGcSample {
  type: 'memory-after-gc'
}

/** A server's CPU time so far (process.cpuUsage: microseconds, all of its threads). */
interface CpuMessage {
  type: 'cpu'
  user: number
  system: number
}

type ServerMessage = ListeningMessage | MemoryMessage | AfterGcMessage | CpuMessage

/** Parent -> proxy server: collect garbage, then answer with one `memory-after-gc` message. */
export interface GcRequest {
  type: 'gc'
}

/** Parent -> any bench server: answer with one `cpu` message. */
interface CpuRequest {
  type: 'cpu'
}

/** How often the proxy server reports its memory. */
export const SAMPLE_EVERY_MS = 250

/**
 * How long after a full GC its memory is read. V8 unmaps the pages the collection freed on a
 * background thread; measured here, RSS settles within 100 ms and is unchanged 3 s later.
 */
export const GC_SETTLE_MS = 250

/**
 * Sends a request to a forked server and waits for the message `answer` picks out; fails if the server
 * exits first, so that a crashed server ends the script instead of leaving it waiting.
 */
function ask<T>(
  child: ChildProcess,
  request: GcRequest | CpuRequest,
  answer: (message: ServerMessage) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: ServerMessage) => {
      const value = answer(message)
      if (value === undefined) return
      stop()
      resolve(value)
    }
    const onExit = (code: number | null) => {
      stop()
      reject(new Error(`a bench server exited (${code}) before answering \`${request.type}\``))
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
    // With a callback, a closed channel (the server already gone) is this call's error, not an event.
    child.send(request, (error) => {
      if (!error) return
      stop()
      reject(error)
    })
  })
}

/**
 * Collects the memory samples a forked proxy server reports, and asks it for one after a full GC.
 */
export function watchMemory(child: ChildProcess): {
  samples: MemorySample[]
  sampleAfterGc: () => Promise<AfterGcSample>
} {
  const samples: MemorySample[] = []
  child.on('message', (message: ServerMessage) => {
    if (message.type === 'memory') samples.push(message)
  })
  const sampleAfterGc = () =>
    ask(child, { type: 'gc' }, (message) =>
      message.type === 'memory-after-gc' ? message : undefined,
    )
  return { samples, sampleAfterGc }
}

/**
 * Listens on a free loopback port, tells the parent which, answers `cpu` requests, and exits with the
 * parent: every forked bench server does this the same way.
 */
export function listenAndReport(app: Express, onListening?: () => void): void {
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    const message: ListeningMessage = { type: 'listening', port: address.port }
    process.send?.(message)
    onListening?.()
  })
  server.keepAliveTimeout = 30_000
  process.on('message', (message: CpuRequest) => {
    if (message.type !== 'cpu') return
    const reply: CpuMessage = { type: 'cpu', ...process.cpuUsage() }
    process.send?.(reply)
  })
  // The parent owns this process: when it goes, so do we.
  process.on('disconnect', () => process.exit(0))
}

/** A forked server's CPU time so far, in microseconds (user plus system). */
export function cpuTimeOf(child: ChildProcess): Promise<number> {
  return ask(child, { type: 'cpu' }, (message) =>
    message.type === 'cpu' ? message.user + message.system : undefined,
  )
}

/** A whole-number command-line option within [min, max]; `fallback` when absent. */
export function intOption(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}

/**
 * The node flags `npm start` gives the proxy (package.json's `start` script, e.g.
 * `node --max-old-space-size=512 dist-server/proxy/host/server.js`), read from there so that the bench
 * proxies run with exactly those and the two cannot drift apart. `root` ends with a slash.
 */
export function startFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
    scripts?: Record<string, string>
  }
  const words = (pkg.scripts?.start ?? '').split(/\s+/)
  const node = words.indexOf('node')
  if (node < 0) return []
  const flags: string[] = []
  for (const word of words.slice(node + 1)) {
    if (!word.startsWith('-')) break
    flags.push(word)
  }
  return flags
}

/** A forked bench server that said it listens. */
export interface ForkedServer {
  child: ChildProcess
  port: number
}

/**
 * The servers a bench script forks: each started with its own node flags and awaited until it
 * listens; all of them stopped together when the script ends or gives up.
 */
export function serverChildren(root: string): {
  start(
    file: string,
    args: string[],
    execArgv: string[],
    env?: Record<string, string>,
  ): Promise<ForkedServer>
  stopAll(): void
} {
  const children: ChildProcess[] = []
  return {
    start(file, args, execArgv, env = {}) {
      const child = fork(file, args, {
        cwd: root,
        execArgv,
        env: { ...process.env, NODE_ENV: 'production', ...env },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      children.push(child)
      return new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before listening`)))
        child.once('error', reject)
        child.on('message', (message: ServerMessage) => {
          if (message.type === 'listening') resolve({ child, port: message.port })
        })
      })
    },
    stopAll() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
    },
  }
}
