/**
 * The demo built as `npm run build` builds it, with or without the pre-boot redirect, and served as
 * `npm start` serves it (WECHAT_MOCK=1, loopback). Shared by bench/preboot.ts and test/e2e/preboot.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { build } from 'vite'
import { wechatAuthDev, type PrebootOptions } from '../proxy/host/vite-plugin'
import { freePort } from '../test/helpers/net'
import { healthy } from '../test/helpers/processes'

/** The demo's pages that need no login. */
export const DEMO_EXCLUDE = ['/public', '/login']

/** Builds the demo into `dir`/dist: the plugin list of vite.config.ts, plus `preboot`. */
export async function buildDemo(dir: string, preboot: false | PrebootOptions): Promise<void> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  await build({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    plugins: [vue(), wechatAuthDev({ env: { WECHAT_MOCK: '1' }, preboot })],
    build: { outDir: resolve(dir, 'dist'), emptyOutDir: true },
  })
}

/** Compiles the server (`tsc -p tsconfig.server.json`) into `dir`/dist-server. */
export function buildServer(dir: string): void {
  const result = spawnSync(
    'npx',
    ['tsc', '-p', 'tsconfig.server.json', '--outDir', resolve(dir, 'dist-server')],
    { encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`)
}

export interface RunningServer {
  origin: string
  child: ChildProcess
  close: () => Promise<void>
}

/** `npm start` with WECHAT_MOCK=1 on a free loopback port, serving `appDir`/dist. */
export async function startServer(serverDir: string, appDir: string): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [resolve(serverDir, 'dist-server/proxy/host/server.js')], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      WECHAT_MOCK: '1',
      LOG_LEVEL: 'silent',
      PORT: String(port),
    },
    stdio: 'pipe',
  })
  const origin = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const close = async () => {
    if (child.exitCode === null) child.kill()
    await exited
  }
  if (await healthy(origin, 100)) return { origin, child, close }
  await close()
  throw new Error('the server did not become healthy')
}
