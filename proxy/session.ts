import { randomBytes } from 'node:crypto'
import { createSecretKey, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { ProxyError } from './errors.js'

export type WechatApp = 'mp' | 'web'

/** What a session says about its holder. */
export interface SessionInput {
  openid: string
  scope: string
  app: WechatApp
  unionid?: string
  snapshotUser?: boolean
}

export interface SessionClaims extends SessionInput {
  /** The token's unique id (jti). */
  id: string
  issuedAt: Date
  expiresAt: Date
}

export const SESSION_ISSUER = 'wechat-h5-auth'
const ALGORITHM = 'HS256'

/**
 * One key object per secret: jose caches its prepared HMAC key per key object, so a fresh byte array
 * on every call would rebuild it for each request (half the cost of verifying a session).
 */
const keys = new Map<string, KeyObject>()
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret)
  if (!key) {
    // A process holds one or two secrets; the bound only guards against a caller that varies them.
    if (keys.size > 16) keys.clear()
    key = createSecretKey(Buffer.from(secret, 'utf8'))
    keys.set(secret, key)
  }
  return key
}

/**
 * Signs a session JWT (HS256, `sub` = openid) that any backend holding SESSION_SECRET can verify.
 * `now` is in milliseconds.
 */
export async function signSession(
  claims: SessionInput,
  secret: string,
  ttlSeconds: number,
  now: number = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now / 1000)
  const expiresAt = issuedAt + ttlSeconds
  const payload: Record<string, unknown> = { scope: claims.scope, app: claims.app }
  if (claims.unionid !== undefined) payload.unionid = claims.unionid
  // A snapshot identity is virtual (WECHAT.md): backends must be able to tell it from a real user.
  if (claims.snapshotUser) payload.snapshotUser = true
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.openid)
    .setIssuer(SESSION_ISSUER)
    .setJti(randomBytes(16).toString('base64url'))
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyFor(secret))
  return { token, expiresAt: new Date(expiresAt * 1000) }
}

/**
 * Verifies a session JWT and returns its claims; anything wrong (signature, algorithm, issuer, expiry,
 * shape) is `unauthorized`, without saying which — the caller only needs to sign in again.
 */
export async function verifySession(
  token: string,
  secret: string,
  options: { now?: number } = {},
): Promise<SessionClaims> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, keyFor(secret), {
      // Pinned: a token may not choose its own algorithm (`alg: none`, or RS/HS confusion).
      algorithms: [ALGORITHM],
      issuer: SESSION_ISSUER,
      // jti is what a logout revokes: a session without one could never be logged out.
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      ...(options.now !== undefined ? { currentDate: new Date(options.now) } : {}),
    }))
  } catch (cause) {
    throw new ProxyError('unauthorized', 'The session is missing, invalid or expired', { cause })
  }
  const { sub, scope, app, unionid, snapshotUser, jti, iat, exp } = payload
  if (
    typeof sub !== 'string' ||
    typeof scope !== 'string' ||
    (app !== 'mp' && app !== 'web') ||
    (unionid !== undefined && typeof unionid !== 'string') ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof jti !== 'string' ||
    jti.length === 0
  ) {
    throw new ProxyError('unauthorized', 'The session is missing, invalid or expired')
  }
  const claims: SessionClaims = {
    openid: sub,
    scope,
    app,
    id: jti,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  }
  if (typeof unionid === 'string') claims.unionid = unionid
  if (snapshotUser === true) claims.snapshotUser = true
  return claims
}
