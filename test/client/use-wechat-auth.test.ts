import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WechatAuthError, createWechatAuth, useWechatAuth } from '../../client/index'
import { APPID, NOW, ORIGIN, blankApp, createEnv, loadPage } from './helpers'

const SESSION_KEY = `wechat-h5-auth:v1:session:${APPID}`

function signedIn() {
  const env = createEnv()
  env.local.setItem(
    SESSION_KEY,
    JSON.stringify({
      v: 1,
      appid: APPID,
      openid: 'oCached0000000000000000000000',
      scope: 'snsapi_base',
      app: 'mp',
      session: 'x.y.z',
      expiresAt: NOW + 60_000,
    }),
  )
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

  it('logout clears the session, the cache and the status', async () => {
    const env = signedIn()
    const page = loadPage(env, `${ORIGIN}/`)
    await page.router.push('/')
    const auth = page.app.runWithContext(() => useWechatAuth())
    auth.logout()
    expect([auth.status.value, auth.openid.value, auth.session.value]).toEqual(['idle', null, null])
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
  })

  it('login() after a failure clears the error and goes to WeChat for the current route', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/orders?code=X&state=forged`)
    await page.router.push('/orders?code=X&state=forged')
    expect(page.store.status).toBe('error')
    const auth = page.app.runWithContext(() => useWechatAuth())
    await auth.login()
    expect(auth.error.value).toBeNull()
    expect(auth.status.value).toBe('redirecting')
    const url = page.win.location.replace.mock.calls[0]?.[0] ?? ''
    expect(url).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders`)}&`)
  })

  it('login(target) saves the target route for the return', async () => {
    const env = createEnv()
    const page = loadPage(env, `${ORIGIN}/public`)
    await page.router.push('/public')
    await page.app.runWithContext(() => useWechatAuth()).login('/profile')
    const url = page.win.location.replace.mock.calls[0]?.[0] ?? ''
    expect(url).toContain('&scope=snsapi_userinfo&')
    const pending = env.session.getItem(
      `wechat-h5-auth:v1:pending:${/state=(\w+)/.exec(url)?.[1] ?? ''}`,
    )
    expect(JSON.parse(pending ?? '{}')).toMatchObject({ route: '/profile' })
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
    expect(() => app.use(createWechatAuth())).toThrow(/createPinia/)
  })
})
