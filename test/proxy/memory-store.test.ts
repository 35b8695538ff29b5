import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryStore } from '../../proxy/store/index.js'
import type { MemoryStoreOptions, Store } from '../../proxy/store/index.js'
import { SAMPLE_TOKENS, describeStoreContract } from './store-contract.js'

function fakeClock(): { now: () => number; advance: (ms: number) => Promise<void> } {
  let now = Date.UTC(2025, 0, 1)
  return { now: () => now, advance: async (ms) => void (now += ms) }
}

/** A memory store on a fake clock, with the clock. */
function clockedStore(options: MemoryStoreOptions = {}) {
  const clock = fakeClock()
  return { store: createMemoryStore({ ...options, now: clock.now }), ...clock }
}

describeStoreContract('memory', async () => clockedStore())

describe('the memory store: bounds', () => {
  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])(
    'refuses a sweep interval of %s ms',
    (sweepEveryMs) => {
      expect(() => createMemoryStore({ sweepEveryMs })).toThrow(RangeError)
    },
  )

  it('takes a sweep interval of 1 ms or more', () => {
    const store = createMemoryStore({ sweepEveryMs: 1 })
    expect(store.kind).toBe('memory')
    return store.close()
  })

  it('evicts the oldest tokens beyond maxEntries', async () => {
    const { store } = clockedStore({ maxEntries: 2 })
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.saveTokens('mp', 'o2', SAMPLE_TOKENS, 60)
    await store.saveTokens('mp', 'o3', SAMPLE_TOKENS, 60)
    expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    expect(await store.getTokens('mp', 'o2')).toEqual(SAMPLE_TOKENS)
    expect(await store.getTokens('mp', 'o3')).toEqual(SAMPLE_TOKENS)
  })

  it('counts a rewrite as the newest entry', async () => {
    const { store } = clockedStore({ maxEntries: 2 })
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.saveTokens('mp', 'o2', SAMPLE_TOKENS, 60)
    await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
    await store.saveTokens('mp', 'o3', SAMPLE_TOKENS, 60)
    expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
    expect(await store.getTokens('mp', 'o2')).toBeUndefined()
  })

  it('drops expired revocations before live ones when full', async () => {
    const { store, now, advance } = clockedStore({ maxRevocations: 2 })
    await store.revokeSession('long', now() + 3_600_000)
    await store.revokeSession('short', now() + 1_000)
    // Expired revocations are dropped within a minute of their expiry.
    await advance(61_000)
    await store.revokeSession('newer', now() + 60_000)
    expect(await store.isSessionRevoked('long')).toBe(true)
    expect(await store.isSessionRevoked('newer')).toBe(true)
  })

  it('evicts the oldest code record beyond maxCodes', async () => {
    const { store } = clockedStore({ maxCodes: 2 })
    await store.claimCode('k1', 'v', 60)
    await store.claimCode('k2', 'v', 60)
    await store.claimCode('k3', 'v', 60)
    expect(await store.readCode('k1')).toBeUndefined()
    expect(await store.readCode('k2')).toBeDefined()
    expect(await store.readCode('k3')).toBeDefined()
  })
})

describe('the memory store: memory over time', () => {
  // A full collection, reachable without starting node with --expose-gc.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const heapAfterGc = () => {
    gc()
    return process.memoryUsage().heapUsed
  }

  const count = 300
  const size = 100_000
  /** `count` codes settled with answers of `size` bytes, replayed for 15 s. */
  async function settleMany(store: Store): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = `code-${i}`
      await store.claimCode(id, null, 300)
      // A distinct, flat answer each (not a rope of shared pieces), so that the heap holds them all.
      const body = randomBytes(size / 2).toString('hex')
      await store.settleCode(id, { status: 200, body }, 300, 15)
    }
  }

  it('drops answers past their replay window while no new code arrives', async () => {
    // The sweeper's interval on fake time: the test runs its sweeps instead of waiting for them.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const { store, advance } = clockedStore({ sweepEveryMs: 10 })
      await settleMany(store)
      const holding = heapAfterGc()
      // Past the replay window, then a few sweeps later; nothing touches the store meanwhile.
      await advance(16_000)
      vi.advanceTimersByTime(30)
      const released = holding - heapAfterGc()
      expect(released).toBeGreaterThan(count * size * 0.7)
      // The codes are still known as used.
      expect(await store.readCode('code-0')).toEqual({ state: 'used', verifierHash: null })
      await store.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('lets a store dropped without close() go, records and all', async () => {
    const before = heapAfterGc()
    await settleMany(clockedStore({ sweepEveryMs: 10 }).store)
    // The sweeper alone must not keep the store's records alive: once a collection finds the store
    // unreachable, its sweeper is stopped (a task after that collection), and the next one frees what
    // it held. Given a few rounds, for a loaded machine.
    let kept = heapAfterGc() - before
    for (let round = 0; round < 10 && kept >= count * size * 0.3; round++) {
      await sleep(20)
      kept = heapAfterGc() - before
    }
    expect(kept).toBeLessThan(count * size * 0.3)
  })
})
