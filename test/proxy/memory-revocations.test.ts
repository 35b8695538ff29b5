import { describe, expect, it } from 'vitest'
import { createMemoryStore, StoreFullError } from '../../proxy/store/index.js'
import type { MemoryStoreOptions } from '../../proxy/store/index.js'
import { createRevocations } from '../../proxy/store/memory-revocations.js'

const START = Date.UTC(2025, 0, 1)
const HOUR = 3_600_000

/** A memory store on a fake clock, with the clock. */
function clockedStore(options: MemoryStoreOptions = {}) {
  let now = START
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) }
  return { store: createMemoryStore({ ...options, now: clock.now }), ...clock }
}

const mapIterator = Object.getPrototypeOf(new Map().keys()) as Iterator<unknown>
const arrayIterator = Object.getPrototypeOf([].values()) as Iterator<unknown>

/**
 * Steps taken through any Map or Array (for...of, spread, keys()) while `run` runs synchronously:
 * the work that grows with what a store keeps. The memory store's calls do all their work before
 * their first await.
 */
function iterationSteps(run: () => void): number {
  let steps = 0
  const originals = [mapIterator.next, arrayIterator.next] as const
  for (const proto of [mapIterator, arrayIterator]) {
    const next = proto.next
    proto.next = function (this: Iterator<unknown>, ...args: []) {
      steps++
      return next.apply(this, args)
    }
  }
  try {
    run()
  } finally {
    mapIterator.next = originals[0]
    arrayIterator.next = originals[1]
  }
  return steps
}

describe('the memory store: revocations', () => {
  it('refuses a new revocation when maxRevocations are live, forgetting none', async () => {
    const { store, now } = clockedStore({ maxRevocations: 2 })
    await store.revokeSession('j1', now() + HOUR)
    await store.revokeSession('j2', now() + HOUR)
    await expect(store.revokeSession('j3', now() + HOUR)).rejects.toBeInstanceOf(StoreFullError)
    expect(store.isSessionRevoked('j1')).toBe(true)
    expect(store.isSessionRevoked('j2')).toBe(true)
    expect(store.isSessionRevoked('j3')).toBe(false)
  })

  it('takes a session revoked again when full', async () => {
    const { store, now } = clockedStore({ maxRevocations: 1 })
    await store.revokeSession('j1', now() + HOUR)
    await store.revokeSession('j1', now() + HOUR)
    expect(store.isSessionRevoked('j1')).toBe(true)
  })

  it('refuses a session until its own expiry among many shorter revocations', async () => {
    const { store, now, advance } = clockedStore({ maxRevocations: 1000 })
    await store.revokeSession('first', now() + 2 * HOUR)
    for (let i = 0; i < 5000; i++) {
      advance(1000)
      await store.revokeSession(`j${i}`, now() + 60_000)
    }
    expect(store.isSessionRevoked('first')).toBe(true)
    advance(HOUR)
    expect(store.isSessionRevoked('first')).toBe(false)
  })

  it.each([1_000, 30_000])(
    'does the same work per logout with %i live revocations kept',
    async (kept) => {
      const { store, now } = clockedStore({ maxRevocations: kept })
      // Issued at different times and logged out in another order: not in expiry order.
      for (let i = 0; i < kept; i++)
        await store.revokeSession(`j${i}`, now() + ((i * 7919) % 168) * HOUR + HOUR)
      const answers: Promise<void>[] = []
      const steps = iterationSteps(() => {
        for (let i = 0; i < 50; i++) {
          answers.push(store.revokeSession(`new${i}`, now() + HOUR))
          store.isSessionRevoked(`j${i}`)
        }
      })
      const settled = await Promise.allSettled(answers)
      expect(settled.every((answer) => answer.status === 'rejected')).toBe(true)
      expect(steps).toBe(0)
    },
  )

  it('drops each expired revocation once, in work that follows the logouts, not the map', () => {
    let now = START
    const revocations = createRevocations(1_000_000, () => now)
    const count = 20_000
    const steps = iterationSteps(() => {
      // A week of logouts, one every 30 s, each for a session with up to a week left.
      for (let i = 0; i < count; i++) {
        now += 30_000
        revocations.revoke(`j${i}`, now + ((i * 7919) % 10_080) * 60_000 + 1)
      }
      now += 8 * 24 * HOUR
      revocations.sweep()
    })
    expect(revocations.size).toBe(0)
    // One step per revocation dropped, one per bucket walked: amortized O(1) per logout.
    expect(steps).toBeLessThan(3 * count)
  })

  it('drops expired revocations within a minute, without a new logout', () => {
    let now = START
    const revocations = createRevocations(10, () => now)
    revocations.revoke('j1', now + 1000)
    now += 61_000
    revocations.sweep()
    expect(revocations.size).toBe(0)
  })
})
