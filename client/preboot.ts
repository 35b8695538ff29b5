/**
 * The pre-boot redirect: a classic script the Vite plugin (`wechatAuthDev({ preboot: true })`) inlines
 * at the top of index.html. For a WeChat visitor without a session it starts the login exactly as the
 * kit would (a pending login and a trip in sessionStorage, WeChat's authorize URL) before the app's
 * JavaScript is fetched, so the app boots once, on the way back, where the kit completes the callback.
 * Back on the callback page it starts the code exchange for the kit, so that the exchange and the
 * app's download overlap (docs/benchmarks.md#first-login).
 * In every other case it does nothing and the kit decides as usual.
 *
 * Serialized with `Function.prototype.toString` and minified: it may use nothing but its argument and
 * browser globals (no imports, nothing from module scope). Not part of the
 * kit's entry: index.ts never imports it.
 */

import type { PublicConfig } from './wire.js'

/** What the page needs to know, baked in at build (public values only). */
export interface PrebootConfig {
  scope: 'snsapi_base' | 'snsapi_userinfo'
  /** The app's base path (Vite's `base`), with its trailing slash: `/` or `/shop/`. */
  base: string
  /** Paths within the app that need no login (and their sub-paths), without a trailing slash. */
  exclude: string[]
  /** Where the proxy is mounted, as the kit's `proxyBase`: `/api/wechat`. */
  proxyBase: string
  /**
   * What the proxy's `GET /config` answers (the official account's appid, and `authorizeBase`:
   * `https://open.weixin.qq.com` or the mock's `/mock-wechat`, no trailing slash). Also cached for the
   * tab as the kit caches it, so the kit's return skips that call.
   */
  config: PublicConfig
}

export function preboot(c: PrebootConfig): void {
  try {
    const { href, pathname, search, hash } = location
    const { appid, authorizeBase, relayUrl } = c.config
    const ua = navigator.userAgent
    // WeChat on a phone only (as detectEnvironment): elsewhere the official account's login ends on
    // WeChat's dead-end page, and WeCom and PC WeChat get other logins; the kit decides those.
    if (!/MicroMessenger/i.test(ua) || /wxwork\/|WindowsWechat|MacWechat/i.test(ua)) return
    // A page outside the app's base is not the app's to log in.
    if (pathname.indexOf(c.base)) return
    const now = Date.now()
    const key = 'wechat-h5-auth:v1:'
    const tab = sessionStorage
    // The proxy's public config, cached for the tab as the kit caches `GET /config`: on any page of
    // the app the kit then starts without a call (and without axios, which it imports on its first).
    if (!tab.getItem(key + 'config')) tab.setItem(key + 'config', JSON.stringify(c.config))
    // WeChat's callback: the kit completes it. The exchange starts now, while the app's JavaScript
    // downloads, and the kit takes its answer as its own `POST /openid`'s. Only with the kit's own
    // checks passed (the state this tab saved, unexpired; a code this tab has not exchanged), so it
    // is the request the kit would send; anything else is left to the kit, which ignores it.
    if (/[?&#](code|state)=/.test(href)) {
      const query = new URLSearchParams(search)
      const code = query.get('code')
      const login = JSON.parse(tab.getItem(key + 'pending') || 'null')
      // The code this tab exchanged last, as the kit keeps it (JSON).
      const used = JSON.parse(tab.getItem(key + 'code') || 'null') as string | null
      if (
        code &&
        login &&
        login.state === query.get('state') &&
        now - login.createdAt < 6e5 &&
        code !== used
      ) {
        const answer = fetch(c.proxyBase + '/openid', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ code, verifier: login.verifier, app: 'mp' }),
          // The code is still in the address bar: no Referer may carry it, whatever the headers.
          referrerPolicy: 'no-referrer',
          // As the kit's own call: given up after 15 s (where the browser can).
          signal: AbortSignal.timeout?.(15e3),
          // Shaped as the kit's HTTP client (axios) answers; on any failure the kit sends its own.
        }).then((r) => (r.ok ? r.json().then((data) => ({ data })) : Promise.reject(r)))
        // An answer the kit never reads (the page left) is nobody's error.
        answer.catch(() => {})
        // Keyed by the code: the kit takes the answer only for the code it would send itself.
        ;(window as unknown as Record<string, unknown>).__wechatAuthExchange = { [code]: answer }
      }
      return
    }
    const path = pathname.slice(c.base.length - 1)
    for (const x of c.exclude) if (path == x || !path.indexOf(x + '/')) return
    // No named inner functions: toolchains that keep names (esbuild's keepNames, as in tsx) would
    // wrap them in a helper the page does not have.
    // The key names the appid: another app's session is never read.
    const held = JSON.parse(localStorage.getItem(key + 'session:' + appid) || 'null')
    // A session the kit will accept (loadSession's checks and the kit's scope rule): no trip.
    if (
      typeof held?.openid == 'string' &&
      typeof held.session == 'string' &&
      /^snsapi_(base|userinfo|login)$/.test(held.scope) &&
      held.expiresAt > now &&
      !held.snapshotUser &&
      (c.scope == 'snsapi_base' || held.scope != 'snsapi_base')
    ) {
      return
    }
    const trips = (JSON.parse(tab.getItem(key + 'trips') || '[]') as number[]).filter(
      (t) => now - t < 6e4,
    )
    // The kit's loop breaker: a third trip within a minute is the kit's to refuse and show.
    if (trips.length > 1) return
    // As the kit's randomString: 32 bytes from crypto.getRandomValues, as 64 hex characters.
    const [state, verifier] = [0, 0].map(() =>
      Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
        (b | 256).toString(16).slice(1),
      ).join(''),
    )
    tab.setItem(key + 'trips', JSON.stringify([...trips, now]))
    const route = path + search + hash
    // One pending login per tab, as the kit keeps it: this trip's replaces any older one.
    const pending = { route, scope: c.scope, app: 'mp', state, verifier, createdAt: now }
    tab.setItem(key + 'pending', JSON.stringify(pending))
    // The parser would go on to fetch the app's scripts until WeChat's page replaces this one: stop it,
    // and cancel what it (or the preload scanner) already asked for.
    stop()
    // Exactly buildAuthorizeUrl's format (WeChat matches it with a regex); replace: WeChat's URL
    // never enters the history.
    location.replace(
      authorizeBase +
        '/connect/oauth2/authorize?appid=' +
        appid +
        '&redirect_uri=' +
        // Through the relay, when the site logs in through one (as the kit: relayUrl?to=<page>).
        encodeURIComponent(relayUrl ? relayUrl + '?to=' + encodeURIComponent(href) : href) +
        '&response_type=code&scope=' +
        c.scope +
        '&state=' +
        state +
        '&connect_redirect=1#wechat_redirect',
    )
  } catch {
    // Storage refused (private mode), unreadable JSON, no crypto: the kit handles the login instead.
  }
}
