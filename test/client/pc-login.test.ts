import { describe, expect, it } from 'vitest'
import { useWechatAuth, type WechatAuthOptions } from '../../client/index'
import {
  APPID,
  ORIGIN,
  SESSION_KEY,
  WEB_APPID,
  byPath,
  createEnv,
  loadPage,
  okExchange,
  pendingLogin,
  saveSession,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'
import { UA } from './user-agents'

const WEB_SESSION_KEY = `wechat-h5-auth:v1:session:${WEB_APPID}`
const desktop: WechatAuthOptions = { webAppid: WEB_APPID }
const webExchange = () =>
  okExchange({ openid: 'oWebUser0000000000000000000', scope: 'snsapi_login' })

/** A desktop page at `href` (hash-mode router when `hash`). */
function desktopPage(
  env: Env,
  href: string,
  hash = false,
  options: WechatAuthOptions = {},
  userAgent: string = UA.chromeWindows,
) {
  return loadPage(env, href, {
    base: hash ? '/#' : undefined,
    reply: webExchange,
    options: { ...desktop, ...options },
    userAgent,
  })
}

describe('PC QR-code login', () => {
  it('sends a desktop browser to the exact qrconnect URL of the website app', async () => {
    const page = desktopPage(createEnv(), `${ORIGIN}/orders?id=1`)
    await page.router.push('/orders?id=1')
    const url = tripUrl(page)
    expect(url).toBe(
      `https://open.weixin.qq.com/connect/qrconnect?appid=${WEB_APPID}` +
        `&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders?id=1`)}` +
        `&response_type=code&scope=snsapi_login&state=${stateOf(url)}#wechat_redirect`,
    )
    expect(page.store.status).toBe('redirecting')
    expect(page.store.loginMode).toBe('pc-redirect')
  })

  it('saves the pending login as a website-app login for the route asked for', async () => {
    const env = createEnv()
    const page = desktopPage(env, `${ORIGIN}/orders`)
    await page.router.push('/orders')
    const login = pendingLogin(env, stateOf(tripUrl(page)))
    expect(login).toMatchObject({ app: 'web', route: '/orders' })
    expect(String(login?.verifier)).toHaveLength(64)
    expect(tripUrl(page)).not.toContain(String(login?.verifier))
  })

  it.each([
    ['Windows', UA.wechatWindows],
    ['Mac', UA.wechatMac],
  ])('sends PC WeChat on %s to qrconnect', async (_name, userAgent) => {
    const page = desktopPage(createEnv(), `${ORIGIN}/`, false, {}, userAgent)
    await page.router.push('/')
    expect(tripUrl(page)).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/qrconnect\?appid=/)
  })

  it('learns the website appid from the proxy config', async () => {
    const env = createEnv()
    const config = {
      appid: APPID,
      webAppid: 'wxWebFromConfig',
      mock: true,
      authorizeBase: '/mock-wechat',
    }
    const page = loadPage(env, `${ORIGIN}/`, {
      reply: byPath({ '/config': () => ({ status: 200, data: config }) }),
      options: { appid: '', authorizeBase: '' },
      userAgent: UA.safariMac,
    })
    await page.router.push('/')
    expect(tripUrl(page)).toMatch(/^\/mock-wechat\/connect\/qrconnect\?appid=wxWebFromConfig&/)
  })

  it('exchanges the callback inside a hash route as a website-app login', async () => {
    const env = createEnv()
    const trip = desktopPage(env, `${ORIGIN}/app/#/`, true)
    await trip.router.push('/orders')
    const url = tripUrl(trip)
    const redirectUri = decodeURIComponent(/redirect_uri=([^&]*)/.exec(url)?.[1] ?? '')
    expect(redirectUri).toBe(`${ORIGIN}/app/#/orders`)
    const state = stateOf(url)
    const verifier = pendingLogin(env, state)?.verifier
    // qrconnect appends its query at the very end: inside the hash.
    const page = desktopPage(env, `${redirectUri}?code=WEBCODE&state=${state}`, true)
    await page.router.push(`/orders?code=WEBCODE&state=${state}`)
    expect(page.requests()).toEqual([
      expect.objectContaining({
        method: 'post',
        url: '/api/wechat/openid',
        data: { code: 'WEBCODE', verifier, app: 'web' },
      }),
    ])
    expect(page.win.location.href).toBe(`${ORIGIN}/app/#/orders`)
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('caches the session under the website appid, marked web', async () => {
    const env = createEnv()
    await signInOnDesktop(env)
    expect(JSON.parse(env.local.getItem(WEB_SESSION_KEY) ?? 'null')).toMatchObject({
      app: 'web',
      openid: 'oWebUser0000000000000000000',
      scope: 'snsapi_login',
    })
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
  })

  it("exposes app 'web' through useWechatAuth", async () => {
    const page = await signInOnDesktop(createEnv())
    const auth = page.app.runWithContext(() => useWechatAuth())
    expect([auth.status.value, auth.app.value, auth.openid.value]).toEqual([
      'authenticated',
      'web',
      'oWebUser0000000000000000000',
    ])
  })

  it('restores the website-app session on a reload without any trip', async () => {
    const env = createEnv()
    await signInOnDesktop(env)
    const reload = desktopPage(env, `${ORIGIN}/profile`)
    await reload.router.push('/profile')
    expect(reload.win.location.replace).not.toHaveBeenCalled()
    expect(reload.store.app).toBe('web')
    // snsapi_login reads the profile: a userinfo route needs no second login.
    expect(reload.router.currentRoute.value.fullPath).toBe('/profile')
  })

  it("never uses the official account's session on a desktop", async () => {
    const env = createEnv()
    saveSession(env)
    const page = desktopPage(env, `${ORIGIN}/`)
    await page.router.push('/')
    expect(page.store.openid).toBeNull()
    expect(tripUrl(page)).toContain('/connect/qrconnect?')
  })

  it('stops at the third trip that came back without a session (login_loop)', async () => {
    const env = createEnv()
    for (let i = 0; i < 2; i++) await desktopPage(env, `${ORIGIN}/`).router.push('/')
    const third = desktopPage(env, `${ORIGIN}/`)
    await third.router.push('/')
    expect(third.win.location.replace).not.toHaveBeenCalled()
    expect(third.store.error?.code).toBe('login_loop')
  })
})

describe("pcLogin: 'embedded'", () => {
  const embedded: WechatAuthOptions = { pcLogin: 'embedded' }

  it('lets the page render instead of leaving, and says the login is embedded', async () => {
    const page = desktopPage(createEnv(), `${ORIGIN}/orders`, false, embedded)
    await page.router.push('/orders')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
    expect(page.store.status).toBe('idle')
    expect(page.app.runWithContext(() => useWechatAuth()).loginMode.value).toBe('pc-embedded')
  })

  it('still goes to the full QR page on an explicit login()', async () => {
    const page = desktopPage(createEnv(), `${ORIGIN}/orders`, false, embedded)
    await page.router.push('/orders')
    await page.app.runWithContext(() => useWechatAuth()).login()
    expect(tripUrl(page)).toContain('/connect/qrconnect?')
  })
})

/** A full desktop login: the trip to qrconnect, then the callback. */
async function signInOnDesktop(env: Env) {
  const trip = desktopPage(env, `${ORIGIN}/`)
  await trip.router.push('/')
  const state = stateOf(tripUrl(trip))
  const page = desktopPage(env, `${ORIGIN}/?code=WEBCODE&state=${state}`)
  await page.router.push(`/?code=WEBCODE&state=${state}`)
  expect(page.store.status).toBe('authenticated')
  return page
}
