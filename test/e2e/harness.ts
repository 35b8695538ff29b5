import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { freePort } from '../helpers/net'
import { mockControlClient } from '../helpers/mock-server'
import type { MockControl } from '../helpers/mock-server'
import { chromium, type Browser, type Page, type Request } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import type { WechatAuthDevOptions } from '../../proxy/host/vite-plugin'

export const WECHAT_IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Mobile/15E148 MicroMessenger/8.0.49(0x18003135) NetType/WIFI Language/zh_CN'

export const WECHAT_ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 ' +
  '(KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1260183 ' +
  'MMWEBSDK/20240501 MMWEBID/207 MicroMessenger/8.0.50.2701(0x2800325B) WeChat/arm64 Weixin ' +
  'NetType/WIFI Language/zh_CN ABI/arm64'

export const IOS_SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.5 Mobile/15E148 Safari/604.1'

export const WECOM_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light'

export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/131.0.0.0 Safari/537.36'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/**
 * `npm run dev` in-process: the demo, the proxy and the mock WeChat on one loopback port. `plugin`:
 * more options of the dev plugin (e.g. `preboot`); `port`: a port chosen beforehand (two servers
 * that name each other in their configuration), else a free one.
 */
export async function startDevServer(
  env: Record<string, string> = {},
  plugin: Omit<WechatAuthDevOptions, 'env'> = {},
  port?: number,
): Promise<{
  origin: string
  close: () => Promise<void>
}> {
  port ??= await freePort()
  const { wechatAuthDev } = await import('../../proxy/host/vite-plugin')
  const vue = (await import('@vitejs/plugin-vue')).default
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    plugins: [vue(), wechatAuthDev({ ...plugin, env: { LOG_LEVEL: 'silent', ...env } })],
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
  })
  await server.listen()
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

export interface TrackedPage {
  page: Page
  /** Every request the page made, in order. */
  requests: Request[]
  /**
   * Resolves once no request of the page is in flight and none has started for QUIET_MS: the flow
   * has stopped (the kit has no timers, so a next step would follow a response or a navigation).
   * Call it after the final state shows, then check that nothing more happened. Fails after
   * SETTLE_TIMEOUT_MS, naming what is still in flight.
   */
  settled: () => Promise<void>
  exchanges: () => number
  authorizeTrips: () => number
  /** Page loads of WeChat's PC QR-code login (qrconnect), full page or in an iframe. */
  qrconnectTrips: () => number
  /** Headers and bodies of every proxy (/api/wechat) response, for leak checks. */
  proxyResponses: () => Promise<string[]>
  close: () => Promise<void>
}

/** How long the network of a page must stay idle for its flow to count as stopped. */
const QUIET_MS = 250
const SETTLE_TIMEOUT_MS = 10_000

/** A phone-sized page with WeChat's user agent whose requests are recorded. */
export async function openWechatPage(
  browser: Browser,
  userAgent: string = WECHAT_IOS_UA,
): Promise<TrackedPage> {
  const desktop = /Windows|Macintosh/.test(userAgent)
  const context = await browser.newContext({
    userAgent,
    viewport: desktop ? { width: 1280, height: 800 } : { width: 390, height: 844 },
    deviceScaleFactor: desktop ? 1 : 2,
    isMobile: !desktop,
    hasTouch: !desktop,
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  const requests: Request[] = []
  const inFlight = new Set<Request>()
  let lastActivity = Date.now()
  page.on('request', (request) => {
    requests.push(request)
    inFlight.add(request)
    // A redirect is a new request: the one it follows is over.
    const previous = request.redirectedFrom()
    if (previous) inFlight.delete(previous)
    lastActivity = Date.now()
  })
  const over = (request: Request) => {
    inFlight.delete(request)
    lastActivity = Date.now()
  }
  page.on('requestfinished', over)
  page.on('requestfailed', over)
  async function settled(): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS
    for (;;) {
      const quietFor = Date.now() - lastActivity
      if (inFlight.size === 0 && quietFor >= QUIET_MS) return
      if (Date.now() > deadline) {
        const urls = [...inFlight].map((r) => r.url())
        throw new Error(`the page did not settle in ${SETTLE_TIMEOUT_MS} ms; in flight: ${urls}`)
      }
      await sleep(inFlight.size === 0 ? QUIET_MS - quietFor : 25)
    }
  }
  const proxyResponses: Promise<string>[] = []
  page.on('response', (response) => {
    if (!response.url().includes('/api/wechat/')) return
    proxyResponses.push(
      response.text().then(
        (body) => `${JSON.stringify(response.headers())}\n${body}`,
        () => JSON.stringify(response.headers()),
      ),
    )
  })
  const count = (match: (r: Request) => boolean) => () => requests.filter(match).length
  return {
    page,
    requests,
    settled,
    exchanges: count((r) => r.method() === 'POST' && r.url().endsWith('/api/wechat/openid')),
    authorizeTrips: count(
      (r) =>
        r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/connect/oauth2/authorize'),
    ),
    qrconnectTrips: count(
      (r) => r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/connect/qrconnect'),
    ),
    proxyResponses: () => Promise.all(proxyResponses),
    close: () => context.close(),
  }
}

export interface DemoContext {
  origin: string
  browser: Browser
  /** The mock WeChat's control endpoints (docs/architecture.md#the-mock-wechat) on the dev server. */
  mock: MockControl
  /** A fresh WeChat tab for each test (closed after it). */
  tab: TrackedPage
  /** Closes the current tab and opens another (same browser, new storage), with `userAgent`. */
  newTab: (userAgent?: string) => Promise<TrackedPage>
}

/**
 * Registers the hooks of a browser suite against `npm run dev` in-process: one dev server and one
 * Chromium per file, the mock WeChat reset (unless `resetMock` is false) and a new tab before each
 * test. A suite whose proxy caches what the mock issued (the basic token and the jsapi_ticket, shared
 * by every browser as on a real server) keeps the mock as it is: a reset would make the mock forget
 * a ticket the proxy still holds, which real WeChat never does.
 */
export function useDemo(
  env: Record<string, string> = {},
  plugin: Omit<WechatAuthDevOptions, 'env'> = {},
  { resetMock = true }: { resetMock?: boolean } = {},
): DemoContext {
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined
  const ctx = {} as DemoContext
  ctx.newTab = async (userAgent) => {
    await ctx.tab?.close()
    ctx.tab = await openWechatPage(ctx.browser, userAgent)
    return ctx.tab
  }
  beforeAll(async () => {
    server = await startDevServer(env, plugin)
    ctx.origin = server.origin
    ctx.mock = mockControlClient(`${server.origin}/mock-wechat`)
    ctx.browser = await launchChromium()
  })
  afterAll(async () => {
    await ctx.browser?.close()
    await server?.close()
  })
  beforeEach(async () => {
    if (resetMock) await ctx.mock.reset()
    ctx.tab = await openWechatPage(ctx.browser)
  })
  afterEach(async () => {
    await ctx.tab?.close()
  })
  return ctx
}
