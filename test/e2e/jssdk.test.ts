import { describe, expect, it } from 'vitest'
import type { Request } from 'playwright-core'
import { useDemo, WECHAT_ANDROID_UA, WECHAT_IOS_UA } from './harness'
import type { TrackedPage } from './harness'

// The JS-SDK after login in real Chromium, against the mock's stand-in jweixin script, which
// verifies each signature against the URL WeChat on the phone's platform checks (iOS: the landing
// URL; Android: the current one), so `ready` here means the kit signed the right URL. The mock is not
// reset between tests: the proxy keeps the ticket it fetched, as a server does.
const demo = useDemo({}, {}, { resetMock: false })

/** The URLs the page asked the proxy to sign, in order. */
function signedUrls(requests: Request[]): string[] {
  return requests
    .filter((r) => r.method() === 'POST' && r.url().endsWith('/api/wechat/jssdk'))
    .map((r) => (JSON.parse(r.postData() ?? '{}') as { url: string }).url)
}

async function openShare(path: string, userAgent: string) {
  const tab = await demo.newTab(userAgent)
  await tab.page.goto(`${demo.origin}${path}`)
  const status = tab.page.getByTestId('jssdk-status')
  await expectStatus('ready')
  return { tab, status }
}

async function expectStatus(expected: string): Promise<void> {
  const status = demo.tab.page.locator(`[data-testid="jssdk-status"][data-status="${expected}"]`)
  await status.waitFor({ timeout: 20_000 })
}

/** In-app navigation to the home page and back to /share, ready again; every URL signed so far. */
async function awayAndBack(tab: TrackedPage): Promise<string[]> {
  await tab.page.getByTestId('nav-home').click()
  await tab.page.getByTestId('openid').waitFor()
  await tab.page.getByTestId('nav-share').click()
  await expectStatus('ready')
  await tab.settled()
  const urls = signedUrls(tab.requests)
  expect(urls.length).toBeGreaterThan(1)
  return urls
}

describe('the JS-SDK after login', () => {
  it('signs the landing URL, code and all, on iOS, and stays ready after navigating away and back', async () => {
    const { tab } = await openShare('/share?from=singlemessage', WECHAT_IOS_UA)
    const [first, ...more] = signedUrls(tab.requests)
    // The URL the page landed on, WeChat's callback included: what iOS checks.
    expect(new URL(first ?? '').searchParams.get('code')).toBeTruthy()
    expect(more).toEqual([])
    const link = await tab.page.getByTestId('share-link').textContent()
    expect(link).toBe(`${demo.origin}/share?from=singlemessage`)

    // Signed again for the page mounted anew, still with the landing URL: iOS never checks another.
    const urls = await awayAndBack(tab)
    expect(urls.every((url) => new URL(url).searchParams.has('code'))).toBe(true)
    expect(tab.exchanges()).toBe(1)
    expect((await demo.mock.stats()).jssdk).toMatchObject({ fail: 0 })
  })

  it('signs the current URL on Android, and again after a route change', async () => {
    const { tab } = await openShare('/share?from=singlemessage', WECHAT_ANDROID_UA)
    const [first] = signedUrls(tab.requests)
    expect(first).toBe(`${demo.origin}/share?from=singlemessage`)

    const urls = await awayAndBack(tab)
    expect(urls.at(-1)).toBe(`${demo.origin}/share`)
    expect((await demo.mock.stats()).jssdk).toMatchObject({ fail: 0 })
  })

  it('ignores a copied link’s used code quietly and signs its own visitor in', async () => {
    const foreign = 'copiedCodeOfSomeoneElse0123456789'
    const tab = await demo.newTab(WECHAT_IOS_UA)
    await tab.page.goto(`${demo.origin}/share?from=singlemessage&code=${foreign}&state=abc123`)
    await expectStatus('ready')
    await tab.settled()
    const sent = tab.requests
      .filter((r) => r.url().endsWith('/api/wechat/openid'))
      .map((r) => r.postData() ?? '')
    expect(sent).toHaveLength(1)
    expect(sent.some((body) => body.includes(foreign))).toBe(false)
    expect(await tab.page.getByTestId('auth-error').count()).toBe(0)
    expect(tab.authorizeTrips()).toBe(1)
  })
})
