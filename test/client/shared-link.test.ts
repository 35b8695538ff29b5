import { describe, expect, it } from 'vitest'
import {
  ORIGIN,
  createEnv,
  envWindow,
  loadPage,
  saveSession,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'

/** A used state, as a link copied after someone else's login carries it. */
const USED = 'a'.repeat(64)

/** The redirect_uri of the trip the page started, decoded. */
const redirectUri = (url: string) => decodeURIComponent(/redirect_uri=([^&]*)/.exec(url)?.[1] ?? '')

/** Opens `path` (history router) as a fresh page load and lets the guard decide. */
async function open(env: Env, path: string) {
  const page = loadPage(env, ORIGIN + path)
  await page.router.push(path)
  return page
}

// iOS shares and copies the landing URL: a link copied after a login carries its used code and
// state (docs/wechat.md#shared-links). Whoever opens it must be logged in as themselves.
describe('a callback this tab did not start (a link that travelled)', () => {
  it('is stripped first, never exchanged, shows no error, and the user logs in with a fresh state', async () => {
    const env = createEnv()
    const page = await open(
      env,
      `/orders?from=singlemessage&code=USED&state=${USED}&isappinstalled=0`,
    )
    expect(env.events[0]).toEqual({
      type: 'replaceState',
      url: `${ORIGIN}/orders?from=singlemessage&isappinstalled=0`,
    })
    expect(page.requests()).toEqual([])
    expect([page.store.status, page.store.error]).toEqual(['redirecting', null])
    const url = tripUrl(page)
    expect(stateOf(url)).not.toBe(USED)
    expect(redirectUri(url)).toBe(`${ORIGIN}/orders?from=singlemessage&isappinstalled=0`)
  })

  it('is ignored in a hash-router page, where WeChat put it before the #', async () => {
    const env = createEnv()
    const href = `${ORIGIN}/app/?from=singlemessage&code=USED&state=${USED}#/orders`
    const page = loadPage(env, href, { base: '/#' })
    await page.router.push('/orders')
    expect(page.requests()).toEqual([])
    expect(page.store.error).toBeNull()
    expect(redirectUri(tripUrl(page))).toBe(`${ORIGIN}/app/?from=singlemessage#/orders`)
  })

  it('leaves a signed-in user where they are, with no trip', async () => {
    const env = createEnv()
    saveSession(env)
    const page = await open(env, `/orders?code=USED&state=${USED}`)
    expect(page.requests()).toEqual([])
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.store.status).toBe('authenticated')
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('leaves a public route open, with no trip and no error', async () => {
    const page = await open(createEnv(), `/public?code=USED&state=${USED}`)
    expect(page.requests()).toEqual([])
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect([page.store.status, page.store.error]).toEqual(['idle', null])
    expect(page.router.currentRoute.value.fullPath).toBe('/public')
  })
})

describe('a travelled callback and the loop breaker', () => {
  it("is followed by this tab's own trip, whose callback completes: one trip, one exchange", async () => {
    const env = createEnv()
    const first = await open(env, `/orders?code=USED&state=${USED}`)
    const state = stateOf(tripUrl(first))
    const back = await open(env, `/orders?code=MINE&state=${state}`)
    expect(back.requests()).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ code: 'MINE' }) }),
    ])
    expect(back.store.status).toBe('authenticated')
    expect(back.win.location.replace).not.toHaveBeenCalled()
    expect(back.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('leads to a trip the loop breaker counts: a third within a minute is refused', async () => {
    const env = createEnv()
    await open(env, '/orders')
    await open(env, '/orders')
    const page = await open(env, `/orders?code=USED&state=${USED}`)
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.store.error?.code).toBe('login_loop')
    expect(page.requests()).toEqual([])
  })

  it('starts no trip in a tab without sessionStorage, where its own trips would come back unknown', async () => {
    const env = createEnv()
    const path = `/orders?code=MINE&state=${USED}`
    // The pending login and the trip count of such a tab live in memory: lost on the way to WeChat.
    const win = { ...envWindow(env, ORIGIN + path), sessionStorage: undefined }
    const page = loadPage(env, ORIGIN + path, { options: { window: win } })
    await page.router.push(path)
    expect(win.location.replace).not.toHaveBeenCalled()
    expect(page.requests()).toEqual([])
    expect(page.store.error?.code).toBe('login_loop')
  })
})
