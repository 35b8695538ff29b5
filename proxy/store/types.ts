/** WeChat's tokens for one user of one app. They live here and nowhere else (never in a response). */
export interface StoredTokens {
  accessToken: string
  refreshToken: string
  scope: string
  /** Epoch milliseconds. */
  accessExpiresAt: number
  /** Epoch milliseconds. */
  refreshExpiresAt: number
  unionid?: string
  snapshotUser?: boolean
}

export interface Store {
  kind: 'memory' | 'redis'
  saveTokens(app: string, openid: string, tokens: StoredTokens, ttlSeconds: number): Promise<void>
  getTokens(app: string, openid: string): Promise<StoredTokens | undefined>
  deleteTokens(app: string, openid: string): Promise<void>
  /** Rejects when the store cannot serve requests. */
  ping(): Promise<void>
  close(): Promise<void>
}
