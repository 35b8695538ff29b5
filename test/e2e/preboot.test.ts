import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, Request } from 'playwright-core'
import { buildDemo, buildServer, DEMO_EXCLUDE, startServer } from '../../bench/preboot-app'
import type { RunningServer } from '../../bench/preboot-app'
import { PAGE_SCRIPTS_FILE } from '../../proxy/host/page-scripts'
import { IOS_SAFARI_UA, launchChromium, openWechatPage, useDemo, WECOM_UA } from './harness'

const isAuthorize = (r: Request) => new URL(r.url()).pathname.endsWith('/connect/oauth2/authorize')

/**
 * A network slower than loopback, as on a phone: requests for `scripts` are held until the page has
 * left for WeChat (a document of WeChat's, or the callback, committed), so the pre-boot runs while
 * they are on the way. A page that does not leave gets them after HOLD_MS, and then fails the test by
 * downloading them before its trip.
 */
const HOLD_MS = 5_000
async function holdUntilTrip(page: Page, scripts: RegExp | string): Promise<void> {
  const left = (url: URL) =>
    url.pathname.endsWith('/connect/oauth2/authorize') || url.searchParams.has('code')
  const trip = page
    .waitForURL(left, { waitUntil: 'commit', timeout: HOLD_MS })
    .catch(() => undefined)
  await page.route(scripts, async (route) => {
    await trip
    await route.continue().catch(() => undefined)
  })
}
/** The app's JavaScript in dev: Vite's client, the demo's modules, pre-bundled dependencies. */
const isAppScript = (r: Request) =>
  r.resourceType() === 'script' ||
  /^\/(@vite|@id|client|node_modules)\//.test(new URL(r.url()).pathname)

describe('the pre-boot redirect (npm run dev)', () => {
  // The demo's pages that need no login are excluded.
  const demo = useDemo({}, { preboot: { exclude: DEMO_EXCLUDE } })
  /** The page's flow has stopped after it showed something: a trip would have started by then. */
  const settle = () => demo.tab.settled()

  it('leaves for WeChat before any app script is downloaded', async () => {
    const { page, requests } = demo.tab
    await holdUntilTrip(page, /\/(@vite|client|node_modules)\//)
    await page.goto(`${demo.origin}/`)
    await page.getByTestId('openid').waitFor()
    const firstTrip = requests.findIndex(isAuthorize)
    expect(firstTrip).toBeGreaterThan(0)
    // Chromium's preload scanner asks for the scripts it sees in the HTML before any script runs;
    // the pre-boot cancels them: none may have been answered.
    const early = requests.slice(0, firstTrip).filter(isAppScript)
    const answered = await Promise.all(early.map(async (r) => (await r.response()) !== null))
    expect(answered.filter(Boolean)).toEqual([])
    expect(early.every((r) => r.failure()?.errorText === 'net::ERR_ABORTED')).toBe(true)
  })

  it('comes back signed in with one trip and one exchange, on the page asked for', async () => {
    const { page } = demo.tab
    await page.goto(`${demo.origin}/?from=singlemessage#top`)
    await page.getByTestId('openid').waitFor()
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(1)
    const url = new URL(page.url())
    expect(url.pathname + url.search + url.hash).toBe('/?from=singlemessage#top')
  })

  it('leaves a visitor with a cached session on the page, with no trip', async () => {
    const { page } = demo.tab
    await page.goto(`${demo.origin}/`)
    await page.getByTestId('openid').waitFor()
    await page.goto(`${demo.origin}/`)
    await page.getByTestId('openid').waitFor()
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(1)
  })

  it('leaves a callback URL to the kit, which ignores one it did not start and signs the visitor in', async () => {
    const { page, requests } = demo.tab
    const foreign = 'copiedCodeOfAnotherVisitor012345'
    await page.goto(`${demo.origin}/?code=${foreign}&state=${'a'.repeat(64)}`)
    await page.getByTestId('openid').waitFor()
    await settle()
    // The pre-boot did not leave with the callback in the URL: the app booted, and the kit's own
    // trip came after its scripts.
    const firstTrip = requests.findIndex(isAuthorize)
    expect(requests.slice(0, firstTrip).some(isAppScript)).toBe(true)
    expect(demo.tab.authorizeTrips()).toBe(1)
    const sent = requests.filter((r) => r.url().endsWith('/api/wechat/openid'))
    expect(sent.map((r) => r.postData() ?? '').filter((body) => body.includes(foreign))).toEqual([])
    expect(sent).toHaveLength(1)
  })

  it.each([
    ['a phone browser', IOS_SAFARI_UA],
    ['WeCom', WECOM_UA],
  ])('leaves %s to the kit, which shows the open-in-WeChat page', async (_name, userAgent) => {
    const { page } = await demo.newTab(userAgent)
    await page.goto(`${demo.origin}/`)
    await page.getByTestId('open-in-wechat').waitFor()
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(0)
  })

  it('does not redirect from an excluded path or a page under it', async () => {
    const { page } = demo.tab
    for (const path of ['/public', '/public/']) {
      await page.goto(`${demo.origin}${path}`)
      await page.getByTestId('public-page').waitFor()
    }
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(0)
  })

  it('respects the loop breaker: after two trips within a minute the kit shows the error', async () => {
    const { page } = demo.tab
    await page.goto(`${demo.origin}/public`)
    await page.evaluate(() => {
      const now = Date.now()
      sessionStorage.setItem('wechat-h5-auth:v1:trips', JSON.stringify([now - 2000, now - 1000]))
    })
    await page.goto(`${demo.origin}/`)
    await page.getByTestId('auth-error').waitFor()
    expect(await page.getByTestId('auth-error').getAttribute('data-code')).toBe('login_loop')
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(0)
  })
})

describe('the pre-boot redirect (npm run build && npm start)', () => {
  const work = resolve('.tmp-e2e/preboot-test')
  let server: RunningServer
  let browser: Browser

  beforeAll(async () => {
    await buildDemo(work, { exclude: DEMO_EXCLUDE })
    buildServer(work)
    server = await startServer(work, work)
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('allows exactly the inline pre-boot script by its hash in the CSP, and nothing else inline', async () => {
    const response = await fetch(`${server.origin}/`, { headers: { accept: 'text/html' } })
    const html = await response.text()
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? ''
    const hash = `sha256-${createHash('sha256').update(script).digest('base64')}`
    const declared = JSON.parse(readFileSync(resolve(work, 'dist', PAGE_SCRIPTS_FILE), 'utf8'))
    expect(declared).toEqual({ scriptHashes: [hash] })
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(
      new RegExp(`(^|;)\\s*script-src 'self' '${hash.replace(/[+/]/g, '\\$&')}'\\s*(;|$)`),
    )
  })

  it('signs a WeChat visitor in with the app entry downloaded once, after the trip', async () => {
    const tab = await openWechatPage(browser)
    const violations: string[] = []
    tab.page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text())
    })
    await holdUntilTrip(tab.page, '**/assets/*.js')
    await tab.page.goto(`${server.origin}/`)
    await tab.page.getByTestId('openid').waitFor()
    const firstTrip = tab.requests.findIndex(isAuthorize)
    const scripts = tab.requests.filter((r) => /\/assets\/.*\.js$/.test(r.url()))
    const downloaded = scripts.filter((r) => tab.requests.indexOf(r) > firstTrip)
    expect(violations).toEqual([])
    expect(tab.authorizeTrips()).toBe(1)
    expect(tab.exchanges()).toBe(1)
    expect(firstTrip).toBeGreaterThan(0)
    // Asked for before the trip only by the preload scanner, and cancelled unanswered.
    for (const early of scripts.filter((r) => tab.requests.indexOf(r) < firstTrip)) {
      expect(await early.response()).toBeNull()
    }
    const entry = (r: { url: () => string }) => /\/assets\/index-[^/]*\.js$/.test(r.url())
    expect(downloaded.filter(entry)).toHaveLength(1)
    await tab.close()
  })
})
