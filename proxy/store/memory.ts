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
   * Most code records kept of each kind: exchanges running or released, settled answers (kept for
   * the replay window only) and `used` marks (one per code exchanged in the code's last 5-10
   * minutes, a few dozen bytes each). Evicting a live one is harmless: a replay of that code goes to
   * WeChat again, which answers 40163.
   * @default 100_000
   */
  maxCodes?: number
  /**
   * How often, in milliseconds, expired code records are dropped when no code arrives to drop them
   * (each new code drops those ahead of it). Without it the answers of the last burst of logins would
   * stay in memory, and in every full garbage collection's work, until the next login. From 1 to
   * 2147483647 (Node's longest timer); anything else throws a RangeError.
   * @default 5000
   */
  sweepEveryMs?: number
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

interface Entry {
  tokens: StoredTokens
  expiresAt: number
}

/** A code whose exchange is running (`pending`) or failed in transit (`released`). */
interface OpenCode {
  state: 'pending' | 'released'
  verifierHash: string | null
  /** Store milliseconds (see `origin`). */
  expiresAt: number
}

/** A settled code: its answer while it may be replayed, then only the fact that it was used. */
interface SettledCode {
  verifierHash: string | null
  status: number
  body: string
  /** Store milliseconds: the answer is replayed until then... */
  replayUntil: number
  /** ...and the code is known as used until then. */
  usedUntil: number
  ttlSeconds: number
}

/**
 * Stops the sweep of a store nobody holds any more (one dropped without close(), e.g. the router's
 * own when a dev server rebuilds the app): the timer's callback would otherwise keep all its records.
 */
const sweeps = new FinalizationRegistry<NodeJS.Timeout>((timer) => clearInterval(timer))

/** The default store: one process, lost on restart. Use Redis for several instances. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const { maxEntries = 100_000, maxRevocations = 100_000, maxCodes = 100_000 } = options
  const { now = Date.now, sweepEveryMs = 5000 } = options
  // Node runs a timer of 0 or less, or of more than 2^31 - 1 ms, every millisecond: a mistake, not a
  // setting.
  if (!(sweepEveryMs >= 1 && sweepEveryMs <= 2 ** 31 - 1)) {
    throw new RangeError(`sweepEveryMs must be 1 to 2147483647 milliseconds, got ${sweepEveryMs}`)
  }
  // A Map iterates in insertion order: re-inserting on write keeps the oldest entry first.
  const entries = new Map<string, Entry>()
  /** Session id -> epoch ms until which it is refused. */
  const revoked = new Map<string, number>()
  const key = (app: string, openid: string) => `${app}\u0000${openid}`

  // Code records, by what they still need. Each map is in insertion order, which is expiry order for
  // entries of one lifetime, so expired entries are dropped from the front as new ones arrive, and
  // by a sweep every `sweepEveryMs` when none do: no scan of live entries. Times are milliseconds
  // since the store was made, small integers that V8 keeps inline (an epoch-millisecond double would
  // cost a heap number per entry).
  const origin = now()
  const clock = () => now() - origin
  const open = new Map<string, OpenCode>()
  const settled = new Map<string, SettledCode>()
  /** Codes known as used, per lifetime in seconds: hash of app and code -> store ms until. */
  const used = new Map<number, Map<string, number>>()

  function evictOldest(map: Map<string, unknown>, max: number): void {
    while (map.size > max) {
      const oldest = map.keys().next()
      if (oldest.done) break
      map.delete(oldest.value)
    }
  }

  function markUsed(id: string, ttlSeconds: number, until: number): void {
    let marks = used.get(ttlSeconds)
    if (!marks) used.set(ttlSeconds, (marks = new Map()))
    marks.delete(id)
    marks.set(id, until)
    evictOldest(marks, maxCodes)
  }

  /** Drops what expired, from the front of each map; answers past their window become used marks. */
  function sweep(t: number): void {
    for (const [id, code] of open) {
      if (code.expiresAt > t) break
      open.delete(id)
    }
    for (const [id, code] of settled) {
      if (code.replayUntil > t) break
      settled.delete(id)
      if (code.usedUntil > t) markUsed(id, code.ttlSeconds, code.usedUntil)
    }
    for (const marks of used.values()) {
      for (const [id, until] of marks) {
        if (until > t) break
        marks.delete(id)
      }
    }
  }

  function isMarkedUsed(id: string, t: number): boolean {
    for (const marks of used.values()) {
      const until = marks.get(id)
      if (until !== undefined && until > t) return true
    }
    return false
  }

  /** The live record of a code, as the Store contract describes it. */
  function recordOf(id: string, t: number): CodeRecord | undefined {
    const pending = open.get(id)
    if (pending && pending.expiresAt > t) {
      return { state: pending.state, verifierHash: pending.verifierHash }
    }
    const answer = settled.get(id)
    if (answer && answer.replayUntil > t) {
      const outcome = { status: answer.status, body: answer.body }
      return { state: 'settled', verifierHash: answer.verifierHash, outcome }
    }
    if ((answer && answer.usedUntil > t) || isMarkedUsed(id, t)) {
      // The binding is not kept past the window: a used code answers nobody.
      return { state: 'used', verifierHash: null }
    }
    return undefined
  }

  function forgetCode(id: string): void {
    open.delete(id)
    settled.delete(id)
    for (const marks of used.values()) marks.delete(id)
  }

  // Never keeps the process alive; close() stops it, or `sweeps` once the store is dropped.
  const sweeper = setInterval(() => sweep(clock()), sweepEveryMs)
  sweeper.unref()

  // Referenced by no function in here (the sweeper's callback shares their scope), so that dropping
  // it lets `sweeps` stop the sweeper.
  const store: Store = {
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
    isSessionRevoked(id) {
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
      const t = clock()
      sweep(t)
      const record = recordOf(id, t)
      if (record && !(record.state === 'released' && record.verifierHash === verifierHash)) {
        return { claimed: false, verifierHash: record.verifierHash }
      }
      forgetCode(id)
      open.set(id, { state: 'pending', verifierHash, expiresAt: t + ttlSeconds * 1000 })
      evictOldest(open, maxCodes)
      return { claimed: true }
    },
    async settleCode(id, outcome, ttlSeconds, replaySeconds = ttlSeconds) {
      const t = clock()
      sweep(t)
      const record = recordOf(id, t)
      if (!record || record.state === 'used') return
      forgetCode(id)
      const usedUntil = t + ttlSeconds * 1000
      const replayUntil = t + Math.min(replaySeconds, ttlSeconds) * 1000
      if (replayUntil <= t) {
        markUsed(id, ttlSeconds, usedUntil)
        return
      }
      const { verifierHash } = record
      const { status, body } = outcome
      settled.set(id, { verifierHash, status, body, replayUntil, usedUntil, ttlSeconds })
      evictOldest(settled, maxCodes)
    },
    async readCode(id) {
      return recordOf(id, clock())
    },
    async releaseCode(id) {
      // Only a running exchange is released: a settled or used code stays what it is.
      const pending = open.get(id)
      if (pending && pending.state === 'pending' && pending.expiresAt > clock()) {
        pending.state = 'released'
      }
    },
    async ping() {},
    async close() {
      clearInterval(sweeper)
      entries.clear()
      revoked.clear()
      open.clear()
      settled.clear()
      used.clear()
    },
  }
  sweeps.register(store, sweeper)
  return store
}
