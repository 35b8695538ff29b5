import { spawn } from 'node:child_process'
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/demo-apps'
import { DESKTOP_CHROME_UA, IOS_SAFARI_UA, launchChromium, openWechatPage } from '../e2e/harness'
import { freePort } from '../helpers/net'
import { exited, healthy } from '../helpers/processes'

// `npm pack` of both workspaces (each prepack builds its lib/), then two fresh apps that know the
// packages only as tarballs, each with one of them: the Vue app of the README's "Add it to an existing
// app" with the kit, and an Express app that serves it with the proxy and the mock. They live outside
// the project so nothing resolves to its sources. The Vue app adds the proxy as a dev dependency only
// at the end, for the dev plugin.
const ROOT = resolve('.')
const FIXTURES = resolve('test/fixtures/package')
const OPENID = /^o[A-Za-z0-9_-]{27}$/

/** The workspaces and the names of their tarballs in the fixtures' package.json. */
const PACKAGES = { kit: 'client', proxy: 'proxy' } as const
type Packaged = keyof typeof PACKAGES
const TARBALL: Record<Packaged, string> = {
  kit: 'wechat-h5-auth.tgz',
  proxy: 'wechat-h5-auth-proxy.tgz',
}

/** What a tarball may hold besides lib/. */
const DOCS = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']

/** The proxy's server libraries: none may reach an app that only installs the kit. */
const SERVER_LIBRARIES = [
  'express',
  'ioredis',
  'pino',
  'helmet',
  'cors',
  'express-rate-limit',
  'rate-limit-redis',
  '@noble/hashes',
  'wechat-h5-auth-proxy',
]

interface PackedFile {
  path: string
}

/** The environment of a command run in a fresh app: npm's script variables point at this project. */
function freshEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$)/i.test(key),
    ),
  )
}

/** Runs a command to completion; rejects with the end of its output when it fails. */
function run(command: string, args: string[], cwd: string, env = freshEnv()): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', fail)
    child.on('close', (code) => {
      if (code === 0) done(stdout)
      else
        fail(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${output.slice(-4000)}`))
    })
  })
}

function install(dir: string): Promise<string> {
  return run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir)
}

interface Running {
  origin: string
  stop: () => Promise<void>
}

/**
 * Starts a server of a fixture on a free loopback port and waits until the proxy answers. Node runs
 * it directly (no npx in between) so that stopping it stops the server itself.
 */
async function startServer(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  port: number,
): Promise<Running> {
  const origin = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer) => (output += chunk.toString())
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await exited(child)
  }
  running.push(stop)
  if (await healthy(origin, 150, child)) return { origin, stop }
  throw new Error(`${args.join(' ')} did not become healthy:\n${output.slice(-4000)}`)
}

/** Logs in through the mock WeChat in a fresh WeChat tab; the openid shown and the final URL. */
async function logIn(origin: string, path: string) {
  if (!browser) throw new Error('no browser')
  const tab = await openWechatPage(browser)
  try {
    await tab.page.goto(`${origin}${path}`)
    const openid = tab.page.getByTestId('openid')
    await openid.waitFor({ timeout: 30_000 })
    const url = new URL(tab.page.url())
    return {
      openid: await openid.textContent(),
      path: `${url.pathname}${url.search}${url.hash}`,
      authorizeTrips: tab.authorizeTrips(),
      exchanges: tab.exchanges(),
    }
  } finally {
    await tab.close()
  }
}

/** Inside WeChat: signed in through the mock, on the page asked for, without WeChat's parameters. */
async function wechatLogin(origin: string, home: string): Promise<void> {
  const login = await logIn(origin, `${home}?from=singlemessage`)
  expect(login.openid).toMatch(OPENID)
  expect(login.path).toBe(`${home}?from=singlemessage`)
  expect([login.authorizeTrips, login.exchanges]).toEqual([1, 1])
}

/** A phone browser outside WeChat: wechat-h5-auth/ui's open-in-WeChat page, a QR code of the page. */
async function openInWechat(origin: string, home: string): Promise<void> {
  if (!browser) throw new Error('no browser')
  const tab = await openWechatPage(browser, IOS_SAFARI_UA)
  try {
    await tab.page.goto(`${origin}${home}`)
    await tab.page.getByTestId('page-qr').waitFor({ timeout: 30_000 })
    expect(await tab.page.getByTestId('page-link').inputValue()).toBe(tab.page.url())
    expect(tab.authorizeTrips()).toBe(0)
  } finally {
    await tab.close()
  }
}

/** A desktop: the website app's QR login (GET /config offers it; the mock must serve it: no 40013). */
async function pcLogin(origin: string, home: string): Promise<void> {
  if (!browser) throw new Error('no browser')
  const tab = await openWechatPage(browser, DESKTOP_CHROME_UA)
  try {
    await tab.page.goto(`${origin}${home}`)
    await tab.page.getByTestId('wechat-qrconnect').waitFor({ timeout: 30_000 })
    await tab.page.getByTestId('wechat-approve').click()
    const openid = tab.page.getByTestId('openid')
    await openid.waitFor({ timeout: 30_000 })
    expect(await openid.textContent()).toMatch(OPENID)
    expect([tab.qrconnectTrips(), tab.exchanges()]).toEqual([1, 1])
  } finally {
    await tab.close()
  }
}

/** WeChat fails the exchange once: wechat-h5-auth/ui's error view, whose retry signs the user in. */
async function retryWorks(origin: string, home: string): Promise<void> {
  if (!browser) throw new Error('no browser')
  const fault = await fetch(`${origin}/mock-wechat/__control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: 'access_token', mode: 'http500', times: 1 }),
  })
  expect(fault.status).toBe(204)
  const tab = await openWechatPage(browser)
  try {
    await tab.page.goto(`${origin}${home}`)
    await tab.page.getByTestId('auth-error').waitFor({ timeout: 30_000 })
    await tab.page.getByTestId('retry').click()
    await tab.page.getByTestId('openid').waitFor({ timeout: 30_000 })
    expect([tab.authorizeTrips(), tab.exchanges()]).toEqual([2, 2])
  } finally {
    await tab.close()
  }
}

interface Manifest {
  name: string
  exports: Record<string, string | { types: string; import: string }>
  dependencies?: Record<string, string>
}

function manifestOf(which: Packaged): Manifest {
  return JSON.parse(readFileSync(join(PACKAGES[which], 'package.json'), 'utf8')) as Manifest
}

/** The packages installed in a fixture app, by name (scoped ones as `@scope/name`). */
function installed(app: string): Set<string> {
  const modules = join(work, app, 'node_modules')
  return new Set(
    readdirSync(modules).flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
    ),
  )
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

let work: string
const packed: Partial<Record<Packaged, PackedFile[]>> = {}
let express: Running | undefined
/** The same Express app serving the Vue app built with a hash router. */
let expressHash: Running | undefined
let browser: Browser | undefined
/** The Vue app's `npm run typecheck`: undefined when it passed, else its output. */
let typecheck: Promise<string | undefined> | undefined
/** Stops every server started, even those of a beforeAll that failed half-way. */
const running: (() => Promise<void>)[] = []

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wechat-h5-auth-pack-'))
  const workspaces = Object.values(PACKAGES).flatMap((dir) => ['-w', dir])
  const args = ['pack', '--json', '--pack-destination', work, ...workspaces]
  // Lifecycle output (the prepack builds) shares stdout with the JSON: the JSON is the last thing.
  const stdout = await run('npm', args, ROOT, process.env)
  const results = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as {
    name: string
    filename: string
    files: PackedFile[]
  }[]
  for (const which of Object.keys(PACKAGES) as Packaged[]) {
    const { name } = manifestOf(which)
    const result = results.find((r) => r.name === name)
    if (!result) throw new Error(`npm pack printed no result for ${name}`)
    packed[which] = result.files
    renameSync(join(work, result.filename), join(work, TARBALL[which]))
  }
  for (const app of ['vue-app', 'express-app']) {
    cpSync(join(FIXTURES, app), join(work, app), { recursive: true })
  }
  await Promise.all([install(join(work, 'vue-app')), install(join(work, 'express-app'))])
  // The type check (slow, independent of the build) runs beside the rest; its test awaits it.
  typecheck = run('npm', ['run', 'typecheck'], join(work, 'vue-app')).then(
    () => undefined,
    (error: Error) => error.message,
  )
  const vueApp = join(work, 'vue-app')
  await run('npx', ['vite', 'build', '--logLevel', 'error'], vueApp)
  // The same app with a hash router.
  await run(
    'npx',
    ['vite', 'build', '--logLevel', 'error', '--mode', 'hash', '--outDir', 'dist-hash'],
    vueApp,
  )

  /** The README's Express app serving one build of the Vue app. */
  const serve = async (dist: string) => {
    const port = await freePort()
    return startServer(
      ['server.mjs'],
      join(work, 'express-app'),
      {
        PATH: process.env.PATH ?? '',
        WECHAT_MOCK: '1',
        LOG_LEVEL: 'silent',
        APP_DIST: join(vueApp, dist),
        // In mock mode the proxy calls the mock on its own PORT.
        PORT: String(port),
      },
      port,
    )
  }
  express = await serve('dist')
  expressHash = await serve('dist-hash')
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await Promise.all(running.map((stop) => stop()))
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the npm packages', () => {
  it.each(Object.keys(PACKAGES) as Packaged[])(
    'packs %s with its built library and the docs, not the sources or the tests',
    (which) => {
      const paths = (packed[which] ?? []).map((file) => file.path)
      expect(paths.filter((path) => !path.startsWith('lib/') && !DOCS.includes(path))).toEqual([])
      expect(paths).toEqual(expect.arrayContaining(DOCS))
    },
  )

  it.each(Object.keys(PACKAGES) as Packaged[])(
    'has a JS file and a declaration file behind every export of %s',
    (which) => {
      const paths = new Set((packed[which] ?? []).map((file) => file.path))
      const targets = Object.values(manifestOf(which).exports).flatMap((target) =>
        typeof target === 'string' ? [target] : [target.types, target.import],
      )
      expect(targets.length).toBeGreaterThanOrEqual(which === 'kit' ? 11 : 7)
      for (const target of targets) expect(paths).toContain(target.replace(/^\.\//, ''))
    },
  )

  it.each(Object.keys(PACKAGES) as Packaged[])(
    'ships docs in %s whose links work from the registry page (no link relative to the repository)',
    (which) => {
      const docs = (packed[which] ?? []).filter((file) => file.path.endsWith('.md'))
      expect(docs.length).toBeGreaterThan(0)
      for (const { path } of docs) {
        const text = readFileSync(join(PACKAGES[which], path), 'utf8')
        const relative = [...text.matchAll(/\]\(([^)\s]+)/g)]
          .map((match) => match[1]!)
          .filter((target) => !/^(https?:|mailto:|#)/.test(target))
        expect(relative, path).toEqual([])
      }
    },
  )

  it('lists no server library among the kit’s dependencies', () => {
    const dependencies = Object.keys(manifestOf('kit').dependencies ?? {})
    expect(dependencies.filter((name) => SERVER_LIBRARIES.includes(name))).toEqual([])
  })

  it('installs the kit in a Vue app without any server library', () => {
    const modules = installed('vue-app')
    expect(modules.has('wechat-h5-auth')).toBe(true)
    expect(SERVER_LIBRARIES.filter((name) => modules.has(name))).toEqual([])
  })

  it('installs the proxy in an Express-only app without the kit or its peers', () => {
    const modules = installed('express-app')
    expect(modules.has('wechat-h5-auth-proxy')).toBe(true)
    for (const name of ['wechat-h5-auth', 'vue', 'vue-router', 'pinia']) {
      expect(modules.has(name), name).toBe(false)
    }
  })

  it("runs the proxy's bin in the Express app: `npx wechat-h5-auth-proxy keys` makes a 0600 key file the proxy reads", async () => {
    const app = join(work, 'express-app')
    const file = join(app, 'session-keys.json')
    const out = await run('npx', ['wechat-h5-auth-proxy', 'keys', '--file', file], app)
    expect(out).toMatch(/created .* with one ES256 key/)
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys: { d?: string }[] }
    expect(out).not.toContain(keys[0]!.d)
  })

  it('type-checks the Vue app against the package’s declarations', async () => {
    if (!typecheck) throw new Error('the type check did not start')
    expect(await typecheck).toBeUndefined()
  })

  it('keeps server code and the mock’s secrets out of the Vue app’s bundle', () => {
    const bundle = filesUnder(join(work, 'vue-app', 'dist'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n')
    // Booleans: a failure must not print a whole minified bundle.
    expect(bundle.includes('snsapi_base'), 'the kit is in the bundle').toBe(true)
    expect(bundle.includes(DEMO_MP_APP.secret), 'a demo AppSecret is in the bundle').toBe(false)
    // The proxy's call to WeChat (AppSecret + code): server code only.
    expect(bundle.includes('/sns/oauth2/access_token'), 'proxy code is in the bundle').toBe(false)
  })

  describe.each([
    ['the Express recipe, history router', () => express, '/'],
    ['the Express recipe, hash router', () => expressHash, '/#/'],
  ] as const)('an app integrated as the README says: %s', (_name, server, home) => {
    const origin = () => {
      const running = server()
      if (!running) throw new Error('the Express fixture is not running')
      return running.origin
    }
    it("routes by this router's URLs: a public page, with no trip to WeChat", async () => {
      if (!browser) throw new Error('no browser')
      const tab = await openWechatPage(browser)
      try {
        await tab.page.goto(`${origin()}${home}public`)
        await tab.page.getByTestId('public-page').waitFor({ timeout: 30_000 })
        expect(tab.authorizeTrips()).toBe(0)
      } finally {
        await tab.close()
      }
    })
    it('logs in inside WeChat, on a clean URL', () => wechatLogin(origin(), home))
    it('shows the open-in-WeChat page outside WeChat', () => openInWechat(origin(), home))
    it('signs a desktop in with the PC QR login', () => pcLogin(origin(), home))
    it('shows a failed login with a retry that works', () => retryWorks(origin(), home))
  })

  it('shows the profile from wechat-h5-auth/profile after the consent page', async () => {
    if (!express || !browser) throw new Error('the Express fixture is not running')
    const tab = await openWechatPage(browser)
    try {
      await tab.page.goto(`${express.origin}/me`)
      await tab.page.getByTestId('wechat-approve').click()
      const nickname = tab.page.getByTestId('nickname')
      await nickname.waitFor({ timeout: 30_000 })
      expect((await nickname.textContent())?.trim()).not.toBe('')
      expect([tab.authorizeTrips(), tab.exchanges()]).toEqual([1, 1])
    } finally {
      await tab.close()
    }
  })

  it('works under `vite` with the dev plugin from wechat-h5-auth-proxy/vite, history and hash routers', async () => {
    const app = join(work, 'vue-app')
    // As the README says: the server half as a dev dependency, for the dev server only.
    await run(
      'npm',
      ['install', '-D', '--no-audit', '--no-fund', '--prefer-offline', `../${TARBALL.proxy}`],
      app,
    )
    for (const [mode, home] of [
      ['development', '/'],
      ['hash', '/#/'],
    ] as const) {
      const port = await freePort()
      const vite = await startServer(
        [
          join(app, 'node_modules/vite/bin/vite.js'),
          '--config',
          'vite.dev.config.ts',
          '--mode',
          mode,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--strictPort',
        ],
        app,
        { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' },
        port,
      )
      try {
        await wechatLogin(vite.origin, home)
        await openInWechat(vite.origin, home)
        await pcLogin(vite.origin, home)
        await retryWorks(vite.origin, home)
      } finally {
        await vite.stop()
      }
    }
  })
})
