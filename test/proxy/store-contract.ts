/**
 * The behaviour every Store implementation must share (memory now, Redis later). Run it from a
 * `*.test.ts` file:
 *
 *   describeStoreContract('memory', async () => {
 *     let now = Date.UTC(2025, 0, 1)
 *     return { store: createMemoryStore({ now: () => now }), now: () => now, advance: async (ms) => void (now += ms) }
 *   })
 *
 * `advance` moves the store's clock (a fake clock, or a real wait for a server such as Redis), so the
 * lifetimes used here are short: whole seconds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store, StoredTokens } from '../../proxy/store/index.js'

export interface StoreHarness {
  store: Store
  /** The store's clock, epoch milliseconds. */
  now(): number
  /** Lets `ms` pass on the store's clock. */
  advance(ms: number): Promise<void>
}

export const SAMPLE_TOKENS: StoredTokens = {
  accessToken: 'at-1',
  refreshToken: 'rt-1',
  scope: 'snsapi_userinfo',
  accessExpiresAt: 1_000,
  refreshExpiresAt: 2_000,
  unionid: 'u-1',
  snapshotUser: true,
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`the ${name} store (Store contract)`, () => {
    let harness: StoreHarness
    let store: Store

    beforeEach(async () => {
      harness = await makeStore()
      store = harness.store
    })

    afterEach(async () => {
      await store.close()
    })

    it('returns the tokens it saved, every field intact', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
    })

    it('keeps tokens apart per app and per openid', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      expect(await store.getTokens('web', 'o1')).toBeUndefined()
      expect(await store.getTokens('mp', 'o2')).toBeUndefined()
    })

    it('replaces the tokens of the same app and openid', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      const next = { ...SAMPLE_TOKENS, accessToken: 'at-2', scope: 'snsapi_base' }
      await store.saveTokens('mp', 'o1', next, 60)
      expect(await store.getTokens('mp', 'o1')).toEqual(next)
    })

    it('does not let a caller change stored tokens through the returned object', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      const read = await store.getTokens('mp', 'o1')
      if (read) read.accessToken = 'changed'
      expect((await store.getTokens('mp', 'o1'))?.accessToken).toBe('at-1')
    })

    it('keeps tokens until their time to live and forgets them after it', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 2)
      await harness.advance(1_000)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
      await harness.advance(1_100)
      expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    })

    it('deletes tokens', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      await store.deleteTokens('mp', 'o1')
      expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    })

    it('deletes tokens that are not there without failing', async () => {
      await expect(store.deleteTokens('mp', 'nobody')).resolves.toBeUndefined()
    })

    it('reports a session as revoked once revoked, and no other', async () => {
      await store.revokeSession('jti-1', harness.now() + 60_000)
      expect(await store.isSessionRevoked('jti-1')).toBe(true)
      expect(await store.isSessionRevoked('jti-2')).toBe(false)
    })

    it('keeps a revocation until the session would expire, and drops it after', async () => {
      await store.revokeSession('jti-1', harness.now() + 2_000)
      await harness.advance(1_000)
      expect(await store.isSessionRevoked('jti-1')).toBe(true)
      await harness.advance(1_100)
      expect(await store.isSessionRevoked('jti-1')).toBe(false)
    })

    it('ignores a revocation that is already over', async () => {
      await store.revokeSession('jti-1', harness.now() - 1)
      expect(await store.isSessionRevoked('jti-1')).toBe(false)
    })

    it('keeps revocations and tokens apart', async () => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      await store.revokeSession('o1', harness.now() + 60_000)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
    })

    it('answers ping when it is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}
