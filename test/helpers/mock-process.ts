/**
 * The mock WeChat as its own process, exactly as `npm run mock` runs it (`proxy/host/server.ts --mock-only`
 * with MOCK_PORT set to a free loopback port), for suites where several proxy instances must share one
 * WeChat.
 *
 *   const mock = await startMockProcess()
 *   mock.baseUrl                                 // http://127.0.0.1:PORT/mock-wechat (WECHAT_API_BASE)
 *   const [code] = await mock.control.codes({ count: 1 })
 *   await mock.stop()                            // in afterAll
 *
 * It runs in an empty temporary folder with a minimal environment, so a developer's `.env` cannot
 * change its apps. Every wait is bounded; a process still running when the tests exit is killed.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mockControlClient } from './mock-server.js'
import type { MockControl } from './mock-server.js'
import { onFreePort } from './net.js'
import { exited, killedOnExit } from './processes.js'

export interface RunningMockProcess {
  /** `http://127.0.0.1:PORT/mock-wechat` */
  baseUrl: string
  control: MockControl
  stop(): Promise<void>
}

const SERVER = fileURLToPath(new URL('../../proxy/host/server.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const START_TIMEOUT_MS = 20_000

/** Starts `proxy/host/server.ts --mock-only` on `port`; resolves when it says it listens. */
function launch(port: number, cwd: string): Promise<ChildProcess> {
  // node --import tsx, not the tsx CLI: one process, so killing it leaves nothing behind.
  const child = spawn(process.execPath, ['--import', TSX, SERVER, '--mock-only'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', MOCK_PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killedOnExit(child)
  let output = ''
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`the mock WeChat process ${why}:\n${output}`))
    }
    const timer = setTimeout(() => fail('did not start in time'), START_TIMEOUT_MS)
    const read = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
      if (output.includes(`:${port}/mock-wechat`)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`))
  })
}

export async function startMockProcess(): Promise<RunningMockProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'wechat-h5-auth-mock-'))
  const { port, started: child } = await onFreePort((port) => launch(port, cwd)).catch(
    (error: unknown) => {
      rmSync(cwd, { recursive: true, force: true })
      throw error
    },
  )
  const baseUrl = `http://127.0.0.1:${port}/mock-wechat`
  return {
    baseUrl,
    control: mockControlClient(baseUrl),
    async stop() {
      child.kill('SIGKILL')
      await exited(child)
      rmSync(cwd, { recursive: true, force: true })
    },
  }
}
