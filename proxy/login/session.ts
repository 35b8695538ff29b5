import { randomBytes, timingSafeEqual } from 'node:crypto'
import { hmac } from '@noble/hashes/hmac.js'
import type { _HMAC } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { _SHA256 } from '@noble/hashes/sha2.js'
import { ProxyError } from '../errors.js'

import type { WechatApp } from '../../client/wire.js'

export type { WechatApp } from '../../client/wire.js'

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

/**
 * The one header this proxy signs with. A standard JWS compact serialization (RFC 7515/7519), so any
 * JWT library verifies these sessions; verification here accepts exactly HS256 and nothing else.
 */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
/**
 * A compact JWS (a JWT): three non-empty base64url parts. The one test of a token's shape, for the
 * Bearer header and for verification alike.
 */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** An HMAC-SHA256 is 32 bytes: 43 base64url characters without padding. */
const SIGNATURE_LENGTH = 43

/**
 * HMAC-SHA256, keyed once per secret: the key's inner and outer pad blocks are hashed when the key is
 * made, and each token is hashed from a copy of that state.
 *
 * @noble/hashes (audited, pure JavaScript, constant-time by construction) rather than node:crypto:
 * `GET /session` checks a signature on every request, and inside a loaded proxy one `createHmac` cost
 * 11-12 µs, about five times its cost in a tight loop, while the same check in JavaScript made no
 * native object and cost about 20 µs less per request (docs/benchmarks.md). Both are standard HS256:
 * a test checks every signature against `createHmac`, and another against jose.
 */
type Key = _HMAC<_SHA256>
const keys = new Map<string, Key>()
function keyFor(secret: string): Key {
  let key = keys.get(secret)
  if (!key) {
    // A process holds one or two secrets; the bound only guards against a caller that varies them.
    if (keys.size > 16) keys.clear()
    key = hmac.create(sha256, Buffer.from(secret, 'utf8')) as Key
    keys.set(secret, key)
  }
  return key
}

/**
 * Every MAC is computed in these: the keyed state is copied into `scratch` (allocating nothing after
 * the first call) and the 32 bytes written to `digest`. Synchronous, so no two calls interleave.
 */
let scratch: Key | undefined
const digest = Buffer.alloc(32)

/** The base64url HMAC of a signing input (always ASCII: two base64url parts and a dot). */
function mac(signingInput: string, secret: string): string {
  scratch = keyFor(secret)._cloneInto(scratch)
  scratch.update(Buffer.from(signingInput, 'utf8')).digestInto(digest)
  return digest.toString('base64url')
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
  return signSessionNow(claims, secret, ttlSeconds, now)
}

/** signSession, synchronously (the proxy's own routes). */
export function signSessionNow(
  claims: SessionInput,
  secret: string,
  ttlSeconds: number,
  now: number,
): { token: string; expiresAt: Date } {
  const { payload, expiresAt } = sessionPayload(claims, ttlSeconds, now)
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  return { token: `${signingInput}.${mac(signingInput, secret)}`, expiresAt }
}

/**
 * The claims of a new session (`sub` = openid, `iss`, a unique `jti`, `iat`, `exp`), whatever signs
 * it: HS256 here, ES256 or EdDSA in session-keys.ts. `now` is in milliseconds.
 */
export function sessionPayload(
  claims: SessionInput,
  ttlSeconds: number,
  now: number,
): { payload: Record<string, unknown>; expiresAt: Date } {
  const issuedAt = Math.floor(now / 1000)
  const expiresAt = issuedAt + ttlSeconds
  const payload: Record<string, unknown> = { scope: claims.scope, app: claims.app }
  if (claims.unionid !== undefined) payload.unionid = claims.unionid
  // A snapshot identity is virtual (docs/wechat.md#snapshot-pages): backends must be able to tell it from a real user.
  if (claims.snapshotUser) payload.snapshotUser = true
  payload.sub = claims.openid
  payload.iss = SESSION_ISSUER
  // What a logout revokes: unique per session.
  payload.jti = randomBytes(16).toString('base64url')
  payload.iat = issuedAt
  payload.exp = expiresAt
  return { payload, expiresAt: new Date(expiresAt * 1000) }
}

export const refused = (cause?: unknown) =>
  new ProxyError('unauthorized', 'The session is missing, invalid or expired', { cause })

/** A base64url part as a JSON object, or undefined. */
export function jsonObject(part: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
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
  return verifySessionNow(token, secret, options.now ?? Date.now())
}

/** verifySession, synchronously (the proxy's own routes): `now` in epoch milliseconds. */
export function verifySessionNow(token: string, secret: string, now: number): SessionClaims {
  // Anything but a compact JWS is refused before any hashing, and the signing input is ASCII.
  if (typeof token !== 'string' || !COMPACT_JWS.test(token)) throw refused()
  const [headerPart, payloadPart, signature] = token.split('.') as [string, string, string]
  // The signature first, over the exact bytes received: nothing of an unsigned token is trusted.
  const expected = mac(`${headerPart}.${payloadPart}`, secret)
  // Compared as the exact text (a twin with other unused bits is refused), in constant time, so its
  // characters cannot be found one by one from response timings.
  if (
    signature.length !== SIGNATURE_LENGTH ||
    !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    throw refused()
  }
  // Pinned: a token may not choose its own algorithm (`alg: none`, or RS/HS confusion). Even a
  // correctly signed header must say HS256, and may not ask for extensions (`crit`, `b64`) we do
  // not implement.
  if (headerPart !== HEADER) {
    // Ours is always HEADER (no parse needed); another signer's header is read and checked.
    const header = jsonObject(headerPart)
    if (header?.alg !== 'HS256' || 'crit' in header || 'b64' in header) throw refused()
  }
  const payload = jsonObject(payloadPart)
  if (!payload) throw refused()
  return sessionClaims(payload, now)
}

/**
 * The claims of a verified token's payload, checked the same for every algorithm: issuer, subject,
 * scope, app, jti, expiry (and nbf when present). Anything wrong is `unauthorized`.
 */
export function sessionClaims(payload: Record<string, unknown>, now: number): SessionClaims {
  const { sub, scope, app, unionid, snapshotUser, jti, iat, exp, nbf, iss } = payload
  const seconds = Math.floor(now / 1000)
  if (
    iss !== SESSION_ISSUER ||
    typeof sub !== 'string' ||
    typeof scope !== 'string' ||
    (app !== 'mp' && app !== 'web') ||
    (unionid !== undefined && typeof unionid !== 'string') ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    // jti is what a logout revokes: a session without one could never be logged out.
    typeof jti !== 'string' ||
    jti.length === 0 ||
    // Expired at exp itself (RFC 7519 4.1.4: "on or after"), as JWT libraries read it.
    exp <= seconds ||
    // Not valid before nbf, when a token carries one (ours do not; another signer's might).
    (nbf !== undefined && (typeof nbf !== 'number' || nbf > seconds))
  ) {
    throw refused()
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
