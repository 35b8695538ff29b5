import { createHash } from 'node:crypto'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/demo-apps'
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
    // The hash, and the configuration it was built with (npm start refuses another).
    expect(declared).toEqual({
      scriptHashes: [hash],
      built: { appid: DEMO_MP_APP.appid, authorizeBase: '/mock-wechat' },
    })
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
  it("starts the exchange on the callback page before the app's script arrives; the kit sends no other", async () => {
    const tab = await openWechatPage(browser)
    const order: string[] = []
    const referers: (string | undefined)[] = []
    tab.page.on('request', (r) => {
      if (!r.url().endsWith('/api/wechat/openid')) return
      order.push('openid')
      // Sent while the code is still in the address bar: no Referer may carry it.
      referers.push(r.headers().referer)
    })
    // The entry script of the callback page is held until the exchange has been asked for.
    let exchangeSeen: () => void = () => {}
    const exchanged = new Promise<void>((done) => (exchangeSeen = done))
    tab.page.on('request', (r) => r.url().endsWith('/api/wechat/openid') && exchangeSeen())
    await tab.page.route(/\/assets\/index-[^/]*\.js$/, async (route) => {
      if (route.request().resourceType() === 'script') {
        await Promise.race([exchanged, new Promise((done) => setTimeout(done, HOLD_MS))])
        order.push('script')
      }
      await route.continue().catch(() => undefined)
    })
    await tab.page.goto(`${server.origin}/?from=singlemessage`)
    await tab.page.getByTestId('openid').waitFor()
    expect(order.slice(0, 2)).toEqual(['openid', 'script'])
    expect(referers).toEqual([undefined])
    expect(tab.exchanges()).toBe(1)
    expect(tab.authorizeTrips()).toBe(1)
    // The code left the address bar, and the page asked for is the one shown.
    expect(new URL(tab.page.url()).search).toBe('?from=singlemessage')
    await tab.settled()
    expect(tab.exchanges()).toBe(1)
    await tab.close()
  })

  it('never sends a code this tab did not ask for: a forged or travelled callback is not exchanged', async () => {
    const tab = await openWechatPage(browser)
    const bodies: string[] = []
    tab.page.on('request', (r) => {
      if (r.url().endsWith('/api/wechat/openid')) bodies.push(r.postData() ?? '')
    })
    await tab.page.goto(`${server.origin}/?code=travelled-code&state=not-this-tabs`)
    await tab.page.getByTestId('openid').waitFor()
    // The kit ignored it quietly and logged this visitor in with a login of its own.
    expect(bodies.some((body) => body.includes('travelled-code'))).toBe(false)
    expect(tab.authorizeTrips()).toBe(1)
    expect(tab.exchanges()).toBe(1)
    await tab.close()
  })

  it('serves the build precompressed: brotli or gzip as accepted, assets immutable, the page never cached', async () => {
    const html = await fetch(`${server.origin}/`, {
      headers: { accept: 'text/html', 'accept-encoding': 'gzip' },
    })
    expect(html.headers.get('content-encoding')).toBe('gzip')
    expect(html.headers.get('cache-control')).toBe('no-cache')
    expect(html.headers.get('vary')).toContain('Accept-Encoding')
    const entry = /<script type="module" crossorigin src="([^"]+)"/.exec(await html.text())?.[1]
    expect(entry).toMatch(/^\/assets\/index-.*\.js$/)
    for (const [accepted, sent] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['identity', null],
    ] as const) {
      const res = await fetch(`${server.origin}${entry}`, {
        headers: { 'accept-encoding': accepted },
      })
      expect(res.headers.get('content-encoding')).toBe(sent)
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(res.headers.get('cache-control')).toContain('immutable')
      expect((await res.text()).length).toBeGreaterThan(10_000)
    }
  })

  it('answers a missing file with 404, not the app (no favicon request wasted on the page)', async () => {
    for (const path of ['/favicon.ico', '/assets/missing.js', '/robots.txt']) {
      const res = await fetch(`${server.origin}${path}`, { headers: { accept: '*/*' } })
      expect(res.status, path).toBe(404)
    }
    // A deep link still gets the app, a dotted one too.
    for (const path of ['/profile', '/u/john.doe']) {
      const deep = await fetch(`${server.origin}${path}`, { headers: { accept: 'text/html' } })
      expect(deep.status, path).toBe(200)
    }
    // And a HEAD of it (monitoring, link checkers) gets the page's headers, not a 404.
    const head = await fetch(`${server.origin}/profile`, {
      method: 'HEAD',
      headers: { accept: 'text/html' },
    })
    expect([head.status, head.headers.get('cache-control')]).toEqual([200, 'no-cache'])
  })
})
