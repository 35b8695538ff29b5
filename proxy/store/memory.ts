import type { Store, StoredTokens } from './types.js'

export interface MemoryStoreOptions {
  /**
   * Most entries kept; the oldest written is evicted first, so memory stays bounded however many
   * users sign in.
   * @default 100_000
   */
  maxEntries?: number
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

interface Entry {
  tokens: StoredTokens
  expiresAt: number
}

/** The default store: one process, lost on restart. Use Redis for several instances. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const { maxEntries = 100_000, now = Date.now } = options
  // A Map iterates in insertion order: re-inserting on write keeps the oldest entry first.
  const entries = new Map<string, Entry>()
  const key = (app: string, openid: string) => `${app}\u0000${openid}`

  return {
    kind: 'memory',
    async saveTokens(app, openid, tokens, ttlSeconds) {
      const id = key(app, openid)
      entries.delete(id)
      entries.set(id, { tokens: { ...tokens }, expiresAt: now() + ttlSeconds * 1000 })
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done) break
        entries.delete(oldest.value)
      }
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
    async ping() {},
    async close() {
      entries.clear()
    },
  }
}
