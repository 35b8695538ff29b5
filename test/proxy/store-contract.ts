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
 * lifetimes used here are short: whole seconds. Every test has its own store (a fixture), so they run
 * concurrently: on a real clock the waits overlap instead of adding up.
 */
import { describe, expect, test } from 'vitest'
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
  const it = test.extend<{ harness: StoreHarness; store: Store }>({
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from it
    harness: async ({}, use) => {
      const harness = await makeStore()
      await use(harness)
      await harness.store.close()
    },
    store: async ({ harness }, use) => use(harness.store),
  })

  describe.concurrent(`the ${name} store (Store contract)`, () => {
    it('returns the tokens it saved, every field intact', async ({ store }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
    })

    it('keeps tokens apart per app and per openid', async ({ store }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      expect(await store.getTokens('web', 'o1')).toBeUndefined()
      expect(await store.getTokens('mp', 'o2')).toBeUndefined()
    })

    it('replaces the tokens of the same app and openid', async ({ store }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      const next = { ...SAMPLE_TOKENS, accessToken: 'at-2', scope: 'snsapi_base' }
      await store.saveTokens('mp', 'o1', next, 60)
      expect(await store.getTokens('mp', 'o1')).toEqual(next)
    })

    it('does not let a caller change stored tokens through the returned object', async ({
      store,
    }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      const read = await store.getTokens('mp', 'o1')
      if (read) read.accessToken = 'changed'
      expect((await store.getTokens('mp', 'o1'))?.accessToken).toBe('at-1')
    })

    it('keeps tokens until their time to live and forgets them after it', async ({
      store,
      harness,
    }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 2)
      await harness.advance(1_000)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
      await harness.advance(1_100)
      expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    })

    it('deletes tokens', async ({ store }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      await store.deleteTokens('mp', 'o1')
      expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    })

    it('deletes tokens that are not there without failing', async ({ store }) => {
      await expect(store.deleteTokens('mp', 'nobody')).resolves.toBeUndefined()
    })

    describe('the tokens of a code exchange (keepExchangeTokens)', () => {
      const consented = (harness: StoreHarness, refreshInMs: number): StoredTokens => ({
        ...SAMPLE_TOKENS,
        scope: 'snsapi_userinfo',
        refreshExpiresAt: harness.now() + refreshInMs,
      })
      const silent = (harness: StoreHarness): StoredTokens => ({
        accessToken: 'at-base',
        refreshToken: 'rt-base',
        scope: 'snsapi_base',
        accessExpiresAt: harness.now() + 7_200_000,
        refreshExpiresAt: harness.now() + 60_000,
      })

      /** Keeps `tokens` as an exchange's and checks they were saved and answered. */
      async function expectSaved(store: Store, harness: StoreHarness, tokens: StoredTokens) {
        expect(await store.keepExchangeTokens('mp', 'o1', tokens, 60, harness.now())).toEqual(
          tokens,
        )
        expect(await store.getTokens('mp', 'o1')).toEqual(tokens)
      }

      it('saves them when nothing is kept, and answers them', async ({ store, harness }) => {
        await expectSaved(store, harness, silent(harness))
      })

      it('never replaces a live consented grant with a silent login, and answers the grant', async ({
        store,
        harness,
      }) => {
        const grant = consented(harness, 60_000)
        await store.saveTokens('mp', 'o1', grant, 60)
        const kept = await store.keepExchangeTokens('mp', 'o1', silent(harness), 60, harness.now())
        expect(kept).toEqual(grant)
        expect(await store.getTokens('mp', 'o1')).toEqual(grant)
      })

      it('replaces a consented grant whose refresh_token is dead', async ({ store, harness }) => {
        await store.saveTokens('mp', 'o1', consented(harness, -1), 60)
        await expectSaved(store, harness, silent(harness))
      })

      it('replaces a silent grant with a consented one, and a consented one with a newer', async ({
        store,
        harness,
      }) => {
        await store.saveTokens('mp', 'o1', silent(harness), 60)
        const first = consented(harness, 60_000)
        expect(await store.keepExchangeTokens('mp', 'o1', first, 60, harness.now())).toEqual(first)
        const second = { ...consented(harness, 60_000), accessToken: 'at-2' }
        await store.keepExchangeTokens('mp', 'o1', second, 60, harness.now())
        expect(await store.getTokens('mp', 'o1')).toEqual(second)
      })

      it('keeps what it saved for the time to live it was given', async ({ store, harness }) => {
        await store.keepExchangeTokens('mp', 'o1', silent(harness), 2, harness.now())
        await harness.advance(1_000)
        expect(await store.getTokens('mp', 'o1')).toBeDefined()
        await harness.advance(1_100)
        expect(await store.getTokens('mp', 'o1')).toBeUndefined()
      })

      it('does not let a caller change stored tokens through the answer', async ({
        store,
        harness,
      }) => {
        await store.saveTokens('mp', 'o1', consented(harness, 60_000), 60)
        const kept = await store.keepExchangeTokens('mp', 'o1', silent(harness), 60, harness.now())
        kept.accessToken = 'changed'
        expect((await store.getTokens('mp', 'o1'))?.accessToken).toBe('at-1')
      })
    })

    it('reports a session as revoked once revoked, and no other', async ({ store, harness }) => {
      await store.revokeSession('jti-1', harness.now() + 60_000)
      expect(await store.isSessionRevoked('jti-1')).toBe(true)
      expect(await store.isSessionRevoked('jti-2')).toBe(false)
    })

    it('keeps a revocation until the session would expire, and drops it after', async ({
      store,
      harness,
    }) => {
      await store.revokeSession('jti-1', harness.now() + 2_000)
      await harness.advance(1_000)
      expect(await store.isSessionRevoked('jti-1')).toBe(true)
      await harness.advance(1_100)
      expect(await store.isSessionRevoked('jti-1')).toBe(false)
    })

    it('ignores a revocation that is already over', async ({ store, harness }) => {
      await store.revokeSession('jti-1', harness.now() - 1)
      expect(await store.isSessionRevoked('jti-1')).toBe(false)
    })

    it('keeps revocations and tokens apart', async ({ store, harness }) => {
      await store.saveTokens('mp', 'o1', SAMPLE_TOKENS, 60)
      await store.revokeSession('o1', harness.now() + 60_000)
      expect(await store.getTokens('mp', 'o1')).toEqual(SAMPLE_TOKENS)
    })

    const OUTCOME = { status: 200, body: '{"openid":"o1","session":"s"}' }

    it('lets the first claim of a code win and tells later ones whom it is bound to', async ({
      store,
    }) => {
      expect(await store.claimCode('k1', 'v1', 60)).toEqual({ claimed: true })
      expect(await store.claimCode('k1', 'v1', 60)).toEqual({ claimed: false, verifierHash: 'v1' })
      expect(await store.claimCode('k1', 'v2', 60)).toEqual({ claimed: false, verifierHash: 'v1' })
      expect(await store.claimCode('k1', null, 60)).toEqual({ claimed: false, verifierHash: 'v1' })
    })

    it('lets exactly one of many simultaneous claims win', async ({ store }) => {
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claimCode('k1', `v${i}`, 60)),
      )
      expect(claims.filter((claim) => claim.claimed)).toHaveLength(1)
    })

    it('binds a claim made without a verifier to null', async ({ store }) => {
      await store.claimCode('k1', null, 60)
      expect(await store.claimCode('k1', null, 60)).toEqual({ claimed: false, verifierHash: null })
    })

    it('keeps claims of different codes apart', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      expect(await store.claimCode('k2', 'v2', 60)).toEqual({ claimed: true })
    })

    it('reads a claim as pending until it is settled', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      expect(await store.readCode('k1')).toEqual({ state: 'pending', verifierHash: 'v1' })
    })

    it('keeps the settled outcome, bound to the claimed verifier', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 60)
      expect(await store.readCode('k1')).toEqual({
        state: 'settled',
        verifierHash: 'v1',
        outcome: OUTCOME,
      })
      expect(await store.claimCode('k1', 'v1', 60)).toEqual({ claimed: false, verifierHash: 'v1' })
    })

    it('ignores a settlement of a code that is not claimed', async ({ store }) => {
      await store.settleCode('k1', OUTCOME, 60)
      expect(await store.readCode('k1')).toBeUndefined()
    })

    it('keeps a settled outcome for its time to live and forgets it after', async ({
      store,
      harness,
    }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 2)
      await harness.advance(1_000)
      expect((await store.readCode('k1'))?.state).toBe('settled')
      await harness.advance(1_100)
      expect(await store.readCode('k1')).toBeUndefined()
      expect(await store.claimCode('k1', 'v2', 60)).toEqual({ claimed: true })
    })

    it('forgets a pending claim after its time to live', async ({ store, harness }) => {
      await store.claimCode('k1', 'v1', 2)
      await harness.advance(2_100)
      expect(await store.readCode('k1')).toBeUndefined()
    })

    it('lets only the same verifier claim a released code again', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.releaseCode('k1')
      expect(await store.readCode('k1')).toEqual({ state: 'released', verifierHash: 'v1' })
      expect(await store.claimCode('k1', 'v2', 60)).toEqual({ claimed: false, verifierHash: 'v1' })
      expect(await store.claimCode('k1', null, 60)).toEqual({ claimed: false, verifierHash: 'v1' })
      expect(await store.claimCode('k1', 'v1', 60)).toEqual({ claimed: true })
      expect((await store.readCode('k1'))?.state).toBe('pending')
    })

    it('keeps the expiry of a claim when it is released', async ({ store, harness }) => {
      await store.claimCode('k1', 'v1', 2)
      await store.releaseCode('k1')
      await harness.advance(2_100)
      expect(await store.readCode('k1')).toBeUndefined()
    })

    it('releases a code that is not claimed without failing', async ({ store }) => {
      await expect(store.releaseCode('nothing')).resolves.toBeUndefined()
      expect(await store.readCode('nothing')).toBeUndefined()
    })

    it('does not let a caller change a kept outcome through the returned record', async ({
      store,
    }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 60)
      const read = await store.readCode('k1')
      if (read?.state === 'settled') read.outcome.body = 'changed'
      expect(await store.readCode('k1')).toMatchObject({ outcome: OUTCOME })
    })

    it('replays a settled outcome for its replay window only, then reads it as used', async ({
      store,
      harness,
    }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 3, 1)
      expect((await store.readCode('k1'))?.state).toBe('settled')
      await harness.advance(1_100)
      expect(await store.readCode('k1')).toMatchObject({ state: 'used' })
      expect(await store.readCode('k1')).not.toHaveProperty('outcome')
    })

    it('refuses every claim of a used code, the bound verifier included', async ({
      store,
      harness,
    }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 3, 1)
      await harness.advance(1_100)
      for (const verifierHash of ['v1', 'v2', null]) {
        expect(await store.claimCode('k1', verifierHash, 60)).toMatchObject({ claimed: false })
      }
    })

    it('forgets a used code at the end of its lifetime', async ({ store, harness }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 2, 1)
      await harness.advance(2_100)
      expect(await store.readCode('k1')).toBeUndefined()
      expect(await store.claimCode('k1', 'v2', 60)).toEqual({ claimed: true })
    })

    it('keeps the outcome for the whole lifetime when no replay window is given', async ({
      store,
      harness,
    }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 2)
      await harness.advance(1_500)
      expect(await store.readCode('k1')).toMatchObject({ state: 'settled', outcome: OUTCOME })
    })

    it('does not release a settled code', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 60)
      await store.releaseCode('k1')
      expect(await store.readCode('k1')).toMatchObject({ state: 'settled', outcome: OUTCOME })
    })

    it('keeps a used code used when it is settled again', async ({ store, harness }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 60, 1)
      await harness.advance(1_100)
      await store.settleCode('k1', { status: 200, body: '{"again":true}' }, 60, 30)
      expect(await store.readCode('k1')).toEqual({ state: 'used', verifierHash: null })
    })

    it('replays for a window given in a fraction of a second', async ({ store }) => {
      await store.claimCode('k1', 'v1', 60)
      await store.settleCode('k1', OUTCOME, 60, 1.0005)
      expect(await store.readCode('k1')).toMatchObject({ state: 'settled', outcome: OUTCOME })
    })

    const TOKEN = { value: 'basic-1', expiresAt: 7_200_000, refreshAt: 6_900_000 }

    it('returns the credential it saved, every field intact', async ({ store }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      expect(await store.getCredential('wx1', 'token')).toEqual(TOKEN)
    })

    it('keeps credentials apart per appid and per name', async ({ store }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      expect(await store.getCredential('wx2', 'token')).toBeUndefined()
      expect(await store.getCredential('wx1', 'ticket')).toBeUndefined()
    })

    it('replaces a credential and keeps it for its own time to live', async ({
      store,
      harness,
    }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      await store.saveCredential('wx1', 'token', { ...TOKEN, value: 'basic-2' }, 2_000)
      await harness.advance(1_000)
      expect((await store.getCredential('wx1', 'token'))?.value).toBe('basic-2')
      await harness.advance(1_100)
      expect(await store.getCredential('wx1', 'token')).toBeUndefined()
    })

    it('does not let a caller change a kept credential through the returned object', async ({
      store,
    }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      const read = await store.getCredential('wx1', 'token')
      if (read) read.value = 'changed'
      expect(await store.getCredential('wx1', 'token')).toEqual(TOKEN)
    })

    it('forgets a credential only while it still holds the value refused', async ({ store }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      expect(await store.forgetCredential('wx1', 'token', 'basic-0')).toBe(false)
      expect(await store.getCredential('wx1', 'token')).toEqual(TOKEN)
      expect(await store.forgetCredential('wx1', 'token', 'basic-1')).toBe(true)
      expect(await store.getCredential('wx1', 'token')).toBeUndefined()
      expect(await store.forgetCredential('wx1', 'token', 'basic-1')).toBe(false)
    })

    it('forgets one credential of an app and keeps the other', async ({ store }) => {
      await store.saveCredential('wx1', 'token', TOKEN, 60_000)
      await store.saveCredential('wx1', 'ticket', { ...TOKEN, value: 'ticket-1' }, 60_000)
      await store.forgetCredential('wx1', 'token', 'basic-1')
      expect((await store.getCredential('wx1', 'ticket'))?.value).toBe('ticket-1')
    })

    it('saves under a lock only while no other holder has it', async ({ store }) => {
      const mine = await store.lockCredentials('wx1', 60_000)
      if (mine === undefined) throw new Error('no lock')
      expect(await store.saveCredential('wx1', 'token', TOKEN, 60_000, mine)).toBe(true)
      await store.unlockCredentials('wx1', mine)
      // Another instance holds the lock now: a holder whose lock lapsed keeps its hands off.
      const theirs = await store.lockCredentials('wx1', 60_000)
      if (theirs === undefined) throw new Error('no lock')
      const stale = { ...TOKEN, value: 'basic-stale' }
      expect(await store.saveCredential('wx1', 'token', stale, 60_000, mine)).toBe(false)
      expect(await store.getCredential('wx1', 'token')).toEqual(TOKEN)
      expect(await store.saveCredential('wx1', 'token', stale, 60_000, theirs)).toBe(true)
      // A lock that lapsed untaken stops nobody.
      await store.unlockCredentials('wx1', theirs)
      expect(await store.saveCredential('wx1', 'ticket', TOKEN, 60_000, mine)).toBe(true)
    })

    it('lets exactly one of many simultaneous lockers hold the lock', async ({ store }) => {
      const tokens = await Promise.all(
        Array.from({ length: 10 }, () => store.lockCredentials('wx1', 60_000)),
      )
      expect(tokens.filter((token) => token !== undefined)).toHaveLength(1)
    })

    it('keeps the locks of different apps apart', async ({ store }) => {
      expect(await store.lockCredentials('wx1', 60_000)).toBeTypeOf('string')
      expect(await store.lockCredentials('wx2', 60_000)).toBeTypeOf('string')
    })

    it('gives the lock again once its holder releases it', async ({ store }) => {
      const token = await store.lockCredentials('wx1', 60_000)
      await store.unlockCredentials('wx1', token!)
      expect(await store.lockCredentials('wx1', 60_000)).toBeTypeOf('string')
    })

    it('releases the lock only for the token that holds it', async ({ store }) => {
      const token = await store.lockCredentials('wx1', 60_000)
      await store.unlockCredentials('wx1', `${token}x`)
      expect(await store.lockCredentials('wx1', 60_000)).toBeUndefined()
    })

    it('frees a lock whose holder never released it at the end of its time', async ({
      store,
      harness,
    }) => {
      const first = await store.lockCredentials('wx1', 1_000)
      await harness.advance(1_100)
      const second = await store.lockCredentials('wx1', 60_000)
      expect(second).toBeTypeOf('string')
      expect(second).not.toBe(first)
      // The first holder, late, cannot release the lock the second one holds now.
      await store.unlockCredentials('wx1', first!)
      expect(await store.lockCredentials('wx1', 60_000)).toBeUndefined()
    })

    it('answers ping when it is up', async ({ store }) => {
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}
