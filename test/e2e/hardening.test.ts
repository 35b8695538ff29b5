import { describe, expect, it } from 'vitest'
import { fault } from '../helpers/mock-server'
import type { FaultMode } from '../helpers/mock-server'
import { useDemo } from './harness'

// A short upstream timeout so the latency fault ends in upstream_timeout quickly.
const demo = useDemo({ WECHAT_TIMEOUT_MS: '1000' })

/** The page's flow has stopped: what it did is all it will do (see TrackedPage.settled). */
const settle = () => demo.tab.settled()

async function errorCode(): Promise<string | null> {
  const error = demo.tab.page.getByTestId('auth-error')
  await error.waitFor()
  return error.getAttribute('data-code')
}

async function retryAndSignIn(): Promise<void> {
  await demo.tab.page.getByTestId('retry').click()
  await demo.tab.page.getByTestId('openid').waitFor()
}

/** The callback URL WeChat sends this tab back to, captured from the redirect without following it. */
async function captureCallback(path = '/'): Promise<string> {
  const { page } = demo.tab
  let callback = ''
  await page.route('**/connect/oauth2/authorize?*', async (route) => {
    const response = await route.fetch({ maxRedirects: 0 })
    callback = new URL(response.headers()['location'] ?? '', route.request().url()).href
    await route.abort()
  })
  await page.goto(`${demo.origin}${path}`).catch(() => undefined)
  await expect.poll(() => callback).not.toBe('')
  await page.unrouteAll()
  return callback
}

describe('the kit never loops', () => {
  it('stops after two trips that come back without a callback, then retries on request', async () => {
    await demo.mock.faults({ endpoint: 'authorize', mode: 'drop-callback', times: 100 })
    await demo.tab.page.goto(`${demo.origin}/`)
    expect(await errorCode()).toBe('login_loop')
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(2)
    await demo.mock.clearFaults()
    await retryAndSignIn()
  })

  it('starts one fresh login after a refused code, then shows the error', async () => {
    await demo.mock.faults({ endpoint: 'access_token', mode: 'errcode', errcode: 40029, times: 2 })
    await demo.tab.page.goto(`${demo.origin}/`)
    expect(await errorCode()).toBe('code_invalid')
    await settle()
    expect(demo.tab.authorizeTrips()).toBe(2)
    expect(demo.tab.exchanges()).toBe(2)
    await retryAndSignIn()
  })

  it('completes a callback loaded twice at once with one WeChat exchange', async () => {
    const callback = await captureCallback('/')
    const { page } = demo.tab
    await page.goto(callback, { waitUntil: 'commit' })
    await page.goto(callback)
    await page.getByTestId('openid').waitFor()
    expect((await demo.mock.stats()).calls.access_token).toBe(1)
    expect(new URL(page.url()).search).toBe('')
  })

  it('survives the callback loaded again while its exchange is in flight', async () => {
    await demo.mock.faults({ endpoint: 'access_token', mode: 'latency', ms: 500, times: 1 })
    const callback = await captureCallback('/')
    const { page } = demo.tab
    const exchangeSent = page.waitForRequest((r) => r.url().endsWith('/api/wechat/openid'))
    await page.goto(callback)
    await exchangeSent
    await page.goto(callback)
    await page.getByTestId('openid').waitFor()
    await settle()
    expect(await page.getByTestId('auth-error').count()).toBe(0)
    expect((await demo.mock.stats()).calls.access_token).toBe(1)
    // The reload resent the same code and verifier; the proxy answered from the first exchange.
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(2)
  })

  it('does not bounce forward when going back through a silent authorize', async () => {
    const { page } = demo.tab
    await page.goto(`${demo.origin}/public`)
    await page.getByTestId('nav-home').click()
    await page.getByTestId('openid').waitFor()
    await page.goBack().catch(() => undefined)
    await settle()
    expect(page.url()).not.toContain('/connect/oauth2/authorize')
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(1)
  })

  it('never exchanges a forged or foreign code: it signs the visitor in with a login of its own', async () => {
    const forged = '0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234'
    await demo.tab.page.goto(`${demo.origin}/?code=${forged}&state=forged`)
    await demo.tab.page.getByTestId('openid').waitFor()
    await settle()
    // One login, the kit's own: one trip to WeChat and one exchange, of WeChat's code, not the forged one.
    expect(demo.tab.authorizeTrips()).toBe(1)
    const sent = demo.tab.requests
      .filter((r) => r.url().endsWith('/api/wechat/openid'))
      .map((r) => r.postData() ?? '')
    expect(sent).toHaveLength(1)
    expect(sent[0]).not.toContain(forged)
    expect(new URL(demo.tab.page.url()).search).toBe('')
    expect(await demo.tab.page.getByTestId('auth-error').count()).toBe(0)
  })

  it('ignores a forged callback while signed in', async () => {
    const { page } = demo.tab
    await page.goto(`${demo.origin}/`)
    const openid = await page.getByTestId('openid').textContent()
    await page.goto(`${demo.origin}/?code=0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234&state=forged`)
    await page.getByTestId('openid').waitFor()
    expect(await page.getByTestId('openid').textContent()).toBe(openid)
    expect(demo.tab.exchanges()).toBe(1)
  })
})

describe('WeChat faults end on the error page with a retry that works once they clear', () => {
  const cases: { mode: FaultMode; ms?: number; code: string }[] = [
    { mode: 'latency', ms: 3000, code: 'upstream_timeout' },
    { mode: 'http500', code: 'upstream_error' },
    { mode: 'busy', code: 'upstream_unavailable' },
    { mode: 'malformed', code: 'upstream_error' },
    { mode: 'text-html', code: 'upstream_error' },
    { mode: 'reset', code: 'upstream_unavailable' },
    { mode: 'consume-then-reset', code: 'upstream_unavailable' },
  ]
  for (const { mode, ms, code } of cases) {
    it(`${mode} -> ${code}`, async () => {
      await demo.mock.faults({ ...fault('access_token', mode, ms), times: 100 })
      await demo.tab.page.goto(`${demo.origin}/`)
      expect(await errorCode()).toBe(code)
      expect(demo.tab.authorizeTrips()).toBe(1)
      await demo.mock.clearFaults()
      await retryAndSignIn()
    })
  }
})

describe('the kit’s own download fails', () => {
  it('axios, imported on the first call, fails to arrive: network_error with a retry that works', async () => {
    const { page } = demo.tab
    let attempts = 0
    // The dev server's copy of axios (`/node_modules/.vite/deps/axios.js`): refused once, as a
    // dropped connection on a phone network would.
    await page.route(/\/deps\/axios\.js/, (route) =>
      attempts++ === 0 ? route.abort('connectionreset') : route.continue(),
    )
    await page.goto(`${demo.origin}/`)
    expect(await errorCode()).toBe('network_error')
    // Nothing was sent to WeChat without the kit's first call (GET /config).
    expect(demo.tab.authorizeTrips()).toBe(0)
    await retryAndSignIn()
    // The retry's import, then the callback page's own (a new document imports it again).
    expect(attempts).toBe(3)
    expect(demo.tab.exchanges()).toBe(1)
    await page.unrouteAll()
  })
})
