import { describe, expect, it } from 'vitest'
import { useWechatAuth } from '../../client/index'
import {
  NOW,
  ORIGIN,
  createEnv,
  envWindow,
  loadPage,
  okExchange,
  pendingLogin,
  proxyError,
  savePending,
  stateOf,
  tripUrl,
  type Env,
  type Reply,
} from './helpers'
import { createGate } from '../helpers/gate'

/** A page load of `path`: the state of the trip to WeChat it started, if it started one. */
async function visit(env: Env, path = '/orders') {
  const page = loadPage(env, ORIGIN + path)
  await page.router.push(path)
  const url = tripUrl(page)
  return { ...page, state: url && stateOf(url) }
}

/** WeChat's return to `/orders` with `code` and `state`, the proxy answering `reply`. */
async function callback(env: Env, state: string, reply: () => Reply, code = 'C1') {
  const path = `/orders?code=${code}&state=${state}`
  const page = loadPage(env, ORIGIN + path, { reply })
  await page.router.push(path)
  return { ...page, state: tripUrl(page) && stateOf(tripUrl(page)) }
}

const failing = () => proxyError(502, 'upstream_error')

describe('loop breaker', () => {
  it('refuses a third trip within 60 s after two that came back with a failed exchange', async () => {
    const env = createEnv()
    await callback(env, (await visit(env)).state, failing)
    await callback(env, (await visit(env)).state, failing)
    const third = await visit(env)
    expect(third.win.location.replace).not.toHaveBeenCalled()
    expect(third.store.status).toBe('error')
    expect(third.store.error?.code).toBe('login_loop')
  })

  it('refuses a third trip within 60 s after two that came back without a callback', async () => {
    const env = createEnv()
    await visit(env)
    await visit(env)
    const third = await visit(env)
    expect(third.win.location.replace).not.toHaveBeenCalled()
    expect(third.store.error?.code).toBe('login_loop')
  })

  it("shows the loop on a clean URL: returns without a callback keep WeChat's #wechat_redirect, which goes", async () => {
    const env = createEnv()
    // The browser carries the authorize URL's fragment over WeChat's redirects.
    await visit(env, '/orders?id=7#wechat_redirect')
    await visit(env, '/orders?id=7#wechat_redirect')
    const third = await visit(env, '/orders?id=7#wechat_redirect')
    expect(third.store.error?.code).toBe('login_loop')
    expect(third.router.currentRoute.value.fullPath).toBe('/orders?id=7')
  })

  it("keeps an app's own state parameter in a later route: no callback of this page's", async () => {
    const page = loadPage(createEnv(), `${ORIGIN}/public`)
    await page.router.push('/public')
    await page.router.push('/public?state=open')
    expect(page.router.currentRoute.value.fullPath).toBe('/public?state=open')
  })

  it('goes again once the earlier trips are 60 s old', async () => {
    const env = createEnv()
    await visit(env)
    await visit(env)
    env.now = () => NOW + 60_000
    const third = await visit(env)
    expect(third.win.location.replace).toHaveBeenCalledOnce()
  })

  it('lets login() (the retry button) go after it stopped', async () => {
    const env = createEnv()
    await visit(env)
    await visit(env)
    const third = await visit(env)
    await third.app.runWithContext(() => useWechatAuth()).login()
    expect(third.win.location.replace).toHaveBeenCalledOnce()
    expect(third.store.status).toBe('redirecting')
    expect(third.store.error).toBeNull()
  })

  it('refuses a trip it cannot count: a tab without sessionStorage never goes', async () => {
    const env = createEnv()
    // The count and the pending login would live in memory, lost on the way: every return would
    // be a callback this tab does not know, ignored, and followed by another trip.
    const win = { ...envWindow(env, `${ORIGIN}/orders`), sessionStorage: undefined }
    const page = loadPage(env, `${ORIGIN}/orders`, { options: { window: win } })
    await page.router.push('/orders')
    expect(win.location.replace).not.toHaveBeenCalled()
    expect(page.store.error?.code).toBe('login_loop')
  })

  it('starts counting again after a successful login', async () => {
    const env = createEnv()
    await callback(env, (await visit(env)).state, () => okExchange())
    env.local.clear() // the session is gone (signed out elsewhere, storage cleared)
    await visit(env)
    const second = await visit(env)
    expect(second.win.location.replace).toHaveBeenCalledOnce()
  })
})

describe('a code WeChat refuses', () => {
  it.each(['code_used', 'code_invalid', 'code_expired'])(
    'starts one fresh login with a new state on %s',
    async (code) => {
      const env = createEnv()
      const first = await visit(env, '/orders')
      const page = await callback(env, first.state, () => proxyError(409, code))
      expect(page.win.location.replace).toHaveBeenCalledOnce()
      expect(page.state).not.toBe(first.state)
      expect(tripUrl(page)).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders`)}&`)
      expect(pendingLogin(env, page.state)).toMatchObject({ route: '/orders', again: true })
      expect(page.store.status).toBe('redirecting')
    },
  )

  it('shows the error without a redirect when the fresh login is refused too', async () => {
    const env = createEnv()
    const used = () => proxyError(409, 'code_used')
    const fresh = await callback(env, (await visit(env)).state, used)
    const last = await callback(env, fresh.state, used, 'C2')
    expect(last.win.location.replace).not.toHaveBeenCalled()
    expect(last.store.status).toBe('error')
    expect(last.store.error?.code).toBe('code_used')
    expect(last.requests()).toHaveLength(2) // one exchange per code
  })

  it('never follows an unsafe pending route into the fresh login', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '//evil.com', scope: 'snsapi_base' })
    const page = await callback(env, 'S1', () => proxyError(409, 'code_used'))
    expect(tripUrl(page)).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/`)}&`)
  })
})

describe('stale callbacks', () => {
  it('loads the same callback URL again after success (back) with no exchange and no redirect', async () => {
    const env = createEnv()
    const { state } = await visit(env, '/orders')
    await callback(env, state, () => okExchange())
    const back = await callback(env, state, () => okExchange())
    expect(back.requests()).toHaveLength(1) // the first exchange only
    expect(back.win.location.replace).not.toHaveBeenCalled()
    expect([back.store.status, back.store.error]).toEqual(['authenticated', null])
    expect(back.router.currentRoute.value.fullPath).toBe('/orders')
  })
})

describe('the verifier', () => {
  it('goes to the proxy with the code and into no URL', async () => {
    const env = createEnv()
    const trip = await visit(env, '/orders')
    const { verifier } = pendingLogin(env, trip.state) ?? {}
    const page = await callback(env, trip.state, () => okExchange())
    expect(page.requests()[0]).toMatchObject({ data: { code: 'C1', verifier } })
    const urls = [
      tripUrl(trip),
      ...env.events.map((e) => e.url),
      page.router.currentRoute.value.fullPath,
    ]
    expect(urls.filter((url) => url.includes(String(verifier)))).toEqual([])
  })
})

describe('a callback loaded again while its exchange is in flight', () => {
  it('resends the same code and verifier, so the proxy can answer from that exchange', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    const path = '/orders?code=C1&state=S1'
    // The first load dies mid-exchange (Android loads the callback twice): its answer never lands.
    const never = createGate()
    const first = loadPage(env, ORIGIN + path, { gate: never })
    void first.router.push(path)
    await never.reached
    const second = loadPage(env, ORIGIN + path)
    await second.router.push(path)
    const posts = second.requests().filter((e) => e.type === 'request' && e.url.endsWith('/openid'))
    expect(posts.map((e) => e.type === 'request' && e.data)).toEqual([
      { code: 'C1', verifier: 'V1', app: 'mp' },
      { code: 'C1', verifier: 'V1', app: 'mp' },
    ])
    expect(second.store.status).toBe('authenticated')
    expect(second.win.location.replace).not.toHaveBeenCalled()
  })

  it('drops the login once its exchange settled, so the same callback is not sent a third time', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    await callback(env, 'S1', () => okExchange())
    expect(pendingLogin(env, 'S1')).toBeUndefined()
    const again = await callback(env, 'S1', () => okExchange())
    expect(again.requests()).toHaveLength(1)
  })
})
