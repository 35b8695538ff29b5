import { describe, expect, it } from 'vitest'
import { useWechatAuth } from '../../client/index'
import {
  ORIGIN,
  SESSION_KEY,
  byPath,
  createEnv,
  loadPage,
  okExchange,
  pendingLogin,
  savePending,
  saveSession,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'
import { createGate } from '../helpers/gate'

const cachedScope = (env: Env) =>
  (JSON.parse(env.local.getItem(SESSION_KEY) ?? '{}') as { scope?: string }).scope

describe('per-route scope', () => {
  it('re-authorizes a base session with snsapi_userinfo for a userinfo route and saves that route', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_base')
    const page = loadPage(env, `${ORIGIN}/profile`)
    await page.router.push('/profile')
    const url = tripUrl(page)
    expect(url).toContain('&scope=snsapi_userinfo&')
    expect(url).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/profile`)}&`)
    expect(pendingLogin(env, stateOf(url))).toMatchObject({
      route: '/profile',
      scope: 'snsapi_userinfo',
    })
  })

  it('comes back to the userinfo route with the upgraded session cached', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_base')
    savePending(env, { state: 'S1', route: '/profile', scope: 'snsapi_userinfo' })
    const reply = () =>
      okExchange({ openid: 'oCached0000000000000000000000', scope: 'snsapi_userinfo' })
    const page = loadPage(env, `${ORIGIN}/profile?code=C1&state=S1`, { reply })
    await page.router.push('/profile?code=C1&state=S1')
    expect(page.router.currentRoute.value.fullPath).toBe('/profile')
    expect([page.store.scope, page.store.openid]).toEqual([
      'snsapi_userinfo',
      'oCached0000000000000000000000',
    ])
    expect(cachedScope(env)).toBe('snsapi_userinfo')
  })

  it('completes its own consent login over a userinfo session WeChat no longer honours', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_userinfo', { session: 'old.session.jwt' })
    savePending(env, { state: 'S1', route: '/profile', scope: 'snsapi_userinfo' })
    const reply = () => okExchange({ scope: 'snsapi_userinfo', session: 'new.session.jwt' })
    const page = loadPage(env, `${ORIGIN}/profile?code=C1&state=S1`, { reply })
    await page.router.push('/profile?code=C1&state=S1')
    expect(page.requests()).toHaveLength(1)
    expect(page.store.session).toBe('new.session.jwt')
  })

  it('lets a userinfo session through a base route without a redirect', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_userinfo')
    const page = loadPage(env, `${ORIGIN}/orders`)
    await page.router.push('/orders')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  // Never downgrading a userinfo grant is the proxy's decision: it knows the grant it keeps, answers a
  // base login over it with snsapi_userinfo, and signs that scope into the session. The kit holds
  // what /openid answers.
  it('holds the userinfo scope the proxy answers for a base login over a kept grant', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_userinfo', { session: 'old.session.jwt' })
    savePending(env, { state: 'S1', route: '/', scope: 'snsapi_base' })
    const reply = () => okExchange({ scope: 'snsapi_userinfo', session: 'new.session.jwt' })
    const page = loadPage(env, `${ORIGIN}/?code=C1&state=S1`, { reply })
    await page.router.push('/?code=C1&state=S1')
    expect([page.store.scope, page.store.session]).toEqual(['snsapi_userinfo', 'new.session.jwt'])
    expect(cachedScope(env)).toBe('snsapi_userinfo')
  })

  it('holds the /openid answer over a userinfo session another tab cached during the exchange', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/', scope: 'snsapi_base' })
    const gate = createGate()
    const page = loadPage(env, `${ORIGIN}/?code=C1&state=S1`, { gate })
    const done = page.router.push('/?code=C1&state=S1')
    await gate.reached
    saveSession(env, 'snsapi_userinfo')
    gate.open()
    await done
    expect(page.requests()).toHaveLength(1)
    // The proxy answered snsapi_base: its session JWT carries that scope, and so do the store and cache.
    expect([page.store.scope, page.store.session]).toEqual([
      'snsapi_base',
      'header.payload.signature',
    ])
    expect(cachedScope(env)).toBe('snsapi_base')
  })

  it('never starts a base login while holding a userinfo session', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_userinfo')
    const page = loadPage(env, `${ORIGIN}/orders`)
    await page.router.push('/orders')
    await page.app.runWithContext(() => useWechatAuth()).login()
    expect(tripUrl(page)).toContain('&scope=snsapi_userinfo&')
  })

  it('keeps unionid in the cache and the store', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/profile', scope: 'snsapi_userinfo' })
    const reply = () => okExchange({ scope: 'snsapi_userinfo', unionid: 'uUnion1' })
    const page = loadPage(env, `${ORIGIN}/profile?code=C1&state=S1`, { reply })
    await page.router.push('/profile?code=C1&state=S1')
    expect(page.store.unionid).toBe('uUnion1')
    expect(env.local.getItem(SESSION_KEY)).toContain('"unionid":"uUnion1"')
  })
})

describe('denial', () => {
  it('lands on the route the user asked for, without a new trip', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/profile?tab=1', scope: 'snsapi_userinfo' })
    const page = loadPage(env, `${ORIGIN}/profile?tab=1&state=S1`)
    await page.router.push('/profile?tab=1&state=S1')
    await page.router.push('/orders')
    expect(page.store.status).toBe('denied')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('login() after a denial clears it and asks WeChat for the scope that was refused', async () => {
    const env = createEnv()
    // A consent trip started from a base route (e.g. by fetchProfile), then refused.
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_userinfo' })
    const page = loadPage(env, `${ORIGIN}/orders?state=S1`, {
      reply: byPath({}),
    })
    await page.router.push('/orders?state=S1')
    expect(page.store.error?.code).toBe('access_denied')
    const auth = page.app.runWithContext(() => useWechatAuth())
    await auth.login()
    expect(auth.error.value).toBeNull()
    const url = tripUrl(page)
    expect(url).toContain('&scope=snsapi_userinfo&')
    expect(pendingLogin(env, stateOf(url))).toMatchObject({ route: '/orders' })
  })
})
