import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import {
  APPID,
  NOW,
  ORIGIN,
  createEnv,
  loadPage,
  pendingLogin,
  savePending,
  saveSession,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'
import { createGate } from '../helpers/gate'

/** Visits `path` without a session and returns the state WeChat will send back. */
async function tripToWechat(env: Env, path: string): Promise<string> {
  const page = loadPage(env, ORIGIN + path)
  await page.router.push(path)
  const url = tripUrl(page)
  if (!url) throw new Error('no trip to WeChat')
  return stateOf(url)
}

describe('wechat auth guard', () => {
  it('redirects to WeChat with the exact authorize URL when there is no session', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/orders?id=1&from=singlemessage`)
    const result = await page.router.push('/orders?id=1&from=singlemessage')
    const url = tripUrl(page)
    expect(url).toBe(
      `https://open.weixin.qq.com/connect/oauth2/authorize?appid=${APPID}` +
        `&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders?id=1&from=singlemessage`)}` +
        `&response_type=code&scope=snsapi_base&state=${stateOf(url)}&connect_redirect=1#wechat_redirect`,
    )
    expect(result).toBeDefined() // navigation aborted: the page is leaving for WeChat
    expect(page.store.status).toBe('redirecting')
  })

  it('saves the pending login with the route the user asked for', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/orders?id=1')
    expect(pendingLogin(env, state)).toMatchObject({ route: '/orders?id=1', scope: 'snsapi_base' })
  })

  it('never puts the verifier in the authorize URL', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/`)
    await page.router.push('/')
    const url = tripUrl(page)
    const state = stateOf(url)
    const verifier = String(pendingLogin(env, state)?.verifier)
    expect(verifier).toHaveLength(64)
    expect(url).not.toContain(verifier)
  })

  it('asks for snsapi_userinfo on a route that needs it', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/profile`)
    await page.router.push('/profile')
    expect(page.win.location.replace.mock.calls[0]?.[0]).toContain('&scope=snsapi_userinfo&')
  })

  it('uses the hash-router page URL as redirect_uri, keeping path and shared-link query', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/app/?from=singlemessage&isappinstalled=0#/`, {
      base: '/#',
    })
    await page.router.push('/orders')
    const url = tripUrl(page)
    const redirectUri = decodeURIComponent(/redirect_uri=([^&]*)/.exec(url)?.[1] ?? '')
    expect(redirectUri).toBe(`${ORIGIN}/app/?from=singlemessage&isappinstalled=0#/orders`)
  })

  it('exchanges the code once and returns to the route the user asked for', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/orders?id=1')
    const { verifier } = pendingLogin(env, state) ?? {}
    const page = loadPage(env, `${ORIGIN}/orders?id=1&code=CODE1&state=${state}`)
    await page.router.push(`/orders?id=1&code=CODE1&state=${state}`)
    expect(page.requests()).toEqual([
      {
        type: 'request',
        method: 'post',
        url: '/api/wechat/openid',
        // No state: the kit checks it itself; the verifier binds the code to this browser.
        data: { code: 'CODE1', verifier, app: 'mp' },
      },
    ])
    expect(page.router.currentRoute.value.fullPath).toBe('/orders?id=1')
    expect(page.store.status).toBe('authenticated')
    expect(page.store.openid).toBe('oAbCdEfGhIjKlMnOpQrStUvWxYz0')
  })

  it('completes a hash-router callback whose code WeChat put before the #', async () => {
    const env = createEnv()
    const trip = loadPage(env, `${ORIGIN}/app/?from=singlemessage#/`, { base: '/#' })
    await trip.router.push('/orders')
    const state = stateOf(tripUrl(trip))
    const page = loadPage(env, `${ORIGIN}/app/?from=singlemessage&code=C1&state=${state}#/orders`, {
      base: '/#',
    })
    await page.router.push('/orders')
    expect(page.requests()).toHaveLength(1)
    expect(page.win.location.href).toBe(`${ORIGIN}/app/?from=singlemessage#/orders`)
    expect(page.store.status).toBe('authenticated')
  })

  it('strips code and state from the URL before the exchange starts', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/orders?id=1')
    const page = loadPage(env, `${ORIGIN}/orders?id=1&code=CODE1&state=${state}`)
    await page.router.push(`/orders?id=1&code=CODE1&state=${state}`)
    expect(env.events.map((e) => e.type)).toEqual(['replaceState', 'request'])
    expect(env.events[0]).toEqual({ type: 'replaceState', url: `${ORIGIN}/orders?id=1` })
    expect(page.win.history.replaceState.mock.calls[0]?.[0]).toEqual({ router: 'state' })
  })

  it('caches the session so a reload neither exchanges nor redirects', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/')
    await loadPage(env, `${ORIGIN}/?code=CODE1&state=${state}`).router.push(
      `/?code=CODE1&state=${state}`,
    )
    const reload = loadPage(env, `${ORIGIN}/`)
    await reload.router.push('/')
    expect(reload.requests()).toHaveLength(1) // the first page's exchange only
    expect(reload.win.location.replace).not.toHaveBeenCalled()
    expect(reload.store.openid).toBe('oAbCdEfGhIjKlMnOpQrStUvWxYz0')
  })

  it('shows denied without a new trip when WeChat returns a state and no code', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/profile')
    const page = loadPage(env, `${ORIGIN}/profile?state=${state}`)
    await page.router.push(`/profile?state=${state}`)
    expect(page.store.status).toBe('denied')
    expect(page.store.error?.code).toBe('access_denied')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/profile')
  })

  it('does not redirect when a cached session exists', async () => {
    const env = createEnv()
    saveSession(env)
    const page = loadPage(env, `${ORIGIN}/orders`)
    await page.router.push('/orders')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.store.isAuthenticated).toBe(true)
  })

  it("keeps an app's own code and state query params", async () => {
    const env = createEnv()
    saveSession(env)
    const page = loadPage(env, `${ORIGIN}/`)
    await page.router.push('/')
    await page.router.push('/orders?state=open&code=A1')
    expect(page.router.currentRoute.value.fullPath).toBe('/orders?state=open&code=A1')
  })

  it('redirects for snsapi_userinfo when the cached session has only snsapi_base', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_base')
    const page = loadPage(env, `${ORIGIN}/profile`)
    await page.router.push('/profile')
    expect(page.win.location.replace.mock.calls[0]?.[0]).toContain('&scope=snsapi_userinfo&')
  })

  it('redirects again once the cached session has expired', async () => {
    const env = createEnv()
    saveSession(env)
    env.now = () => NOW + 60_000
    const page = loadPage(env, `${ORIGIN}/`)
    await page.router.push('/')
    expect(page.win.location.replace).toHaveBeenCalledOnce()
  })

  it('does not redirect on a route with meta.wechatAuth false', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/public`)
    await page.router.push('/public')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/public')
  })

  it('does not redirect anywhere when defaultAuth is false', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/orders`, { options: { defaultAuth: false } })
    await page.router.push('/orders')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('does not go back to WeChat after a failed exchange (no loop)', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/')
    const page = loadPage(env, `${ORIGIN}/?code=C1&state=${state}`, {
      reply: () => ({
        status: 502,
        data: { error: { code: 'upstream_error', message: 'x', errcode: -1 } },
      }),
    })
    await page.router.push(`/?code=C1&state=${state}`)
    await page.router.push('/orders')
    expect(page.store.status).toBe('error')
    expect(page.store.error?.code).toBe('upstream_error')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('makes one exchange for two concurrent navigations with the same callback', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/orders')
    const landing = `/orders?code=CODE1&state=${state}`
    const gate = createGate()
    const page = loadPage(env, ORIGIN + landing, { gate })
    // The second starts while the first's guard waits for the proxy (a synchronous second push
    // would cancel the first before its guards run), and reaches its own guard before the answer.
    const first = page.router.push(landing)
    await gate.reached
    const second = page.router.push(landing)
    await flushPromises()
    gate.open()
    await Promise.all([first, second])
    expect(page.requests()).toHaveLength(1)
    expect(page.store.status).toBe('authenticated')
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('joins the exchange in flight when a second navigation still sees the same callback', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/orders')
    const landing = `/orders?code=CODE1&state=${state}`
    const gate = createGate()
    const page = loadPage(env, ORIGIN + landing, { gate, keepHref: true })
    // The second starts while the first's guard waits for the proxy (a synchronous second push
    // would cancel the first before its guards run), and reaches its own guard before the answer.
    const first = page.router.push(landing)
    await gate.reached
    const second = page.router.push(landing)
    await flushPromises()
    gate.open()
    await Promise.all([first, second])
    expect(page.requests()).toHaveLength(1)
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('waits for the exchange in flight before deciding another navigation', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/')
    const gate = createGate()
    const page = loadPage(env, `${ORIGIN}/?code=CODE1&state=${state}`, { gate })
    const first = page.router.push(`/?code=CODE1&state=${state}`)
    await gate.reached
    let decided = false
    const second = page.router.push('/orders').then(() => void (decided = true))
    await flushPromises()
    expect(decided).toBe(false)
    gate.open()
    await second
    await first
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
    expect(page.requests()).toHaveLength(1)
  })

  it('never resends a code already exchanged in this tab', async () => {
    const env = createEnv()
    const state = await tripToWechat(env, '/')
    const href = `${ORIGIN}/?code=CODE1&state=${state}`
    const reply = () => ({ status: 502, data: { error: { code: 'upstream_error', message: 'x' } } })
    await loadPage(env, href, { reply }).router.push(`/?code=CODE1&state=${state}`)
    // The same callback loaded again in this tab (Android double load).
    const again = loadPage(env, href, { reply })
    await again.router.push(`/?code=CODE1&state=${state}`)
    expect(again.requests()).toHaveLength(1)
    expect(again.store.error?.code).not.toBe('state_mismatch')
  })

  it('loads the config from the proxy when no appid is given', async () => {
    const env = createEnv()
    const reply = () => ({
      status: 200,
      data: { appid: 'wxFromConfig', mock: true, authorizeBase: '/mock-wechat' },
    })
    const page = loadPage(env, `${ORIGIN}/`, { reply, options: { appid: '', authorizeBase: '' } })
    await page.router.push('/')
    expect(page.requests()[0]).toMatchObject({ method: 'get', url: '/api/wechat/config' })
    expect(page.win.location.replace.mock.calls[0]?.[0]).toMatch(
      /^\/mock-wechat\/connect\/oauth2\/authorize\?appid=wxFromConfig&/,
    )
  })

  it.each(['//evil.com', '/\\evil.com', '/%2F%2Fevil.com', 'https://evil.com'])(
    'returns to / instead of the unsafe route %s',
    async (route) => {
      const env = createEnv()
      savePending(env, { state: 'S1', route, scope: 'snsapi_base' })
      const page = loadPage(env, `${ORIGIN}/orders?code=CODE1&state=S1`)
      await page.router.push('/orders?code=CODE1&state=S1')
      expect(page.store.status).toBe('authenticated')
      expect(page.router.currentRoute.value.fullPath).toBe('/')
    },
  )
})
