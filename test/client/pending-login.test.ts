import { describe, expect, it } from 'vitest'
import { PENDING_TTL_MS } from '../../client/pending-login'
import {
  NOW,
  ORIGIN,
  PENDING_KEY,
  createEnv,
  loadPage,
  pendingLogin,
  proxyError,
  savePending,
  stateOf,
  tripUrl,
  type Env,
} from './helpers'
import { createGate } from '../helpers/gate'

/** Goes to WeChat from `path` and returns the state of the trip. */
async function trip(env: Env, path = '/'): Promise<string> {
  const page = loadPage(env, ORIGIN + path)
  await page.router.push(path)
  return stateOf(tripUrl(page))
}

/**
 * WeChat's callback with `state` (and a code) on `path`: the error code it ends with, if any, the
 * proxy calls, and whether the page left for a login of its own.
 */
async function comeBack(env: Env, state: string, path = '/') {
  const page = loadPage(env, `${ORIGIN}${path}?code=C1&state=${state}`)
  await page.router.push(`${path}?code=C1&state=${state}`)
  return { error: page.store.error?.code, requests: page.requests(), tripped: !!tripUrl(page) }
}

/** What a callback this tab did not start comes to: no error, no exchange, a login of its own. */
const IGNORED = { error: undefined, requests: [], tripped: true }

const raw = (env: Env) => JSON.parse(env.session.getItem(PENDING_KEY) ?? 'null') as unknown

describe('pending logins', () => {
  it('use a 64-character alphanumeric state and an independent verifier', async () => {
    const env = createEnv()
    const state = await trip(env)
    const { verifier } = pendingLogin(env, state) ?? {}
    expect(state).toMatch(/^[0-9a-zA-Z]{64}$/)
    expect(verifier).toMatch(/^[0-9a-zA-Z]{64}$/)
    expect(verifier).not.toBe(state)
  })

  it('are saved in sessionStorage with state, verifier, route, scope, app and time', async () => {
    const env = createEnv()
    const state = await trip(env, '/orders?id=1')
    expect(raw(env)).toEqual({
      state,
      verifier: expect.any(String),
      route: '/orders?id=1',
      scope: 'snsapi_base',
      app: 'mp',
      createdAt: NOW,
    })
  })

  it('send the verifier of the state that came back with the code', async () => {
    const env = createEnv()
    const state = await trip(env)
    const { verifier } = pendingLogin(env, state) ?? {}
    const { requests } = await comeBack(env, state)
    expect(requests[0]).toMatchObject({ data: { code: 'C1', verifier } })
  })

  it('are removed once taken', async () => {
    const env = createEnv()
    const state = await trip(env)
    await comeBack(env, state)
    expect(pendingLogin(env, state)).toBeUndefined()
  })

  it.each(['constructor', '__proto__', 'toString'])(
    'do not take a state named like an Object.prototype property (%s)',
    async (state) => {
      const env = createEnv()
      await trip(env)
      expect(await comeBack(env, state)).toEqual(IGNORED)
    },
  )

  it('are one per tab: a newer start replaces the older, whose callback is then ignored', async () => {
    const env = createEnv()
    const first = await trip(env, '/orders')
    const second = await trip(env, '/profile')
    expect(pendingLogin(env, second)).toMatchObject({ route: '/profile' })
    // On a route that needs no login: the ignored callback starts nothing.
    const late = await comeBack(env, first, '/public')
    expect(late).toEqual({ error: undefined, requests: [], tripped: false })
    // It leaves the newer login in place: its own callback still completes.
    const { error, requests } = await comeBack(env, second)
    expect([error, requests.length]).toEqual([undefined, 1])
  })

  it('are settled one at a time: an exchange that ends leaves a login started meanwhile', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/', scope: 'snsapi_base' })
    const gate = createGate()
    const page = loadPage(env, `${ORIGIN}/?code=C1&state=S1`, {
      reply: () => proxyError(503, 'upstream_unavailable'),
      gate,
    })
    const navigation = page.router.push('/?code=C1&state=S1')
    // While the exchange runs, the page starts another login (a framed QR code does).
    await gate.reached
    savePending(env, { state: 'S2', route: '/orders', scope: 'snsapi_base' })
    gate.open()
    await navigation
    expect(page.store.error?.code).toBe('upstream_unavailable')
    expect(pendingLogin(env, 'S2')).toMatchObject({ route: '/orders' })
    const { error, requests } = await comeBack(env, 'S2')
    expect([error, requests.length]).toEqual([undefined, 1])
  })

  it.each([false, true])(
    'ignore a callback with a code and no state (a login pending: %s)',
    async (started) => {
      const env = createEnv()
      if (started) await trip(env)
      const page = loadPage(env, `${ORIGIN}/?code=C1`)
      await page.router.push('/?code=C1')
      expect(page.store.error).toBeNull()
      expect(page.requests()).toHaveLength(0)
      expect(stateOf(tripUrl(page))).toHaveLength(64)
    },
  )

  it('are still valid just before 10 minutes', async () => {
    const env = createEnv()
    const state = await trip(env)
    env.now = () => NOW + PENDING_TTL_MS - 1
    const { error, requests } = await comeBack(env, state)
    expect(error).toBeUndefined()
    expect(requests).toHaveLength(1)
  })

  it('expire after 10 minutes', async () => {
    const env = createEnv()
    const state = await trip(env)
    env.now = () => NOW + PENDING_TTL_MS
    expect(await comeBack(env, state)).toEqual(IGNORED)
  })

  it.each([
    ['a list', [{ state: 'S2', route: '/', verifier: 'V', createdAt: NOW }]],
    ['no time', { state: 'S2', route: '/', verifier: 'V' }],
    ['a time in words', { state: 'S2', route: '/', verifier: 'V', createdAt: 'now' }],
    ['a number', 5],
    ['null', null],
  ])('refuse a malformed entry (%s) without an exchange', async (_name, entry) => {
    const env = createEnv()
    env.session.setItem(PENDING_KEY, JSON.stringify(entry))
    expect(await comeBack(env, 'S2')).toEqual(IGNORED)
  })

  it('survive a corrupt entry', async () => {
    const env = createEnv()
    env.session.setItem(PENDING_KEY, '{not json')
    expect(await trip(env)).toHaveLength(64)
  })

  it("leave the app's own sessionStorage keys alone", async () => {
    const env = createEnv()
    env.session.setItem('app:thing', 'x')
    await comeBack(env, 'whatever')
    expect(env.session.getItem('app:thing')).toBe('x')
  })
})
