import { createPinia } from 'pinia'
import type { Ref } from 'vue'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WechatAuthError, createWechatAuth, useWechatAuth } from '../../client/index'
import {
  ORIGIN,
  SESSION_KEY,
  blankApp,
  byPath,
  createEnv,
  loadPage,
  pendingLogin,
  proxyError,
  savePending,
  saveSession,
  stateOf,
  tripUrl,
} from './helpers'

function signedIn() {
  const env = createEnv()
  saveSession(env)
  return env
}

afterEach(() => vi.restoreAllMocks())

describe('useWechatAuth', () => {
  it('exposes the signed-in state as refs', async () => {
    const page = loadPage(signedIn(), `${ORIGIN}/`)
    await page.router.push('/')
    const auth = page.app.runWithContext(() => useWechatAuth())
    expect([auth.status.value, auth.openid.value, auth.isAuthenticated.value]).toEqual([
      'authenticated',
      'oCached0000000000000000000000',
      true,
    ])
  })

  it('exposes read-only refs: a write through them leaves the state as it was', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}) // Vue: "target is readonly"
    const page = loadPage(signedIn(), `${ORIGIN}/`)
    await page.router.push('/')
    const auth = page.app.runWithContext(() => useWechatAuth())
    ;(auth.openid as Ref<string | null>).value = 'oForged000000000000000000000'
    ;(auth.status as Ref<string>).value = 'idle'
    expect([page.store.openid, page.store.status]).toEqual([
      'oCached0000000000000000000000',
      'authenticated',
    ])
    expect(warn).toHaveBeenCalled()
  })

  it('logout revokes the session at the proxy with the session as Bearer', async () => {
    const env = signedIn()
    const page = loadPage(env, `${ORIGIN}/`, {
      reply: byPath({ '/logout': () => ({ status: 204, data: '' }) }),
    })
    await page.router.push('/')
    await page.app.runWithContext(() => useWechatAuth()).logout()
    expect(page.requests()).toEqual([
      expect.objectContaining({
        method: 'post',
        url: '/api/wechat/logout',
        authorization: 'Bearer x.y.z',
      }),
    ])
  })

  it('logout clears the session, the profile, the cache and the status', async () => {
    const env = signedIn()
    const page = loadPage(env, `${ORIGIN}/`, {
      reply: byPath({ '/logout': () => ({ status: 204, data: '' }) }),
    })
    await page.router.push('/')
    page.store.profile = {
      openid: 'o',
      nickname: 'n',
      headimgurl: '',
      sex: 0,
      province: '',
      city: '',
      country: '',
      privilege: [],
    }
    const auth = page.app.runWithContext(() => useWechatAuth())
    await auth.logout()
    expect([auth.status.value, auth.openid.value, auth.session.value, auth.profile.value]).toEqual([
      'idle',
      null,
      null,
      null,
    ])
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
  })

  it('logout still signs out when the proxy call fails', async () => {
    const env = signedIn()
    const page = loadPage(env, `${ORIGIN}/`, {
      reply: () => proxyError(503, 'upstream_unavailable'),
    })
    await page.router.push('/')
    const auth = page.app.runWithContext(() => useWechatAuth())
    await expect(auth.logout()).resolves.toBeUndefined()
    expect([auth.status.value, auth.session.value]).toEqual(['idle', null])
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
  })

  it('login() after a failure clears the error and goes to WeChat for the current route', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    const page = loadPage(env, `${ORIGIN}/orders?code=X&state=S1`, {
      reply: () => proxyError(502, 'upstream_error'),
    })
    await page.router.push('/orders?code=X&state=S1')
    expect(page.store.status).toBe('error')
    const auth = page.app.runWithContext(() => useWechatAuth())
    await auth.login()
    expect(auth.error.value).toBeNull()
    expect(auth.status.value).toBe('redirecting')
    const url = tripUrl(page)
    expect(url).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders`)}&`)
  })

  it('login(target) saves the target route for the return', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/public`)
    await page.router.push('/public')
    await page.app.runWithContext(() => useWechatAuth()).login('/profile')
    const url = tripUrl(page)
    expect(url).toContain('&scope=snsapi_userinfo&')
    expect(pendingLogin(env, stateOf(url))).toMatchObject({ route: '/profile' })
  })

  it('login() reports a proxy failure in error instead of rejecting', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/public`, {
      reply: () => ({ status: 503, data: 'Service Unavailable' }),
      options: { appid: '', authorizeBase: '' },
    })
    await page.router.push('/public')
    const auth = page.app.runWithContext(() => useWechatAuth())
    await expect(auth.login()).resolves.toBeUndefined()
    expect(auth.error.value?.code).toBe('network_error')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('throws config_error when the plugin is not installed', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {}) // Vue's "injection not found"
    const app = blankApp()
    app.use(createPinia())
    const err: unknown = (() => {
      try {
        app.runWithContext(() => useWechatAuth())
      } catch (e) {
        return e
      }
    })()
    expect(err instanceof WechatAuthError && err.code).toBe('config_error')
  })
})

describe('createWechatAuth', () => {
  it('refuses to install before pinia', () => {
    const app = blankApp()
    expect(() => app.use(createWechatAuth())).toThrow(
      expect.objectContaining({ code: 'config_error' }),
    )
  })
})
