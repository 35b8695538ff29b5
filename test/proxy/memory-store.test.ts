import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../proxy/store/index.js'
import type { StoredTokens } from '../../proxy/store/index.js'

const TOKENS: StoredTokens = {
  accessToken: 'at',
  refreshToken: 'rt',
  scope: 'snsapi_base',
  accessExpiresAt: 1,
  refreshExpiresAt: 2,
}

describe('the memory store', () => {
  it('returns the tokens it saved for that app and openid only', async () => {
    const store = createMemoryStore()
    await store.saveTokens('mp', 'o1', TOKENS, 60)
    expect(await store.getTokens('mp', 'o1')).toEqual(TOKENS)
    expect(await store.getTokens('web', 'o1')).toBeUndefined()
    expect(await store.getTokens('mp', 'o2')).toBeUndefined()
  })

  it('forgets tokens after their time to live', async () => {
    let now = 0
    const store = createMemoryStore({ now: () => now })
    await store.saveTokens('mp', 'o1', TOKENS, 60)
    now = 60_000
    expect(await store.getTokens('mp', 'o1')).toBeUndefined()
  })

  it('evicts the oldest entry beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 2 })
    await store.saveTokens('mp', 'o1', TOKENS, 60)
    await store.saveTokens('mp', 'o2', TOKENS, 60)
    await store.saveTokens('mp', 'o3', TOKENS, 60)
    expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    expect(await store.getTokens('mp', 'o3')).toEqual(TOKENS)
  })

  it('deletes tokens', async () => {
    const store = createMemoryStore()
    await store.saveTokens('mp', 'o1', TOKENS, 60)
    await store.deleteTokens('mp', 'o1')
    expect(await store.getTokens('mp', 'o1')).toBeUndefined()
  })
})
