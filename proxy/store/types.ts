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

/**
 * Server-side state of the proxy, small on purpose so that every backend (memory, Redis) implements the
 * same contract (test/proxy/store-contract.ts). All times are epoch milliseconds of the store's clock.
 */
export interface Store {
  kind: 'memory' | 'redis'
  /** Replaces the tokens of (app, openid); they are forgotten after `ttlSeconds`. */
  saveTokens(app: string, openid: string, tokens: StoredTokens, ttlSeconds: number): Promise<void>
  getTokens(app: string, openid: string): Promise<StoredTokens | undefined>
  deleteTokens(app: string, openid: string): Promise<void>
  /** Refuses the session with this id (jti) until `untilMs`, its own expiry; later it expires anyway. */
  revokeSession(id: string, untilMs: number): Promise<void>
  isSessionRevoked(id: string): Promise<boolean>
  /** Rejects when the store cannot serve requests. */
  ping(): Promise<void>
  close(): Promise<void>
}
