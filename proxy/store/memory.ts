import type { Store, StoredTokens } from './types.js'

export interface MemoryStoreOptions {
  /**
   * Most token entries kept; the oldest written is evicted first, so memory stays bounded however many
   * users sign in.
   * @default 100_000
   */
  maxEntries?: number
  /**
   * Most revoked sessions kept. Expired revocations go first, then the oldest: evicting a live one lets
   * that logged-out session work again until its expiry, so keep this above the number of logouts per
   * SESSION_TTL.
   * @default 100_000
   */
  maxRevocations?: number
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

interface Entry {
  tokens: StoredTokens
  expiresAt: number
}

/** The default store: one process, lost on restart. Use Redis for several instances. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const { maxEntries = 100_000, maxRevocations = 100_000, now = Date.now } = options
  // A Map iterates in insertion order: re-inserting on write keeps the oldest entry first.
  const entries = new Map<string, Entry>()
  /** Session id -> epoch ms until which it is refused. */
  const revoked = new Map<string, number>()
  const key = (app: string, openid: string) => `${app}\u0000${openid}`

  function evictOldest(map: Map<string, unknown>, max: number): void {
    while (map.size > max) {
      const oldest = map.keys().next()
      if (oldest.done) break
      map.delete(oldest.value)
    }
  }

  return {
    kind: 'memory',
    async saveTokens(app, openid, tokens, ttlSeconds) {
      const id = key(app, openid)
      entries.delete(id)
      entries.set(id, { tokens: { ...tokens }, expiresAt: now() + ttlSeconds * 1000 })
      evictOldest(entries, maxEntries)
    },
    async getTokens(app, openid) {
      const id = key(app, openid)
      const entry = entries.get(id)
      if (!entry) return undefined
      if (entry.expiresAt <= now()) {
        entries.delete(id)
        return undefined
      }
      return { ...entry.tokens }
    },
    async deleteTokens(app, openid) {
      entries.delete(key(app, openid))
    },
    async revokeSession(id, untilMs) {
      const current = now()
      if (untilMs <= current) return
      revoked.delete(id)
      revoked.set(id, untilMs)
      if (revoked.size > maxRevocations) {
        for (const [other, until] of revoked) if (until <= current) revoked.delete(other)
        evictOldest(revoked, maxRevocations)
      }
    },
    async isSessionRevoked(id) {
      const until = revoked.get(id)
      if (until === undefined) return false
      if (until <= now()) {
        revoked.delete(id)
        return false
      }
      return true
    },
    async ping() {},
    async close() {
      entries.clear()
      revoked.clear()
    },
  }
}
