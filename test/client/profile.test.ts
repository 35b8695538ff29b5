import type { Ref } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import { useWechatAuth, type WechatProfile } from '../../client/index'
import { useWechatProfile } from '../../client/profile'
import {
  NOW,
  ORIGIN,
  SESSION_KEY,
  byPath,
  createEnv,
  loadPage,
  okExchange,
  proxyError,
  savePending,
  saveSession,
  tripUrl,
  type Env,
  type Reply,
} from './helpers'

const PROFILE: WechatProfile = {
  openid: 'oCached0000000000000000000000',
  nickname: '小明',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/abc/132',
  sex: 0,
  province: '',
  city: '',
  country: '',
  privilege: [],
}

/** The composable and the profile entry's, as a page that shows the profile uses both. */
const withProfile = () => ({ ...useWechatAuth(), ...useWechatProfile() })

const userinfo = (reply: () => Reply) => byPath({ '/userinfo?lang=zh_CN': reply })

/** A page on `path` (signed in if `env` holds a session), whose proxy answers /userinfo with `reply`. */
async function openPage(env: Env, reply: () => Reply, path = '/orders') {
  const page = loadPage(env, ORIGIN + path, { reply: userinfo(reply) })
  await page.router.push(path)
  const auth = page.app.runWithContext(() => withProfile())
  return { ...page, auth }
}

function signedIn(scope = 'snsapi_userinfo') {
  const env = createEnv()
  saveSession(env, scope)
  return env
}

describe('fetchProfile', () => {
  it('loads the profile with the session as Bearer and stores it', async () => {
    const page = await openPage(signedIn(), () => ({ status: 200, data: PROFILE }))
    await expect(page.auth.fetchProfile()).resolves.toEqual(PROFILE)
    expect(page.auth.profile.value).toEqual(PROFILE)
    expect(page.store.profile).toEqual(PROFILE)
    expect(page.requests()).toEqual([
      expect.objectContaining({
        method: 'get',
        url: '/api/wechat/userinfo?lang=zh_CN',
        authorization: 'Bearer x.y.z',
      }),
    ])
  })

  it('exposes the profile read-only: a write through the ref leaves it as loaded', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}) // Vue: "target is readonly"
    const page = await openPage(signedIn(), () => ({ status: 200, data: PROFILE }))
    await page.auth.fetchProfile()
    ;(page.auth.profile as Ref<WechatProfile | null>).value = null
    expect(page.store.profile).toEqual(PROFILE)
    expect(warn).toHaveBeenCalled()
    warn.mockRestore()
  })

  it('asks for the language given to the call, zh_CN by default', async () => {
    const env = signedIn()
    const reply = () => ({ status: 200, data: PROFILE })
    const page = loadPage(env, `${ORIGIN}/orders`, { reply })
    await page.router.push('/orders')
    const auth = page.app.runWithContext(() => withProfile())
    await auth.fetchProfile({ lang: 'en' })
    await auth.fetchProfile()
    expect(page.requests().map((r) => r.type === 'request' && r.url)).toEqual([
      '/api/wechat/userinfo?lang=en',
      '/api/wechat/userinfo?lang=zh_CN',
    ])
  })

  it('resolves null without a call when there is no session', async () => {
    const page = await openPage(createEnv(), () => okExchange(), '/public')
    await expect(page.auth.fetchProfile()).resolves.toBeNull()
    expect(page.requests()).toHaveLength(0)
  })

  it('goes through consent once with snsapi_userinfo for the current route on reauth_required', async () => {
    const env = signedIn('snsapi_base')
    const page = await openPage(env, () => proxyError(401, 'reauth_required'))
    await expect(page.auth.fetchProfile()).resolves.toBeNull()
    const url = tripUrl(page)
    expect(url).toContain('&scope=snsapi_userinfo&')
    expect(url).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders`)}&`)
    expect(page.win.location.replace).toHaveBeenCalledOnce()
    expect(page.store.status).toBe('redirecting')
  })

  it('shows reauth_required instead of a second trip when it comes back within 60 s', async () => {
    const env = signedIn('snsapi_base')
    const refuse = () => proxyError(401, 'reauth_required')
    await (await openPage(env, refuse)).auth.fetchProfile()
    env.now = () => NOW + 59_000
    saveSession(env, 'snsapi_userinfo', { expiresAt: NOW + 120_000 })
    const again = await openPage(env, refuse)
    await expect(again.auth.fetchProfile()).resolves.toBeNull()
    expect(again.win.location.replace).not.toHaveBeenCalled()
    expect(again.store.status).toBe('error')
    expect(again.store.error?.code).toBe('reauth_required')
  })

  it('goes through consent again when the last trip was more than 60 s ago', async () => {
    const env = signedIn('snsapi_base')
    const refuse = () => proxyError(401, 'reauth_required')
    await (await openPage(env, refuse)).auth.fetchProfile()
    env.now = () => NOW + 60_000
    saveSession(env, 'snsapi_userinfo', { expiresAt: NOW + 120_000 })
    const again = await openPage(env, refuse)
    await again.auth.fetchProfile()
    expect(again.win.location.replace).toHaveBeenCalledOnce()
  })

  it('clears the cached session and logs in once on unauthorized', async () => {
    const env = signedIn()
    const page = await openPage(env, () => proxyError(401, 'unauthorized'))
    await expect(page.auth.fetchProfile()).resolves.toBeNull()
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
    expect(page.store.session).toBeNull()
    expect(page.win.location.replace).toHaveBeenCalledOnce()
    expect(page.win.location.replace.mock.calls[0]?.[0]).toContain('&scope=snsapi_userinfo&')
  })

  it('shows unauthorized instead of a second login within 60 s', async () => {
    const env = signedIn()
    const expired = () => proxyError(401, 'unauthorized')
    await (await openPage(env, expired)).auth.fetchProfile()
    saveSession(env, 'snsapi_userinfo')
    const again = await openPage(env, expired)
    await again.auth.fetchProfile()
    expect(again.win.location.replace).not.toHaveBeenCalled()
    expect(again.store.error?.code).toBe('unauthorized')
  })

  it('reports any other failure in error without a trip', async () => {
    const page = await openPage(signedIn(), () => ({ status: 502, data: 'Bad Gateway' }))
    await expect(page.auth.fetchProfile()).resolves.toBeNull()
    expect(page.store.error?.code).toBe('network_error')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })
})

describe('snapshot users', () => {
  async function snapshotVisit(env: Env) {
    savePending(env, { state: 'S1', route: '/profile', scope: 'snsapi_userinfo' })
    const reply = byPath({
      '/openid': () => okExchange({ scope: 'snsapi_userinfo', snapshotUser: true }),
      '/userinfo?lang=zh_CN': () => ({ status: 200, data: PROFILE }),
    })
    const page = loadPage(env, `${ORIGIN}/profile?code=C1&state=S1`, { reply })
    await page.router.push('/profile?code=C1&state=S1')
    return { ...page, auth: page.app.runWithContext(() => withProfile()) }
  }

  it('are authenticated as snapshot users in the store and the composable', async () => {
    const page = await snapshotVisit(createEnv())
    expect(page.store.status).toBe('authenticated')
    expect(page.store.snapshotUser).toBe(true)
    expect(page.auth.snapshotUser.value).toBe(true)
    expect(page.router.currentRoute.value.fullPath).toBe('/profile')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('are not written to localStorage, so a reload asks again', async () => {
    const env = createEnv()
    await snapshotVisit(env)
    expect(env.local.getItem(SESSION_KEY)).toBeNull()
    const reload = loadPage(env, `${ORIGIN}/profile`)
    await reload.router.push('/profile')
    expect(reload.win.location.replace).toHaveBeenCalledOnce()
  })

  it('get a null profile without a proxy call', async () => {
    const page = await snapshotVisit(createEnv())
    await expect(page.auth.fetchProfile()).resolves.toBeNull()
    expect(page.requests()).toHaveLength(1) // the exchange only
  })

  it('pass a userinfo route even when the grant says snsapi_base (no loop to another snapshot)', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/profile', scope: 'snsapi_userinfo' })
    const reply = () => okExchange({ scope: 'snsapi_base', snapshotUser: true })
    const page = loadPage(env, `${ORIGIN}/profile?code=C1&state=S1`, { reply })
    await page.router.push('/profile?code=C1&state=S1')
    await page.router.push('/orders')
    await page.router.push('/profile')
    expect(page.router.currentRoute.value.fullPath).toBe('/profile')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('are never restored from a cache entry marked as a snapshot', async () => {
    const env = createEnv()
    saveSession(env, 'snsapi_userinfo', { snapshotUser: true })
    const page = loadPage(env, `${ORIGIN}/orders`)
    await page.router.push('/orders')
    expect(page.win.location.replace).toHaveBeenCalledOnce()
  })
})
