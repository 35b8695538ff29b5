/**
 * The pre-boot redirect, measured: a WeChat visitor's first login in real Chromium with 4x CPU
 * throttling and a slow-3G network, against the built demo served as `npm start` serves it, with and
 * without the pre-boot, in one run.
 *
 *   npx tsx bench/preboot.ts [--runs 3]
 *
 * With the HTTP cache on (a browser keeps the immutable /assets/) and off (a WebView that keeps
 * nothing). Per login: requests for the app's JavaScript (/assets/*.js), how many came over the
 * network, from the cache or were cancelled; the kilobytes of JavaScript over the network; trips to
 * WeChat and exchanges; the time from the first request to the signed-in page ([data-testid="openid"]).
 */
import { cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Browser } from 'playwright-core'
import { launchChromium, openWechatPage } from '../test/e2e/harness'
import {
  buildDemo,
  buildServer,
  DEMO_EXCLUDE,
  startServer,
  type RunningServer,
} from './preboot-app'
import { median } from './stats'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } })
const RUNS = Number(values.runs)
const work = resolve('.tmp-e2e/preboot-bench')

/** The slow-3G profile: 400 ms latency, 400 kbit/s each way (bytes per second for CDP). */
const SLOW_3G = {
  offline: false,
  latency: 400,
  downloadThroughput: 50_000,
  uploadThroughput: 50_000,
}
const CPU_SLOWDOWN = 4

interface Login {
  variant: 'without' | 'with'
  /** `off`: the HTTP cache disabled, as a WebView that keeps nothing between page loads. */
  cache: 'on' | 'off'
  ms: number
  jsRequests: number
  jsNetwork: number
  jsCache: number
  jsCancelled: number
  entryNetwork: number
  jsKB: number
  trips: number
  exchanges: number
}

interface Load {
  url: string
  cache?: boolean
  failed?: boolean
  finished?: boolean
  bytes: number
  wallMs: number
}

async function login(
  browser: Browser,
  server: RunningServer,
  variant: Login['variant'],
  cache: Login['cache'],
): Promise<Login> {
  const tab = await openWechatPage(browser)
  const cdp = await tab.page.context().newCDPSession(tab.page)
  const loads = new Map<string, Load>()
  cdp.on('Network.requestWillBeSent', (e) => {
    loads.set(e.requestId, { url: e.request.url, bytes: 0, wallMs: e.wallTime * 1000 })
  })
  cdp.on('Network.requestServedFromCache', (e) => {
    const load = loads.get(e.requestId)
    if (load) load.cache = true
  })
  cdp.on('Network.responseReceived', (e) => {
    const load = loads.get(e.requestId)
    if (load && (e.response.fromDiskCache || e.response.fromPrefetchCache)) load.cache = true
  })
  cdp.on('Network.loadingFinished', (e) => {
    const load = loads.get(e.requestId)
    if (load) Object.assign(load, { finished: true, bytes: e.encodedDataLength })
  })
  cdp.on('Network.loadingFailed', (e) => {
    const load = loads.get(e.requestId)
    if (load) load.failed = true
  })
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: cache === 'off' })
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })

  await tab.page.goto(`${server.origin}/`, { timeout: 120_000 })
  await tab.page.getByTestId('openid').waitFor({ timeout: 120_000 })
  const signedIn = Date.now()
  const all = [...loads.values()]
  const first = Math.min(...all.map((l) => l.wallMs))
  const js = all.filter((l) => /\/assets\/[^/]+\.js$/.test(new URL(l.url).pathname))
  const network = js.filter((l) => l.finished && !l.cache)
  const result: Login = {
    variant,
    cache,
    ms: signedIn - first,
    jsRequests: js.length,
    jsNetwork: network.length,
    jsCache: js.filter((l) => l.cache).length,
    jsCancelled: js.filter((l) => l.failed).length,
    entryNetwork: network.filter((l) => /\/assets\/index-[^/]+\.js$/.test(l.url)).length,
    jsKB: network.reduce((sum, l) => sum + l.bytes, 0) / 1024,
    trips: tab.authorizeTrips(),
    exchanges: tab.exchanges(),
  }
  await tab.close()
  return result
}

async function main(): Promise<void> {
  console.log('building the demo without and with the pre-boot, and the server…')
  await buildDemo(resolve(work, 'without'), false)
  await buildDemo(resolve(work, 'with'), { exclude: DEMO_EXCLUDE })
  buildServer(resolve(work, 'server'))
  const servers = {
    without: await startServer(resolve(work, 'server'), resolve(work, 'without')),
    with: await startServer(resolve(work, 'server'), resolve(work, 'with')),
  }
  const browser = await launchChromium()
  const logins: Login[] = []
  try {
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, alternating which goes first, so drift on a shared machine hits both alike.
      const order = run % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)
      for (const cache of ['on', 'off'] as const) {
        for (const variant of order) {
          const result = await login(browser, servers[variant], variant, cache)
          logins.push(result)
          console.log(`run ${run + 1} ${JSON.stringify(result)}`)
        }
      }
    }
  } finally {
    await browser.close()
    await servers.without.close()
    await servers.with.close()
  }

  const cases = (['on', 'off'] as const).flatMap((cache) =>
    (['without', 'with'] as const).map((variant) => ({ cache, variant })),
  )
  const rows = cases.map(({ cache, variant }) => {
    const mine = logins.filter((l) => l.variant === variant && l.cache === cache)
    const all = (key: keyof Login) => mine.map((l) => l[key] as number)
    const same = (key: keyof Login) => {
      const xs = all(key)
      return xs.every((x) => x === xs[0]) ? String(xs[0]) : xs.join('/')
    }
    const ms = all('ms')
    return (
      `| ${cache} | ${variant} | ${(median(ms) / 1000).toFixed(2)} | ` +
      `${ms.map((x) => (x / 1000).toFixed(2)).join(' / ')} | ${same('jsRequests')} | ` +
      `${same('jsNetwork')} | ${same('jsCache')} | ${same('jsCancelled')} | ` +
      `${same('entryNetwork')} | ${median(all('jsKB')).toFixed(0)} | ${same('trips')} | ` +
      `${same('exchanges')} |`
    )
  })
  console.log(
    `
| HTTP cache | pre-boot | median s | each run s | JS requests | over network | from cache | cancelled | entry over network | JS KB over network | trips | exchanges |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

${RUNS} runs each, interleaved; Chromium ${browser.version()}, CPU ${CPU_SLOWDOWN}x slower, network ` +
      `${SLOW_3G.latency} ms latency, ${(SLOW_3G.downloadThroughput * 8) / 1000} kbit/s each way
machine: ${cpus()[0]?.model} x ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GB, ` +
      `Node ${process.version}, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
