/**
 * A WeChat visitor's first login, as they feel it: real Chromium with a WeChat iPhone user agent and
 * a fresh browser context per login, on an emulated phone network (CDP), against a seed-style
 * server-side login in the same run (bench/ssr-server.ts: redirect, exchange on the callback,
 * render; no JavaScript), which is the floor WeChat's own hops set. Figures: docs/benchmarks.md.
 *
 *   npm run bench:login   (npx tsx bench/login.ts [--rounds 5])
 *
 * The demo is built as `npm run build` builds it (vite.config.ts, mock WeChat) and served as
 * `npm start` serves it (WECHAT_MOCK=1); both servers run on loopback in their own processes, each
 * with the mock WeChat on its own origin. Cases, each a median over `--rounds` interleaved rounds
 * whose order alternates (demo first, then baseline first):
 *
 * - slow 3G (400 ms, 400 kbit/s) and 4G (50 ms, 9 Mbit/s), HTTP cache on;
 * - slow 3G with the cache off (a WebView that keeps nothing);
 * - a repeat visit on slow 3G: the same context signed in (session cached, assets cached), the page
 *   opened again.
 *
 * Time: from the navigation's start to the openid on the page (a MutationObserver in the page). The goal of each case is the median of
 * the per-round ratios demo / baseline (issue 16). Also per login: requests, kilobytes over the
 * network (what the server sent, compressed or not), trips to WeChat and exchanges. Exits 0 whatever
 * the figures (benchmarks inform, tests assert), 1 when it could not run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { build as esbuild } from 'esbuild'
import type { Browser, CDPSession } from 'playwright-core'
import { build } from 'vite'
import { launchChromium, openWechatPage, type TrackedPage } from '../test/e2e/harness'
import { freePort } from '../test/helpers/net'
import { buildServer, startServer, type RunningServer } from './preboot-app'
import { intOption } from './ipc'

const { values } = parseArgs({ options: { rounds: { type: 'string' } } })
const rounds = intOption(values.rounds, 'rounds', 5, 1, 20)
const work = resolve('.tmp-e2e/login-bench')

/** CDP's throughputs are bytes per second. */
const PROFILES = {
  'slow 3G': { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 },
  '4G': { offline: false, latency: 50, downloadThroughput: 1_125_000, uploadThroughput: 1_125_000 },
} as const
type Profile = keyof typeof PROFILES

interface Case {
  name: string
  profile: Profile
  cache: boolean
  repeat: boolean
  goal: number
}
const CASES: Case[] = [
  { name: 'slow 3G', profile: 'slow 3G', cache: true, repeat: false, goal: 1.6 },
  { name: '4G', profile: '4G', cache: true, repeat: false, goal: 2.0 },
  { name: 'slow 3G, cache off', profile: 'slow 3G', cache: false, repeat: false, goal: 2.0 },
  { name: 'repeat visit (slow 3G)', profile: 'slow 3G', cache: true, repeat: true, goal: 1.1 },
]

type Side = 'demo' | 'baseline'

interface Login {
  ms: number
  requests: number
  kb: number
  trips: number
  exchanges: number
}

/** Bytes each response took on the wire (headers and body as sent: compressed when it was). */
function wireBytes(cdp: CDPSession): () => number {
  const bytes = new Map<string, number>()
  cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength))
  return () => [...bytes.values()].reduce((sum, n) => sum + n, 0)
}

async function emulate(tab: TrackedPage, c: Case): Promise<CDPSession> {
  const cdp = await tab.page.context().newCDPSession(tab.page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: !c.cache })
  await cdp.send('Network.emulateNetworkConditions', PROFILES[c.profile])
  return cdp
}

/**
 * Opens `url` and resolves to the epoch time (ms) at which the openid appeared in the page, as the
 * page's own clock saw it: Playwright's wait resolves up to a round trip later on an emulated
 * network, which would be measured as the login's.
 */
async function signedIn(tab: TrackedPage, url: string): Promise<number> {
  await tab.page.goto(url, { waitUntil: 'commit', timeout: 120_000 })
  await tab.page.getByTestId('openid').waitFor({ timeout: 120_000 })
  return tab.page.evaluate(() => (window as unknown as { openidShownAt: number }).openidShownAt)
}

/** Records in every document of the page when the openid first shows (bench/ssr-server.ts too). */
function watchForOpenid(): void {
  new MutationObserver((_, observer) => {
    if (!document.querySelector('[data-testid="openid"]')) return
    ;(window as unknown as { openidShownAt: number }).openidShownAt =
      performance.timeOrigin + performance.now()
    observer.disconnect()
  }).observe(document, { subtree: true, childList: true })
}

async function login(browser: Browser, url: string, c: Case): Promise<Login> {
  const tab = await openWechatPage(browser)
  await tab.page.addInitScript(watchForOpenid)
  try {
    // A repeat visit: signed in once (unmeasured, no emulation), then the page opened again.
    if (c.repeat) {
      await signedIn(tab, url)
      await tab.settled()
    }
    const before = {
      requests: tab.requests.length,
      trips: tab.authorizeTrips(),
      exchanges: tab.exchanges(),
    }
    const cdp = await emulate(tab, c)
    const bytes = wireBytes(cdp)
    const started = Date.now()
    const ms = (await signedIn(tab, url)) - started
    await tab.settled()
    return {
      ms,
      requests: tab.requests.length - before.requests,
      kb: bytes() / 1024,
      trips: tab.authorizeTrips() - before.trips,
      exchanges: tab.exchanges() - before.exchanges,
    }
  } finally {
    await tab.close()
  }
}

/** The demo built as `npm run build` builds it, against the mock WeChat. */
async function buildDemo(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  process.env.WECHAT_MOCK = '1'
  await build({
    configFile: resolve('vite.config.ts'),
    logLevel: 'error',
    build: { outDir: resolve(dir, 'dist'), emptyOutDir: true },
  })
}

async function startBaseline(): Promise<{ origin: string; close: () => Promise<void> }> {
  const file = resolve('node_modules/.cache/wechat-h5-auth-bench/ssr-server.mjs')
  await esbuild({
    entryPoints: [resolve('bench/ssr-server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: file,
    logLevel: 'warning',
  })
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [file, String(port)], { stdio: 'pipe' })
  await new Promise<void>((ready, fail) => {
    child.stdout?.once('data', () => ready())
    child.once('exit', (code) => fail(new Error(`the baseline server exited (${code})`)))
  })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode === null) child.kill()
      await exited
    },
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  console.log('building the demo (vite.config.ts) and the server…')
  await buildDemo(resolve(work, 'app'))
  buildServer(resolve(work, 'server'))
  let demo: RunningServer | undefined
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined
  let browser: Browser | undefined
  let version: string | undefined
  const results = new Map<string, { demo: Login[]; baseline: Login[] }>()
  try {
    demo = await startServer(resolve(work, 'server'), resolve(work, 'app'))
    baseline = await startBaseline()
    browser = await launchChromium()
    version = browser.version()
    const urls: Record<Side, string> = {
      demo: `${demo.origin}/`,
      baseline: `${baseline.origin}/ssr/`,
    }
    // One unmeasured login each: the servers' JIT and first connections are a cold start, not a login.
    for (const side of ['demo', 'baseline'] as const) await login(browser, urls[side], CASES[1]!)
    for (let round = 1; round <= rounds; round++) {
      for (const c of CASES) {
        const order: Side[] = round % 2 ? ['demo', 'baseline'] : ['baseline', 'demo']
        const entry = results.get(c.name) ?? { demo: [], baseline: [] }
        results.set(c.name, entry)
        for (const side of order) {
          const result = await login(browser, urls[side], c)
          entry[side].push(result)
          console.log(`round ${round} ${c.name} ${side}: ${JSON.stringify(result)}`)
        }
      }
    }
  } finally {
    await browser?.close()
    await demo?.close()
    await baseline?.close()
  }

  const rows = CASES.map((c) => {
    const { demo: mine, baseline: theirs } = results.get(c.name)!
    const ratios = mine.map((login, i) => login.ms / theirs[i]!.ms)
    const ratio = median(ratios)
    const s = (logins: Login[]) => (median(logins.map((l) => l.ms)) / 1000).toFixed(2)
    const same = (logins: Login[], key: keyof Login) => {
      const xs = logins.map((l) => Math.round(l[key]))
      return xs.every((x) => x === xs[0]) ? String(xs[0]) : `${Math.min(...xs)}-${Math.max(...xs)}`
    }
    return (
      `| ${c.name} | ${s(mine)} | ${s(theirs)} | ${ratio.toFixed(2)}x | <= ${c.goal.toFixed(1)}x | ` +
      `${ratio <= c.goal ? 'PASS' : 'FAIL'} | ${ratios.map((r) => r.toFixed(2)).join(' ')} | ` +
      `${same(mine, 'requests')} / ${same(theirs, 'requests')} | ` +
      `${same(mine, 'kb')} / ${same(theirs, 'kb')} | ${same(mine, 'trips')} | ${same(mine, 'exchanges')} |`
    )
  })
  console.log(
    `
| case | demo s | server-side s | ratio (median of rounds) | goal | result | per round | requests demo / server-side | KB demo / server-side | trips | exchanges |
| --- | --: | --: | --: | --: | --- | --- | --: | --: | --: | --: |
${rows.join('\n')}

${rounds} rounds, interleaved; Chromium ${version}, WeChat iPhone user agent, fresh context per login
machine: ${cpus()[0]?.model} x ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ` +
      `load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
