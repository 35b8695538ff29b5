import { createCodeRecords, evictOldest } from './memory-codes.js'
import { createCredentialRecords } from './memory-credentials.js'
import { createRevocations } from './memory-revocations.js'
import type { Store, StoredTokens } from './types.js'

export interface MemoryStoreOptions {
  /**
   * Most token entries kept; the oldest written is evicted first, so memory stays bounded however many
   * users sign in.
   * @default 100_000
   */
  maxEntries?: number
  /**
   * Most live revocations kept (MEMORY_MAX_REVOCATIONS): one per logout, each kept until the session
   * would have expired (at most SESSION_TTL) and dropped within a minute after. A live one is never
   * forgotten: past this many, `revokeSession` rejects with StoreFullError and the logout answers
   * 503, as with a Redis at maxmemory. Keep it above the logouts of one SESSION_TTL; each costs about
   * 120 bytes, its id included.
   * @default 1_000_000
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

/**
 * Stops the sweep of a store nobody holds any more (one dropped without close(), e.g. the router's
 * own when a dev server rebuilds the app): the timer's callback would otherwise keep all its records.
 */
const sweeps = new FinalizationRegistry<NodeJS.Timeout>((timer) => clearInterval(timer))

/**
 * Whether saving `next` over `kept` would downgrade a consented grant (Store.keepExchangeTokens): a
 * silent login's tokens over a snsapi_userinfo grant whose refresh_token still lives at `nowMs`. The
 * Redis store's KEEP_EXCHANGE_TOKENS script applies the same rule.
 */
function downgrades(next: StoredTokens, kept: StoredTokens, nowMs: number): boolean {
  return (
    next.scope === 'snsapi_base' &&
    kept.scope === 'snsapi_userinfo' &&
    kept.refreshExpiresAt > nowMs
  )
}

/** The default store: one process, lost on restart. Use Redis for several instances. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const { maxEntries = 100_000, maxRevocations = 1_000_000, maxCodes = 100_000 } = options
  const { now = Date.now, sweepEveryMs = 5000 } = options
  // Node runs a timer of 0 or less, or of more than 2^31 - 1 ms, every millisecond: a mistake, not a
  // setting.
  if (!(sweepEveryMs >= 1 && sweepEveryMs <= 2 ** 31 - 1)) {
    throw new RangeError(`sweepEveryMs must be 1 to 2147483647 milliseconds, got ${sweepEveryMs}`)
  }
  // A Map iterates in insertion order: re-inserting on write keeps the oldest entry first.
  const entries = new Map<string, Entry>()
  const revoked = createRevocations(maxRevocations, now)
  const key = (app: string, openid: string) => `${app}\u0000${openid}`

  /** A copy of the live tokens kept under `id`, if any (expired ones are dropped on the way). */
  function readTokens(id: string): StoredTokens | undefined {
    const entry = entries.get(id)
    if (!entry) return undefined
    if (entry.expiresAt <= now()) {
      entries.delete(id)
      return undefined
    }
    return { ...entry.tokens }
  }
  function writeTokens(id: string, tokens: StoredTokens, ttlSeconds: number): void {
    entries.delete(id)
    entries.set(id, { tokens: { ...tokens }, expiresAt: now() + ttlSeconds * 1000 })
    evictOldest(entries, maxEntries)
  }

  // Times of code records are milliseconds since the store was made (see createCodeRecords).
  const origin = now()
  const codes = createCodeRecords(maxCodes, () => now() - origin)
  const credentials = createCredentialRecords(now)

  // Never keeps the process alive; close() stops it, or `sweeps` once the store is dropped.
  const sweeper = setInterval(() => {
    codes.sweep()
    revoked.sweep()
  }, sweepEveryMs)
  sweeper.unref()

  // Referenced by no function in here (the sweeper's callback shares their scope), so that dropping
  // it lets `sweeps` stop the sweeper.
  const store: Store = {
    kind: 'memory',
    async saveTokens(app, openid, tokens, ttlSeconds) {
      writeTokens(key(app, openid), tokens, ttlSeconds)
    },
    async getTokens(app, openid) {
      return readTokens(key(app, openid))
    },
    async keepExchangeTokens(app, openid, tokens, ttlSeconds, nowMs) {
      // One process, no await between the read and the write: atomic by construction.
      const id = key(app, openid)
      const kept = readTokens(id)
      if (kept && downgrades(tokens, kept, nowMs)) return kept
      writeTokens(id, tokens, ttlSeconds)
      return { ...tokens }
    },
    async deleteTokens(app, openid) {
      entries.delete(key(app, openid))
    },
    async revokeSession(id, untilMs) {
      revoked.revoke(id, untilMs)
    },
    isSessionRevoked(id) {
      return revoked.isRevoked(id)
    },
    // One process, no await between the read and the write: the claim is atomic by construction.
    async claimCode(id, verifierHash, ttlSeconds) {
      return codes.claim(id, verifierHash, ttlSeconds)
    },
    async settleCode(id, outcome, ttlSeconds, replaySeconds = ttlSeconds) {
      codes.settle(id, outcome, ttlSeconds, replaySeconds)
    },
    async readCode(id) {
      return codes.read(id)
    },
    async releaseCode(id) {
      codes.release(id)
    },
    async getCredential(appid, name) {
      return credentials.get(appid, name)
    },
    async saveCredential(appid, name, credential, ttlMs, lock) {
      return credentials.save(appid, name, credential, ttlMs, lock)
    },
    async forgetCredential(appid, name, value) {
      return credentials.forget(appid, name, value)
    },
    async lockCredentials(appid, ttlMs) {
      return credentials.lock(appid, ttlMs)
    },
    async unlockCredentials(appid, token) {
      credentials.unlock(appid, token)
    },
    async ping() {},
    async close() {
      clearInterval(sweeper)
      entries.clear()
      revoked.clear()
      codes.clear()
      credentials.clear()
    },
  }
  sweeps.register(store, sweeper)
  return store
}
