/**
 * The kit behind a relay (WECHAT_RELAY_URL, docs/architecture.md#the-relay): WeChat's `redirect_uri`
 * becomes `relayUrl?to=<the callback URL it would have used>` for the official account, from the
 * proxy's `GET /config` or the option; the website app's qrconnect never goes through it; and a
 * callback the relay forwarded completes with the same state and verifier checks as any other.
 */
import { describe, expect, it } from 'vitest'
import { buildAuthorizeUrl } from '../../client/helpers'
import {
  APPID,
  ORIGIN,
  WEB_APPID,
  byPath,
  createEnv,
  loadPage,
  okExchange,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'
import { UA } from './user-agents'

const RELAY = 'https://auth.example.com/api/wechat/relay'

/** The proxy's answers: its config names the relay (and a website app), and the exchange works. */
const proxyWithRelay = byPath({
  '/config': () => ({
    status: 200,
    data: {
      appid: APPID,
      webAppid: WEB_APPID,
      mock: false,
      authorizeBase: 'https://open.weixin.qq.com',
      jssdkScript: 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js',
      relayUrl: RELAY,
    },
  }),
  '/openid': () => okExchange(),
})

/** A page whose appid and authorize base come from the proxy's config (so does the relay). */
const relayedPage = (env: Env, href: string, base?: string, userAgent?: string) =>
  loadPage(env, href, {
    base,
    userAgent,
    reply: proxyWithRelay,
    options: { appid: undefined, authorizeBase: undefined },
  })

/** The redirect_uri WeChat is asked to come back to. */
const redirectUriOf = (url: string) =>
  decodeURIComponent(/[?&]redirect_uri=([^&#]*)/.exec(url)?.[1] ?? '')

describe('logins through a relay', () => {
  it('sends WeChat relayUrl?to=<page URL> (history router, extra parameters kept)', async () => {
    const env = createEnv()
    const page = relayedPage(env, `${ORIGIN}/orders?from=singlemessage&id=7`)
    await page.router.push('/orders?from=singlemessage&id=7')
    const url = tripUrl(page)
    expect(url).toBe(
      `https://open.weixin.qq.com/connect/oauth2/authorize?appid=${APPID}` +
        `&redirect_uri=${encodeURIComponent(
          `${RELAY}?to=${encodeURIComponent(`${ORIGIN}/orders?from=singlemessage&id=7`)}`,
        )}&response_type=code&scope=snsapi_base&state=${stateOf(url)}` +
        '&connect_redirect=1#wechat_redirect',
    )
  })

  it('keeps a hash route in `to`, and asks for snsapi_userinfo where the route needs it', async () => {
    const env = createEnv()
    const page = relayedPage(env, `${ORIGIN}/app/?v=2#/profile`, '/app/#')
    await page.router.push('/profile')
    const url = tripUrl(page)
    expect(redirectUriOf(url)).toBe(
      `${RELAY}?to=${encodeURIComponent(`${ORIGIN}/app/?v=2#/profile`)}`,
    )
    expect(url).toContain('&scope=snsapi_userinfo&')
  })

  it('also relays on Android WeChat', async () => {
    const page = relayedPage(createEnv(), `${ORIGIN}/`, undefined, UA.wechatAndroid)
    await page.router.push('/')
    expect(redirectUriOf(tripUrl(page))).toBe(`${RELAY}?to=${encodeURIComponent(`${ORIGIN}/`)}`)
  })

  it('takes the relay from the option when the app names its appid and authorize base', async () => {
    const page = loadPage(createEnv(), `${ORIGIN}/`, { options: { relayUrl: RELAY } })
    await page.router.push('/')
    expect(redirectUriOf(tripUrl(page))).toBe(`${RELAY}?to=${encodeURIComponent(`${ORIGIN}/`)}`)
    expect(page.requests()).toHaveLength(0)
  })

  it('leaves the website app (PC QR-code login) on its own callback domain', async () => {
    const page = relayedPage(createEnv(), `${ORIGIN}/orders`, undefined, UA.chromeWindows)
    await page.router.push('/orders')
    const url = tripUrl(page)
    expect(url).toContain('/connect/qrconnect?')
    expect(redirectUriOf(url)).toBe(`${ORIGIN}/orders`)
  })

  it('completes the callback the relay forwarded, with the same checks, once', async () => {
    const env = createEnv()
    const first = relayedPage(env, `${ORIGIN}/app/#/orders`, '/app/#')
    await first.router.push('/orders')
    const state = stateOf(tripUrl(first))
    // The relay put code and state before the fragment, where WeChat puts them.
    const back = relayedPage(env, `${ORIGIN}/app/?code=C1&state=${state}#/orders`, '/app/#')
    await back.router.push('/orders')
    expect(back.store.status).toBe('authenticated')
    expect(back.win.location.href).toBe(`${ORIGIN}/app/#/orders`)
    expect(
      back.requests().filter((r) => r.type === 'request' && r.url.endsWith('/openid')),
    ).toHaveLength(1)
    // A forged state through the same relay is ignored, never exchanged.
    const forged = relayedPage(
      env,
      `${ORIGIN}/app/?code=C2&state=${'0'.repeat(64)}#/orders`,
      '/app/#',
    )
    await forged.router.push('/orders')
    expect(
      env.events.filter((e) => e.type === 'request' && e.url.endsWith('/openid')),
    ).toHaveLength(1)
  })

  it('builds the relayed URL with the helpers too', () => {
    const url = buildAuthorizeUrl({
      authorizeBase: 'https://open.weixin.qq.com',
      appid: APPID,
      redirectUri: `${ORIGIN}/#/me`,
      relayUrl: RELAY,
      scope: 'snsapi_base',
      state: 'S',
    })
    expect(redirectUriOf(url)).toBe(`${RELAY}?to=${encodeURIComponent(`${ORIGIN}/#/me`)}`)
  })
})
