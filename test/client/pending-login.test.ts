import { describe, expect, it } from 'vitest'
import { createPendingLogins, PENDING_TTL_MS } from '../../client/pending-login'
import { safeStorage } from '../../client/safe-storage'
import { memoryStorage } from './helpers'

const KEY = 'wechat-h5-auth:v1:pending'

function setup() {
  const raw = memoryStorage()
  let time = 1_000_000
  const pending = createPendingLogins({ storage: safeStorage(() => raw), now: () => time })
  return { raw, pending, advance: (ms: number) => (time += ms) }
}

describe('pending logins', () => {
  it('returns the saved route, scope and verifier for the state', () => {
    const { pending } = setup()
    const { state, verifier } = pending.start({ route: '/orders?id=1', scope: 'snsapi_base' })
    expect(pending.take(state)).toMatchObject({
      verifier,
      route: '/orders?id=1',
      scope: 'snsapi_base',
    })
  })

  it('uses a 64-character alphanumeric state and an independent verifier', () => {
    const { pending } = setup()
    const { state, verifier } = pending.start({ route: '/', scope: 'snsapi_base' })
    expect(state).toMatch(/^[0-9a-zA-Z]{64}$/)
    expect(verifier).toMatch(/^[0-9a-zA-Z]{64}$/)
    expect(verifier).not.toBe(state)
  })

  it('saves the entry in sessionStorage with its state', () => {
    const { raw, pending } = setup()
    const { state } = pending.start({ route: '/', scope: 'snsapi_base' })
    expect(JSON.parse(raw.getItem(KEY) ?? 'null')).toEqual([
      {
        state,
        verifier: expect.any(String),
        route: '/',
        scope: 'snsapi_base',
        createdAt: 1_000_000,
      },
    ])
  })

  it('can be taken only once', () => {
    const { pending } = setup()
    const { state } = pending.start({ route: '/', scope: 'snsapi_base' })
    pending.take(state)
    expect(pending.take(state)).toBeUndefined()
  })

  it('returns undefined for an unknown state', () => {
    const { pending } = setup()
    pending.start({ route: '/', scope: 'snsapi_base' })
    expect(pending.take('unknown')).toBeUndefined()
  })

  it('does not take a state named like an Object.prototype property', () => {
    const { pending } = setup()
    pending.start({ route: '/', scope: 'snsapi_base' })
    expect(pending.take('constructor')).toBeUndefined()
    expect(pending.take('__proto__')).toBeUndefined()
  })

  it('keeps other logins when one is taken', () => {
    const { pending } = setup()
    const first = pending.start({ route: '/a', scope: 'snsapi_base' })
    const second = pending.start({ route: '/b', scope: 'snsapi_userinfo' })
    pending.take(second.state)
    expect(pending.take(first.state)?.route).toBe('/a')
  })

  it('is still valid just before 10 minutes', () => {
    const { pending, advance } = setup()
    const { state } = pending.start({ route: '/', scope: 'snsapi_base' })
    advance(PENDING_TTL_MS - 1)
    expect(pending.take(state)).toBeDefined()
  })

  it('expires after 10 minutes', () => {
    const { pending, advance } = setup()
    const { state } = pending.start({ route: '/', scope: 'snsapi_base' })
    advance(PENDING_TTL_MS)
    expect(pending.take(state)).toBeUndefined()
  })

  it('sweeps expired entries when another login starts', () => {
    const { raw, pending, advance } = setup()
    const { state } = pending.start({ route: '/', scope: 'snsapi_base' })
    advance(PENDING_TTL_MS)
    pending.start({ route: '/', scope: 'snsapi_base' })
    expect(raw.getItem(KEY)).not.toContain(state)
  })

  it('ignores and removes malformed entries', () => {
    const { raw, pending } = setup()
    raw.setItem(KEY, JSON.stringify([null, 5, { state: 's2', verifier: 'v', route: '/' }]))
    expect(pending.take('s2')).toBeUndefined()
    expect(JSON.parse(raw.getItem(KEY) ?? 'null')).toEqual([])
  })

  it('ignores a corrupt list', () => {
    const { raw, pending } = setup()
    raw.setItem(KEY, '{not json')
    expect(pending.take('s1')).toBeUndefined()
    expect(pending.start({ route: '/', scope: 'snsapi_base' }).state).toHaveLength(64)
  })

  it('leaves other keys in sessionStorage alone', () => {
    const { raw, pending } = setup()
    raw.setItem('app:thing', 'x')
    pending.take('whatever')
    expect(raw.getItem('app:thing')).toBe('x')
  })
})
