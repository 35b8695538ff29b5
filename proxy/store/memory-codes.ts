import type { CodeClaim, CodeOutcome, CodeRecord } from './types.js'

/** A code whose exchange is running (`pending`) or failed in transit (`released`). */
interface OpenCode {
  state: 'pending' | 'released'
  verifierHash: string | null
  /** Store milliseconds (the `clock` of createCodeRecords). */
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

/** Drops the oldest entries (a Map iterates in insertion order) until `map` holds at most `max`. */
export function evictOldest(map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next()
    if (oldest.done) break
    map.delete(oldest.value)
  }
}

/**
 * The memory store's code records (the Store contract's claimCode, settleCode, readCode and
 * releaseCode), at most `maxCodes` of each kind. `clock` is in milliseconds since the store was made.
 */
export function createCodeRecords(maxCodes: number, clock: () => number) {
  // Code records, by what they still need. Each map is in insertion order, which is expiry order for
  // entries of one lifetime, so expired entries are dropped from the front as new ones arrive, and
  // by a sweep every `sweepEveryMs` when none do: no scan of live entries. Times are milliseconds
  // since the store was made, small integers that V8 keeps inline (an epoch-millisecond double would
  // cost a heap number per entry).
  const open = new Map<string, OpenCode>()
  const settled = new Map<string, SettledCode>()
  /** Codes known as used, per lifetime in seconds: hash of app and code -> store ms until. */
  const used = new Map<number, Map<string, number>>()

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

  return {
    claim(id: string, verifierHash: string | null, ttlSeconds: number): CodeClaim {
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
    settle(id: string, outcome: CodeOutcome, ttlSeconds: number, replaySeconds: number): void {
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
    read: (id: string): CodeRecord | undefined => recordOf(id, clock()),
    release(id: string): void {
      // Only a running exchange is released: a settled or used code stays what it is.
      const pending = open.get(id)
      if (pending && pending.state === 'pending' && pending.expiresAt > clock()) {
        pending.state = 'released'
      }
    },
    sweep: () => sweep(clock()),
    clear(): void {
      open.clear()
      settled.clear()
      used.clear()
    },
  }
}
