/**
 * A store cannot record one more thing it must not forget (a revocation). The proxy answers
 * `503 upstream_unavailable` (reachable.ts), as it does when Redis refuses a write at maxmemory:
 * a logout that fails says so, never one that seems to work and is later forgotten.
 */
export class StoreFullError extends Error {
  /** The environment setting that bounds what is full. */
  readonly setting: string

  constructor(message: string, setting: string) {
    super(message)
    this.name = 'StoreFullError'
    this.setting = setting
  }
}

/**
 * Width of the expiry buckets, in milliseconds. A revocation may stay up to this long past its
 * expiry (refused by nobody: isRevoked compares the time), and a sweep walks at most one bucket per
 * minute that passed, however many revocations there are.
 */
const BUCKET_MS = 60_000

/**
 * The memory store's revoked sessions (the Store contract's revokeSession and isSessionRevoked).
 * A live revocation is never dropped: at `max` live ones a new one throws StoreFullError. Expired
 * ones go by time, in buckets of their expiry minute, so that neither a logout nor a check does work
 * that grows with how many are kept (logouts do not come in expiry order: a session issued earlier
 * may be logged out later).
 */
export function createRevocations(max: number, now: () => number) {
  /** Session id -> epoch ms until which it is refused. */
  const until = new Map<string, number>()
  /** Expiry minute -> ids that expire in it (an id revoked again may be listed twice: harmless). */
  const buckets = new Map<number, string[]>()
  /** Every bucket before this one has been dropped. */
  let next = Math.floor(now() / BUCKET_MS)

  function dropBucket(index: number, t: number): void {
    const ids = buckets.get(index)
    if (!ids) return
    buckets.delete(index)
    for (const id of ids) {
      const end = until.get(id)
      if (end !== undefined && end <= t) until.delete(id)
    }
  }

  /**
   * Drops the buckets whose whole minute has passed. Each revocation is dropped once (O(1) amortized
   * per revocation); the walk is the smaller of the minutes passed and the buckets kept.
   */
  function sweep(t = now()): void {
    const current = Math.floor(t / BUCKET_MS)
    if (current <= next) return
    if (current - next > buckets.size) {
      for (const index of [...buckets.keys()]) if (index < current) dropBucket(index, t)
    } else {
      for (let index = next; index < current; index++) dropBucket(index, t)
    }
    next = current
  }

  return {
    revoke(id: string, untilMs: number): void {
      const t = now()
      if (untilMs <= t) return
      sweep(t)
      const known = until.get(id)
      if (known === untilMs) return
      if (known === undefined && until.size >= max) {
        throw new StoreFullError(
          `The memory store holds its most live revocations (maxRevocations = ${max})`,
          'MEMORY_MAX_REVOCATIONS',
        )
      }
      until.set(id, untilMs)
      const index = Math.floor(untilMs / BUCKET_MS)
      const ids = buckets.get(index)
      if (ids) ids.push(id)
      else buckets.set(index, [id])
    },
    isRevoked(id: string): boolean {
      const end = until.get(id)
      return end !== undefined && end > now()
    },
    sweep,
    /** Revocations kept, live or expired in the current minute. */
    get size(): number {
      return until.size
    },
    clear(): void {
      until.clear()
      buckets.clear()
    },
  }
}
