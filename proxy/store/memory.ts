import type { CodeRecord, Store, StoredTokens } from './types.js'

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
  /**
   * Most code records kept (one per code exchanged in the last 5-10 minutes). Evicting a live one is
   * harmless: a replay of that code goes to WeChat again, which answers 40163.
   * @default 100_000
   */
  maxCodes?: number
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

interface Expiring<T> {
  value: T
  expiresAt: number
}

/** The default store: one process, lost on restart. Use Redis for several instances. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const { maxEntries = 100_000, maxRevocations = 100_000, maxCodes = 100_000 } = options
  const { now = Date.now } = options
  // A Map iterates in insertion order: re-inserting on write keeps the oldest entry first.
  const entries = new Map<string, Expiring<StoredTokens>>()
  /** Session id -> epoch ms until which it is refused. */
  const revoked = new Map<string, number>()
  const codes = new Map<string, Expiring<CodeRecord>>()
  const key = (app: string, openid: string) => `${app}\u0000${openid}`

  function evictOldest(map: Map<string, unknown>, max: number): void {
    while (map.size > max) {
      const oldest = map.keys().next()
      if (oldest.done) break
      map.delete(oldest.value)
    }
  }

  function live<T>(map: Map<string, Expiring<T>>, id: string): T | undefined {
    const entry = map.get(id)
    if (!entry) return undefined
    if (entry.expiresAt <= now()) {
      map.delete(id)
      return undefined
    }
    return entry.value
  }

  function putCode(id: string, record: CodeRecord, expiresAt: number): void {
    codes.delete(id)
    codes.set(id, { value: record, expiresAt })
    evictOldest(codes, maxCodes)
  }

  return {
    kind: 'memory',
    async saveTokens(app, openid, tokens, ttlSeconds) {
      const id = key(app, openid)
      entries.delete(id)
      entries.set(id, { value: { ...tokens }, expiresAt: now() + ttlSeconds * 1000 })
      evictOldest(entries, maxEntries)
    },
    async getTokens(app, openid) {
      const tokens = live(entries, key(app, openid))
      return tokens ? { ...tokens } : undefined
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
    // One process, no await between the read and the write: the claim is atomic by construction.
    async claimCode(id, verifierHash, ttlSeconds) {
      const record = live(codes, id)
      if (record && !(record.state === 'released' && record.verifierHash === verifierHash)) {
        return { claimed: false, verifierHash: record.verifierHash }
      }
      putCode(id, { state: 'pending', verifierHash }, now() + ttlSeconds * 1000)
      return { claimed: true }
    },
    async settleCode(id, outcome, ttlSeconds) {
      const record = live(codes, id)
      if (!record) return
      const settled = { state: 'settled' as const, verifierHash: record.verifierHash, outcome }
      putCode(id, settled, now() + ttlSeconds * 1000)
    },
    async readCode(id) {
      const record = live(codes, id)
      return record ? structuredClone(record) : undefined
    },
    async releaseCode(id) {
      const entry = codes.get(id)
      if (!entry || entry.expiresAt <= now()) return
      entry.value = { state: 'released', verifierHash: entry.value.verifierHash }
    },
    async ping() {},
    async close() {
      entries.clear()
      revoked.clear()
      codes.clear()
    },
  }
}
