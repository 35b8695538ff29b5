/** WeChat's tokens for one user of one app. They live here and nowhere else (never in a response). */
export interface StoredTokens {
  accessToken: string
  refreshToken: string
  scope: string
  /** Epoch milliseconds. */
  accessExpiresAt: number
  /** Epoch milliseconds: 30 days after the original grant; a refresh does not extend it. */
  refreshExpiresAt: number
  unionid?: string
  snapshotUser?: boolean
}

/** The answer to a code exchange exactly as it was sent: replays send the same bytes. */
export interface CodeOutcome {
  status: number
  /** The JSON body, serialized. */
  body: string
}

/**
 * Result of `claimCode`: either this caller runs the exchange, or it learns who did. A `used` code
 * may answer `verifierHash: null` (its binding is no longer kept): nobody can see its answer again.
 */
export type CodeClaim = { claimed: true } | { claimed: false; verifierHash: string | null }

/**
 * What is kept about one code (keyed by a hash of app and code, never the code itself):
 * - `pending`: an exchange is running;
 * - `settled`: WeChat gave a definitive answer, replayed to the same verifier;
 * - `used`: settled, and its replay window is over: only the fact that the code was used is kept
 *   (`verifierHash` may be null), so any later request for it is `code_used`, as WeChat answers;
 * - `released`: the exchange failed in transit; only the same verifier may claim it again.
 */
export type CodeRecord =
  | { state: 'pending'; verifierHash: string | null }
  | { state: 'settled'; verifierHash: string | null; outcome: CodeOutcome }
  | { state: 'used'; verifierHash: string | null }
  | { state: 'released'; verifierHash: string | null }

/** The credentials an app shares across every instance (docs/wechat.md#js-sdk-signing). */
export type CredentialName = 'token' | 'ticket'

/** One shared credential: the basic access_token or the jsapi_ticket of one appid. */
export interface StoredCredential {
  value: string
  /** Epoch milliseconds: when WeChat stops accepting it. */
  expiresAt: number
  /** Epoch milliseconds: from then on, the first caller fetches the next one. */
  refreshAt: number
}

/**
 * Server-side state of the proxy, small on purpose so that every backend (memory, Redis) implements the
 * same contract (test/proxy/store-contract.ts). All times are epoch milliseconds of the store's clock.
 */
export interface Store {
  /** What keeps the state, as `GET /healthz` names it. */
  kind: 'memory' | 'redis' | 'redis-cluster' | 'redis-sentinel'
  /** Replaces the tokens of (app, openid); they are forgotten after `ttlSeconds`. */
  saveTokens(app: string, openid: string, tokens: StoredTokens, ttlSeconds: number): Promise<void>
  getTokens(app: string, openid: string): Promise<StoredTokens | undefined>
  /**
   * Saves the tokens of a code exchange as saveTokens does, unless that would downgrade a consented
   * grant: when `tokens.scope` is `snsapi_base` and the kept tokens are `snsapi_userinfo` with
   * `refreshExpiresAt` after `nowMs`, nothing changes. Resolves to the tokens kept after the call
   * (the consented ones, or `tokens`). Across instances this must be one atomic step (e.g. a Redis
   * script): a silent login that races a consented one never replaces it.
   */
  keepExchangeTokens(
    app: string,
    openid: string,
    tokens: StoredTokens,
    ttlSeconds: number,
    nowMs: number,
  ): Promise<StoredTokens>
  deleteTokens(app: string, openid: string): Promise<void>
  /** Refuses the session with this id (jti) until `untilMs`, its own expiry; later it expires anyway. */
  revokeSession(id: string, untilMs: number): Promise<void>
  /**
   * Whether the session with this id was revoked. May answer synchronously (the memory store does):
   * `GET /session` then answers within the request's own event, with no promise in between.
   */
  isSessionRevoked(id: string): boolean | Promise<boolean>
  /**
   * Atomically claims the exchange of a code for the browser holding `verifierHash` (null: none was
   * sent). Claimed when nothing is kept for `key`, or when it was `released` by a claim with the same
   * verifierHash (the same browser trying again); the record then is `pending` for `ttlSeconds`.
   * Otherwise nothing changes and the answer names the verifierHash the code is bound to. Across
   * instances this must be one atomic operation (e.g. a Redis script): two claims never both win.
   */
  claimCode(key: string, verifierHash: string | null, ttlSeconds: number): Promise<CodeClaim>
  /**
   * Keeps the definitive outcome of a claimed code, bound to the same verifierHash, for
   * `replaySeconds` (default: all of `ttlSeconds`); after that, until `ttlSeconds`, the record is
   * only `used`. Does nothing when the record is gone (expired or evicted): a later claim then asks
   * WeChat, which answers 40163 for a used code.
   */
  settleCode(
    key: string,
    outcome: CodeOutcome,
    ttlSeconds: number,
    replaySeconds?: number,
  ): Promise<void>
  readCode(key: string): Promise<CodeRecord | undefined>
  /**
   * The exchange failed in transit: a `pending` record becomes `released`, keeping its binding and
   * expiry; any other record stays as it is.
   */
  releaseCode(key: string): Promise<void>
  /** The credential `name` of `appid` while it lives (docs/wechat.md#basic-access-token). */
  getCredential(appid: string, name: CredentialName): Promise<StoredCredential | undefined>
  /**
   * Replaces the credential `name` of `appid`; it is forgotten after `ttlMs`. With `lock` (the
   * token of lockCredentials) only while no other holder has the lock, in one atomic step: a holder
   * whose lock lapsed during a slow fetch never overwrites what the next holder stored. True when
   * it was saved.
   */
  saveCredential(
    appid: string,
    name: CredentialName,
    credential: StoredCredential,
    ttlMs: number,
    lock?: string,
  ): Promise<boolean>
  /**
   * Forgets the credential `name` of `appid` only while its value is still `value` (compare and
   * delete, one atomic step): a token WeChat refused is dropped, never the one another instance has
   * fetched since. True when it was forgotten.
   */
  forgetCredential(appid: string, name: CredentialName, value: string): Promise<boolean>
  /**
   * Takes the lock on the credentials of `appid` for `ttlMs` unless someone holds it: the holder
   * alone fetches them from WeChat. Resolves to the holder's token (for `unlockCredentials`), or
   * undefined when the lock is taken. Across instances one atomic step: two never both hold it.
   */
  lockCredentials(appid: string, ttlMs: number): Promise<string | undefined>
  /** Releases the lock only while `token` holds it: a lock that expired and was taken stays taken. */
  unlockCredentials(appid: string, token: string): Promise<void>
  /** Rejects when the store cannot serve requests. */
  ping(): Promise<void>
  close(): Promise<void>
}
