import type { SessionClaims } from '../login/session.js'
import type { Store } from '../store/index.js'

/**
 * WeChat's recent answers for one session, reused for a few seconds instead of asking again (a
 * page that loads the profile on every route change would otherwise spend a `/sns/userinfo` call each
 * time). Kept in this instance's memory: only a saving, never needed for a decision, so instances
 * need not share it.
 */
export interface SessionAnswers {
  /**
   * The answer kept for `claims`' session under `what`, or undefined. Only to be asked once the
   * session is authenticated (signature, expiry and revocation checked).
   */
  get<T>(claims: SessionClaims, what: string): Promise<T | undefined>
  /** Keeps a successful answer; errors are never kept (the next call asks WeChat again). */
  set(claims: SessionClaims, what: string, value: unknown): void
  /**
   * The kept answer, or `fetch`'s, which is then kept. Calls of one session that arrive while its
   * fetch is under way wait for it rather than asking WeChat too; when it fails, each tries itself
   * (with its own rate limit and its own error). With a TTL of 0, simply `fetch()`.
   */
  through<T>(claims: SessionClaims, what: string, fetch: () => Promise<T>): Promise<T>
  /** Forgets every answer of the session (at logout). */
  forget(sessionId: string): void
}

export interface SessionAnswersOptions {
  /** Seconds an answer is reused; 0 keeps nothing. */
  ttlSeconds: number
  /** Where the user's WeChat tokens are kept: an answer counts only while they still are. */
  store: Pick<Store, 'getTokens'>
  now: () => number
  /**
   * Sessions kept at most; the oldest go first. @default 10_000
   */
  maxSessions?: number
}

interface Kept {
  expiresAt: number
  value: unknown
}

export function createSessionAnswers(options: SessionAnswersOptions): SessionAnswers {
  const { ttlSeconds, store, now, maxSessions = 10_000 } = options
  // Keyed by the session's id, never by the user: two sessions of one user share nothing, so an
  // answer can never reach a session it was not fetched for.
  const sessions = new Map<string, Map<string, Kept>>()
  const fetching = new Map<string, Promise<unknown>>()

  const answers: SessionAnswers = {
    async through<T>(claims: SessionClaims, what: string, fetch: () => Promise<T>): Promise<T> {
      if (ttlSeconds === 0) return fetch()
      const key = `${claims.id} ${what}`
      let kept = await answers.get<T>(claims, what)
      if (kept !== undefined) return kept
      const pending = fetching.get(key)
      if (pending) {
        await pending.catch(() => undefined)
        kept = await answers.get<T>(claims, what)
        if (kept !== undefined) return kept
      }
      const fetched = fetch()
      fetching.set(key, fetched)
      try {
        const value = await fetched
        answers.set(claims, what, value)
        return value
      } finally {
        if (fetching.get(key) === fetched) fetching.delete(key)
      }
    },

    async get<T>(claims: SessionClaims, what: string): Promise<T | undefined> {
      if (ttlSeconds === 0) return undefined
      const kept = sessions.get(claims.id)?.get(what)
      if (!kept) return undefined
      if (kept.expiresAt <= now()) {
        sessions.get(claims.id)?.delete(what)
        return undefined
      }
      // Whoever forgot the grant (a logout of the user's other session, a refusal from WeChat, on
      // any instance) took the tokens from the shared store: the kept answer no longer stands.
      if (!(await store.getTokens(claims.app, claims.openid))) {
        sessions.delete(claims.id)
        return undefined
      }
      return kept.value as T
    },

    set(claims, what, value) {
      if (ttlSeconds === 0) return
      let answers = sessions.get(claims.id)
      if (!answers) {
        // A Map iterates in insertion order: the first key is the oldest session.
        while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!)
        answers = new Map()
        sessions.set(claims.id, answers)
      }
      answers.set(what, { expiresAt: now() + ttlSeconds * 1000, value })
    },

    forget(sessionId) {
      sessions.delete(sessionId)
    },
  }
  return answers
}
