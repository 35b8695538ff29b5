/**
 * The relay past WeChat's two 网页授权域名, in real Chromium (docs/architecture.md#the-relay). Two dev
 * servers on two loopback origins stand for two sites: the mock WeChat knows only `127.0.0.1` as the
 * official account's authorization domain (MOCK_OAUTH_DOMAINS), as WeChat knows only a company's two.
 *
 * - the relay's site, http://127.0.0.1:R (WECHAT_RELAY_ORIGINS names the other site's origin);
 * - a site WeChat does not know, http://localhost:S (WECHAT_RELAY_URL names the relay).
 *
 * A page of the relay's own server opened as http://localhost:R has no relay: WeChat refuses it with
 * 10003. The other site logs in through the relay: history and hash routers, snsapi_base and
 * snsapi_userinfo, iOS and Android WeChat, its own query parameters kept, a denial passed on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { TEST_USERS } from '../../proxy/mock-wechat/index'
import { freePort } from '../helpers/net'
import {
  WECHAT_ANDROID_UA,
  WECHAT_IOS_UA,
  launchChromium,
  openWechatPage,
  startDevServer,
  type TrackedPage,
} from './harness'

const OPENID = /^o[A-Za-z0-9_-]{27}$/
const HASH_APP = '/test/fixtures/hash-app.html'

let browser: Browser
let relayPort: number
let sitePort: number
/** The site WeChat does not know, as the browser opens it. */
let site: string
const servers: { close: () => Promise<void> }[] = []

beforeAll(async () => {
  relayPort = await freePort()
  sitePort = await freePort()
  site = `http://localhost:${sitePort}`
  const oauthDomains = { MOCK_OAUTH_DOMAINS: '127.0.0.1' }
  servers.push(
    await startDevServer({ ...oauthDomains, WECHAT_RELAY_ORIGINS: site }, {}, relayPort),
    await startDevServer(
      { ...oauthDomains, WECHAT_RELAY_URL: `http://127.0.0.1:${relayPort}/api/wechat/relay` },
      // The pre-boot redirect on for the demo (history router): a first visit's silent login leaves
      // before the app boots, and must go through the relay as the kit's own logins (the profile's)
      // do. Not for the hash-router fixture: the pre-boot saves the route as a history router's
      // path, so a hash app's logins are the kit's alone there.
      { preboot: { exclude: ['/test'] } },
      sitePort,
    ),
  )
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await Promise.all(servers.map((server) => server.close()))
})

/** The relay's answers the page went through (its requests to `/api/wechat/relay`). */
const relayHops = (tab: TrackedPage) =>
  tab.requests.filter((r) => r.url().startsWith(`http://127.0.0.1:${relayPort}/api/wechat/relay?`))

async function openidShown(tab: TrackedPage): Promise<string> {
  const openid = tab.page.getByTestId('openid')
  await openid.waitFor()
  return (await openid.textContent()) ?? ''
}

describe('a site on an origin WeChat does not know', () => {
  it('is refused by WeChat with 10003 without the relay', async () => {
    const tab = await openWechatPage(browser, WECHAT_IOS_UA)
    try {
      await tab.page.goto(`http://localhost:${relayPort}/`)
      const error = tab.page.getByTestId('wechat-error')
      await error.waitFor()
      expect(await error.getAttribute('data-errcode')).toBe('10003')
      expect(tab.exchanges()).toBe(0)
    } finally {
      await tab.close()
    }
  })

  it('logs in through the relay on iOS: history router, silent, then userinfo, parameters kept', async () => {
    const tab = await openWechatPage(browser, WECHAT_IOS_UA)
    try {
      await tab.page.goto(`${site}/?from=singlemessage&isappinstalled=0`)
      const openid = await openidShown(tab)
      expect(openid).toMatch(OPENID)
      let url = new URL(tab.page.url())
      // Back on the site itself, with its own parameters and without WeChat's.
      expect(url.origin).toBe(site)
      expect(url.pathname + url.search + url.hash).toBe('/?from=singlemessage&isappinstalled=0')
      expect(relayHops(tab)).toHaveLength(1)
      // WeChat was asked to come back to the relay, with the page in `to`.
      const authorize = tab.requests.find((r) =>
        new URL(r.url()).pathname.endsWith('/connect/oauth2/authorize'),
      )
      // The pre-boot script left for WeChat: the kit, which asks the proxy's config first, had not.
      const before = tab.requests.slice(0, tab.requests.indexOf(authorize!))
      expect(before.filter((r) => r.url().endsWith('/api/wechat/config'))).toEqual([])
      const redirectUri = new URL(authorize!.url()).searchParams.get('redirect_uri')!
      expect(redirectUri).toBe(
        `http://127.0.0.1:${relayPort}/api/wechat/relay?to=` +
          encodeURIComponent(`${site}/?from=singlemessage&isappinstalled=0`),
      )

      // A route that needs the profile: WeChat's consent page, then back through the relay.
      await tab.page.getByTestId('nav-profile').click()
      await tab.page.getByTestId('wechat-approve').click()
      await tab.page.getByTestId('nickname').waitFor()
      expect(await tab.page.getByTestId('openid').textContent()).toBe(openid)
      url = new URL(tab.page.url())
      expect([url.origin, url.pathname, url.search]).toEqual([site, '/profile', ''])
      expect(relayHops(tab)).toHaveLength(2)
      expect(tab.authorizeTrips()).toBe(2)
      expect(tab.exchanges()).toBe(2)
    } finally {
      await tab.close()
    }
  })

  it('logs in through the relay on Android: hash router, silent and userinfo, a denial passed on', async () => {
    const tab = await openWechatPage(browser, WECHAT_ANDROID_UA)
    try {
      // Another WeChat user than the iOS test's: the site's proxy keeps that one's consent, and
      // would answer this silent login with a profile session already.
      await tab.page
        .context()
        .addCookies([{ name: 'mock_wechat_user', value: TEST_USERS[1]!.id, url: site }])
      await tab.page.goto(`${site}${HASH_APP}?v=2#/`)
      expect(await openidShown(tab)).toMatch(OPENID)
      let url = new URL(tab.page.url())
      expect([url.origin, url.pathname, url.search, url.hash]).toEqual([
        site,
        HASH_APP,
        '?v=2',
        '#/',
      ])

      // The profile route: the user refuses first; the relay passes WeChat's state on alone, and
      // the site shows the denial (its own state check passed) instead of starting over.
      await tab.page.getByTestId('nav-profile').click()
      await tab.page.getByTestId('wechat-deny').click()
      const error = tab.page.getByTestId('auth-error')
      await error.waitFor()
      expect(await error.getAttribute('data-code')).toBe('access_denied')
      const denied = relayHops(tab).at(-1)!
      expect(new URL(denied.url()).searchParams.has('code')).toBe(false)
      expect(new URL(denied.url()).searchParams.get('state')).toMatch(/^[0-9a-f]{64}$/)

      await tab.page.getByTestId('retry').click()
      await tab.page.getByTestId('wechat-approve').click()
      await tab.page.getByTestId('nickname').waitFor()
      url = new URL(tab.page.url())
      expect([url.origin, url.pathname, url.search, url.hash]).toEqual([
        site,
        HASH_APP,
        '?v=2',
        '#/profile',
      ])
      expect(relayHops(tab)).toHaveLength(3)
      expect(tab.exchanges()).toBe(2)
    } finally {
      await tab.close()
    }
  })

  it('meets a page, never a redirect, when a link sends the relay elsewhere', async () => {
    const tab = await openWechatPage(browser, WECHAT_IOS_UA)
    try {
      const to = encodeURIComponent(`http://127.0.0.1:${sitePort}/`)
      const relay = `http://127.0.0.1:${relayPort}/api/wechat/relay?to=${to}&code=C1&state=S1`
      const response = await tab.page.goto(relay)
      expect(response?.status()).toBe(400)
      await tab.page.getByTestId('relay-refused').waitFor()
      expect(tab.page.url()).toBe(relay)
      expect(await tab.page.locator('h1').textContent()).toBe('登录链接无效')
    } finally {
      await tab.close()
    }
  })
})
