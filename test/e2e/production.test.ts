import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startFlags } from '../../bench/ipc'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/demo-apps'
import { freePort } from '../helpers/net'
import { healthy } from '../helpers/processes'
import { startMockProcess, type RunningMockProcess } from '../helpers/mock-process'
import { startRedisServer } from '../helpers/redis-server'
import { DESKTOP_CHROME_UA, launchChromium, openWechatPage } from './harness'
import { PAGE_SCRIPTS_FILE } from '../../proxy/host/page-scripts'

// `npm run build` then `npm start`, built into a scratch folder inside the project so that node_modules
// resolves and the developer's own dist/ is left alone.
const work = resolve('.tmp-e2e/production')
const serverEntry = resolve(work, 'dist-server/proxy/host/server.js')

/** Secrets in the build's environment, as a careless CI would have them; none may reach dist/. */
const BUILD_SECRETS = {
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_SECRET: 'feedfacecafebeef0123456789abcdef',
  WECHAT_WEB_APPID: 'wxfedcba9876543210',
  WECHAT_WEB_SECRET: 'deadbeefdeadbeef0123456789abcdef',
  SESSION_SECRET: 'build-env-session-secret-0123456789-abcdefghij',
  VITE_WECHAT_SECRET: 'vite-prefixed-secret-0123456789abcdef',
}

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, {
    stdio: 'pipe',
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`)
}

/** node's flags as `npm start` passes them (package.json), so the server runs exactly as there. */
const nodeFlags = startFlags(resolve('.') + '/')

function startServer(env: Record<string, string>, cwd = work): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, serverEntry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'silent', ...env },
    stdio: 'pipe',
  })
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((done) => child.on('exit', (code) => done({ code, stderr })))
}

/**
 * The proxy alone as `npm start` runs it in production: the demo official account's credentials, a
 * SESSION_SECRET, no dist/ to serve, on a free port; `env` adds to or overrides that.
 */
async function startProxyOnly(
  env: Record<string, string>,
): Promise<{ proxy: ChildProcess; origin: string }> {
  const port = await freePort()
  const empty = resolve(work, 'no-dist')
  mkdirSync(empty, { recursive: true })
  const proxy = startServer(
    {
      WECHAT_APPID: DEMO_MP_APP.appid,
      WECHAT_SECRET: DEMO_MP_APP.secret,
      SESSION_SECRET: 's'.repeat(40),
      PORT: String(port),
      ...env,
    },
    empty,
  )
  return { proxy, origin: `http://127.0.0.1:${port}` }
}

beforeAll(() => {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  // What a deployment builds: its appid (baked into the pre-boot redirect) and, carelessly, secrets.
  run(
    'npx',
    ['vite', 'build', '--logLevel', 'error', '--outDir', resolve(work, 'secrets/dist')],
    BUILD_SECRETS,
  )
  // What the mock-mode server below serves: a build for the mock WeChat.
  run('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', resolve(work, 'dist')], {
    WECHAT_MOCK: '1',
  })
  run('npx', ['tsc', '-p', 'tsconfig.server.json', '--outDir', resolve(work, 'dist-server')])
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

describe('npm run build', () => {
  it("puts no secret from the environment, nor the mock's demo secrets, in dist/", () => {
    const files = filesUnder(resolve(work, 'secrets/dist'))
    expect(files.some((file) => file.endsWith('.js'))).toBe(true)
    const secrets = [
      BUILD_SECRETS.WECHAT_SECRET,
      BUILD_SECRETS.WECHAT_WEB_SECRET,
      BUILD_SECRETS.SESSION_SECRET,
      BUILD_SECRETS.VITE_WECHAT_SECRET,
      DEMO_MP_APP.secret,
      DEMO_WEB_APP.secret,
    ]
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const secret of secrets) expect(text, file).not.toContain(secret)
    }
  })
})

describe('npm start (production)', () => {
  it('refuses to start without credentials or SESSION_SECRET, naming each and no value', async () => {
    const { code, stderr } = await exitOf(
      startServer({ WECHAT_APPID: 'wx8a9b0c1d2e3f4a5b', SESSION_SECRET: 'too-short-secret-value' }),
    )
    expect(code).toBe(1)
    expect(stderr).toContain('WECHAT_SECRET')
    expect(stderr).toContain('SESSION_SECRET')
    expect(stderr).not.toContain('too-short-secret-value')
    expect(stderr).not.toContain('wx8a9b0c1d2e3f4a5b')
  })

  it('refuses to serve a build made for another appid, naming both', async () => {
    // dist/ built for the production appid, started against the mock: every login would go astray.
    const { code, stderr } = await exitOf(
      startServer({ WECHAT_MOCK: '1', PORT: String(await freePort()) }, resolve(work, 'secrets')),
    )
    expect(code).toBe(1)
    expect(stderr).toContain(`built for appid ${BUILD_SECRETS.WECHAT_APPID}`)
    expect(stderr).toContain(DEMO_MP_APP.appid)
    expect(stderr).not.toContain(BUILD_SECRETS.WECHAT_SECRET)
  })

  it('writes every line through its logger: hostile asset URLs get a plain 4xx, no forged line, no stack', async () => {
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const child = startServer({ WECHAT_MOCK: '1', PORT: String(port), LOG_LEVEL: 'debug' })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      if (!(await healthy(origin, 100))) throw new Error('the production server did not start')
      const forged = encodeURIComponent('\n{"level":60,"msg":"store_unreachable"}\n')
      const hostile = [
        [`/assets/${forged}.js`, 404],
        ['/assets/%E0%A4%A.js', 400],
        // Outside /assets too: the final handler's plain answer, not Express's HTML page.
        ['/favicon.ico', 404],
        [`/${forged}`, 200],
      ] as const
      for (const [path, status] of hostile) {
        const res = await fetch(`${origin}${path}`, { headers: { accept: 'text/html' } })
        expect(res.status, path).toBe(status)
        if (status !== 200) expect(await res.text(), path).toMatch(/^(Not Found|Bad Request)$/)
      }
      const lines = output.split('\n').filter(Boolean)
      // Every line is one JSON object of the logger; none is the client's, none a stack frame.
      for (const line of lines) {
        expect(() => JSON.parse(line) as unknown, line).not.toThrow()
        expect((JSON.parse(line) as { name?: string }).name, line).toBe('wechat-h5-auth')
      }
      expect(lines.some((line) => line.startsWith('{"level":60'))).toBe(false)
      expect(output).not.toMatch(/\n\s+at /)
    } finally {
      child.kill()
    }
  })

  it('stops gracefully on SIGTERM: logins in flight against a slow WeChat all finish, then exit 0', async () => {
    // WeChat in its own process (npm run mock), as in production: a stopping proxy must still
    // reach it for the exchanges it has under way.
    const mock = await startMockProcess()
    const { proxy, origin } = await startProxyOnly({ WECHAT_API_BASE: mock.baseUrl })
    const exit = exitOf(proxy)
    try {
      if (!(await healthy(origin, 100))) throw new Error('the proxy did not start')
      await mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 1500 })
      const codes = await mock.control.codes({ count: 10 })
      const logins = codes.map((code) =>
        fetch(`${origin}/api/wechat/openid`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { session?: string },
        })),
      )
      // All ten are waiting on WeChat when the deploy's SIGTERM arrives.
      await new Promise((done) => setTimeout(done, 500))
      const sent = Date.now()
      proxy.kill('SIGTERM')
      await new Promise((done) => setTimeout(done, 200))
      // No new connections once stopping.
      await expect(fetch(`${origin}/api/wechat/healthz`)).rejects.toThrow()
      const answers = await Promise.all(logins)
      expect(answers.map((a) => a.status)).toEqual(codes.map(() => 200))
      expect(answers.every((a) => typeof a.body.session === 'string')).toBe(true)
      expect((await exit).code).toBe(0)
      expect(Date.now() - sent).toBeLessThan(10_000)
    } finally {
      proxy.kill('SIGKILL')
      await mock.stop()
    }
  })

  it('stops at its bound when a request never finishes: the connection is cut, exit 0', async () => {
    const port = await freePort()
    // WECHAT_TIMEOUT_MS 100: the bound is 3 x 100 ms + 5 s.
    const proxy = startServer({
      WECHAT_MOCK: '1',
      WECHAT_TIMEOUT_MS: '100',
      PORT: String(port),
      LOG_LEVEL: 'info',
    })
    let output = ''
    proxy.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exit = exitOf(proxy)
    try {
      if (!(await healthy(`http://127.0.0.1:${port}`, 100, proxy))) throw new Error('no start')
      // A client that sends half a body and then nothing: its request stays in flight.
      const socket = connect(port, '127.0.0.1')
      await new Promise((done) => socket.once('connect', done))
      const cut = new Promise<void>((done) => socket.once('close', () => done()))
      socket.on('error', () => {})
      socket.write(
        'POST /api/wechat/openid HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"code":',
      )
      await new Promise((done) => setTimeout(done, 200))
      const sent = Date.now()
      proxy.kill('SIGTERM')
      expect((await exit).code).toBe(0)
      const took = Date.now() - sent
      await cut
      expect(took).toBeGreaterThanOrEqual(5_300)
      expect(took).toBeLessThan(8_000)
      expect(output).toContain('requests still in flight at the bound')
    } finally {
      proxy.kill('SIGKILL')
    }
  })

  it('listens only once its Redis answers, so a new instance in a deploy answers no 503', async () => {
    const redis = await startRedisServer()
    await redis.kill()
    const { proxy, origin } = await startProxyOnly({ REDIS_URL: redis.url })
    try {
      // Long enough for a server that listens at once to be listening (start-up takes ~0.5 s).
      await new Promise((done) => setTimeout(done, 1_500))
      expect(proxy.exitCode).toBe(null)
      await expect(fetch(`${origin}/api/wechat/healthz`)).rejects.toThrow()
      await redis.restart()
      expect(await healthy(origin, 100, proxy)).toBe(true)
    } finally {
      proxy.kill('SIGKILL')
      await redis.stop()
    }
  })

  it('serves /index.html itself as never cached, like every page', async () => {
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const child = startServer({ WECHAT_MOCK: '1', PORT: String(port) })
    try {
      if (!(await healthy(origin, 100))) throw new Error('the production server did not start')
      for (const encoding of ['gzip, br', 'identity']) {
        const res = await fetch(`${origin}/index.html`, {
          headers: { 'accept-encoding': encoding },
        })
        expect(res.headers.get('cache-control'), encoding).toBe('no-cache')
      }
    } finally {
      child.kill()
    }
  })

  describe('with WECHAT_MOCK=1', () => {
    let child: ChildProcess
    let origin: string
    let browser: Browser

    beforeAll(async () => {
      const port = await freePort()
      origin = `http://127.0.0.1:${port}`
      child = startServer({ WECHAT_MOCK: '1', PORT: String(port) })
      if (!(await healthy(origin, 100)))
        throw new Error('the production server did not become healthy')
      browser = await launchChromium()
    })
    afterAll(async () => {
      await browser?.close()
      child?.kill()
    })

    it('serves the built demo, which signs in through the mock in one exchange', async () => {
      const tab = await openWechatPage(browser)
      await tab.page.goto(`${origin}/`)
      await tab.page.getByTestId('openid').waitFor()
      expect(await tab.page.getByTestId('openid').textContent()).toMatch(/^o[A-Za-z0-9_-]{27}$/)
      expect(tab.exchanges()).toBe(1)
      expect(new URL(tab.page.url()).search).toBe('')
      await tab.close()
    })

    it('configures the JS-SDK on /share under its CSP, with the script host the CSP allows', async () => {
      const tab = await openWechatPage(browser)
      const refused: string[] = []
      tab.page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
      })
      await tab.page.goto(`${origin}/share`)
      await tab.page.locator('[data-testid="jssdk-status"][data-status="ready"]').waitFor()
      // Set once share() has resolved, just after the status.
      await expect
        .poll(() => tab.page.getByTestId('share-link').textContent())
        .toBe(`${origin}/share`)
      expect(refused).toEqual([])
      await tab.close()
    })

    it('sends security headers with the SPA: CSP without inline script but the pre-boot, no referrer, no framing', async () => {
      const response = await fetch(`${origin}/`, { headers: { accept: 'text/html' } })
      const csp = response.headers.get('content-security-policy') ?? ''
      // The demo's build declares one inline script, the pre-boot redirect, by its hash.
      const { scriptHashes } = JSON.parse(
        readFileSync(resolve(work, 'dist', PAGE_SCRIPTS_FILE), 'utf8'),
      ) as { scriptHashes: string[] }
      expect(scriptHashes).toHaveLength(1)
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))
      expect(scriptSrc?.trim()).toBe(`script-src 'self' '${scriptHashes[0]}'`)
      expect(csp).toContain("frame-ancestors 'none'")
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    })

    it('serves deep links from index.html', async () => {
      const response = await fetch(`${origin}/public`, { headers: { accept: 'text/html' } })
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('<div id="app">')
    })
  })
})

describe('the embedded PC QR login with WeChat on another origin (npm start)', () => {
  // Real WeChat serves the QR page from open.weixin.qq.com: here a mock on its own origin stands in,
  // and the proxy is configured with its credentials and hosts as it would be with WeChat's.
  let mock: RunningMockProcess
  let proxy: ChildProcess
  let origin: string
  let browser: Browser

  beforeAll(async () => {
    mock = await startMockProcess()
    const mockBase = mock.baseUrl
    const dir = resolve(work, 'cross-origin')
    const env = {
      WECHAT_APPID: DEMO_MP_APP.appid,
      WECHAT_WEB_APPID: DEMO_WEB_APP.appid,
      WECHAT_OPEN_BASE: mockBase,
    }
    run('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', resolve(dir, 'dist')], env)
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    proxy = startServer(
      {
        ...env,
        // Plain http on loopback: production would upgrade the mock's http frame to https.
        NODE_ENV: 'development',
        WECHAT_SECRET: DEMO_MP_APP.secret,
        WECHAT_WEB_SECRET: DEMO_WEB_APP.secret,
        WECHAT_API_BASE: mockBase,
        PORT: String(port),
      },
      dir,
    )
    if (!(await healthy(origin, 100))) throw new Error('the proxy did not start')
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    proxy?.kill()
    await mock?.stop()
  })

  it('frames the QR page under the CSP and signs the desktop visitor in', async () => {
    const tab = await openWechatPage(browser, DESKTOP_CHROME_UA)
    const refused: string[] = []
    tab.page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) refused.push(m.text())
    })
    try {
      await tab.page.goto(`${origin}/login`)
      const frame = tab.page.frameLocator('[data-testid="pc-qr-login"] iframe')
      await frame.getByTestId('wechat-qrconnect').waitFor({ timeout: 30_000 })
      await frame.getByTestId('wechat-approve').click()
      await tab.page.getByTestId('openid').waitFor({ timeout: 30_000 })
      expect(refused).toEqual([])
      expect([tab.qrconnectTrips(), tab.exchanges()]).toEqual([1, 1])
    } finally {
      await tab.close()
    }
  })
})
