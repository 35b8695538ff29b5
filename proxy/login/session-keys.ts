import type { JWTHeaderParameters } from 'jose'
import { SESSION_ALGORITHMS, publicJwks } from '../config-jwks.js'
import type { SessionAlgorithm, SessionJwks } from '../config-jwks.js'
import {
  COMPACT_JWS,
  SESSION_ISSUER,
  jsonObject,
  refused,
  sessionClaims,
  sessionPayload,
  signSessionNow,
  verifySessionNow,
} from './session.js'
import type { SessionClaims, SessionInput } from './session.js'

export {
  SESSION_ALGORITHMS,
  parseSessionJwks,
  publicJwks,
  readSessionJwksFile,
} from '../config-jwks.js'
export type { SessionAlgorithm, SessionJwks, SessionKey } from '../config-jwks.js'

/**
 * Asymmetric sessions (docs/architecture.md#asymmetric-sessions): the proxy signs with the first
 * private key of SESSION_JWKS_FILE, verifies with any of them, and publishes their public halves at
 * `GET /jwks.json`, so a backend verifies sessions without holding anything that can mint one.
 *
 * JWS and JWK work is jose's (signing, verifying, key import); what is ours is which key and which
 * algorithm a token may use: the algorithm belongs to the key, the key is found by `kid` only.
 */

/**
 * How long a backend may keep `GET /jwks.json` (its `Cache-Control: max-age`). A rotation signs with
 * the new key at once; the verifiers of docs/backends.md fetch the set again when a token names a
 * `kid` they do not know, and one that does not learns the new key within this long.
 */
export const JWKS_MAX_AGE_SECONDS = 300

/** Header parameters that would name a key other than by `kid`: never followed, and refused. */
const KEY_FROM_HEADER = ['jku', 'x5u', 'jwk', 'x5c'] as const

/** How the proxy signs and verifies its sessions, whichever kind they are. */
export interface SessionSigner {
  /** What new sessions are signed with. */
  alg: 'HS256' | SessionAlgorithm
  /** A new session; synchronous for HS256. `now` in epoch milliseconds. */
  sign(
    claims: SessionInput,
    ttlSeconds: number,
    now: number,
  ): { token: string; expiresAt: Date } | Promise<{ token: string; expiresAt: Date }>
  /** The claims of a valid session, else `unauthorized`; synchronous for HS256. Revocation is the caller's. */
  verify(token: string, now: number): SessionClaims | Promise<SessionClaims>
  /** The body of `GET /jwks.json`, serialized; undefined for HS256 sessions. */
  jwksJson?: string
}

export interface SessionSignerOptions {
  /** SESSION_SECRET; with `jwks`, HS256 sessions it signed are still accepted (a switch logs nobody out). */
  secret?: string
  /** SESSION_JWKS_FILE's keys: sessions are then signed with the first. */
  jwks?: Pick<SessionJwks, 'keys'>
  /**
   * Sessions this process verified (HS256 and asymmetric), kept by their exact text so that the same
   * session presented again skips the signature check: at most this many, the oldest dropped first;
   * 0 keeps none. Expiry is checked on every use; revocation is the caller's, on every request as
   * before.
   * @default VERIFIED_CACHE_SIZE
   */
  verifiedCacheSize?: number
}

/**
 * Sessions kept verified by default: about 1 KB each (the token and its claims), so about 10 MB at
 * most. An ES256 check costs `GET /session` about half its throughput, an HS256 one (an HMAC and the
 * claims' parse) about a sixth (docs/benchmarks.md); a page presents the same session on every call,
 * so nearly every check after the first is a hit.
 */
export const VERIFIED_CACHE_SIZE = 10_000

/**
 * Sessions whose signature, header and claims this process checked, by their exact text: nothing is
 * kept for a token that failed, and a hit is the very string that passed. A Map iterates in
 * insertion order, so the first key is the oldest.
 */
function verifiedSessions(size: number) {
  const verified = new Map<string, SessionClaims>()
  return {
    /** The kept claims of `token` while they are live; a kept session found expired is dropped and refused. */
    get(token: string, now: number): SessionClaims | undefined {
      const kept = verified.get(token)
      if (!kept) return undefined
      // Expired at exp itself, as sessionClaims reads it.
      if (kept.expiresAt.getTime() > now) return kept
      verified.delete(token)
      throw refused()
    },
    keep(token: string, claims: SessionClaims): SessionClaims {
      // Two requests with one new session both verify it; the second must not push out another.
      if (size <= 0 || verified.has(token)) return claims
      while (verified.size >= size) verified.delete(verified.keys().next().value!)
      verified.set(token, claims)
      return claims
    },
  }
}

/**
 * The signer of the proxy's sessions: HS256 with `secret` when there are no `jwks` (unchanged:
 * session.ts), else the first key of `jwks`.
 */
export function createSessionSigner(options: SessionSignerOptions): SessionSigner {
  const { secret, jwks, verifiedCacheSize = VERIFIED_CACHE_SIZE } = options
  const verified = verifiedSessions(verifiedCacheSize)
  if (!jwks) {
    if (!secret) throw new Error('createSessionSigner needs a secret or keys')
    return {
      alg: 'HS256',
      sign: (claims, ttlSeconds, now) => signSessionNow(claims, secret, ttlSeconds, now),
      // Checked with SESSION_SECRET unless this very text passed before.
      verify: (token, now) =>
        verified.get(token, now) ?? verified.keep(token, verifySessionNow(token, secret, now)),
    }
  }
  if (jwks.keys.length === 0) throw new Error('createSessionSigner needs at least one key')
  const signer = jwks.keys[0]!
  // jose is loaded only here: a proxy with HS256 sessions (the default) never loads it, which keeps
  // about 40 ms off its start and 2 MB off its memory.
  const jose = import('jose')
  // Imported once, as non-extractable CryptoKeys; each verification only looks one up.
  const signingKey = jose.then(({ importJWK }) => importJWK(signer.privateJwk, signer.alg))
  const verifying = new Map(
    jwks.keys.map((key) => [
      key.kid,
      { alg: key.alg, key: jose.then(({ importJWK }) => importJWK(key.publicJwk, key.alg)) },
    ]),
  )
  // A rejected import (it cannot be: the keys were checked) must not surface as an unhandled rejection.
  signingKey.catch(() => undefined)
  for (const entry of verifying.values()) entry.key.catch(() => undefined)

  /** The key a token's header may use: its `kid`'s, and only with that key's own algorithm. */
  const keyFor = (header: JWTHeaderParameters) => {
    for (const name of KEY_FROM_HEADER) {
      if (name in header) throw refused()
    }
    const entry = typeof header.kid === 'string' ? verifying.get(header.kid) : undefined
    if (!entry || header.alg !== entry.alg) throw refused()
    return entry.key
  }

  return {
    alg: signer.alg,
    async sign(claims, ttlSeconds, now) {
      const { payload, expiresAt } = sessionPayload(claims, ttlSeconds, now)
      const { SignJWT } = await jose
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
        .sign(await signingKey)
      return { token, expiresAt }
    },
    verify(token, now) {
      if (typeof token !== 'string' || !COMPACT_JWS.test(token)) throw refused()
      // Only what passed a check is kept: a hit is the exact text of a session checked before.
      const kept = verified.get(token, now)
      if (kept) return kept
      // The header only picks the path; the keys' path checks it again (jose's jwtVerify).
      const alg = jsonObject(token.slice(0, token.indexOf('.')))?.alg
      // Sessions signed before the switch to keys, while SESSION_SECRET is still set beside them
      // (not kept: the lookup above missed).
      if (alg === 'HS256' && secret)
        return verified.keep(token, verifySessionNow(token, secret, now))
      return verifyWithKeys(token, now)
    },
    jwksJson: JSON.stringify(publicJwks(jwks)),
  }

  async function verifyWithKeys(token: string, now: number): Promise<SessionClaims> {
    let payload: Record<string, unknown>
    try {
      const { jwtVerify } = await jose
      ;({ payload } = await jwtVerify(token, keyFor, {
        // jose refuses any other algorithm (`none`, HS256) before a key is even asked for.
        algorithms: [...SESSION_ALGORITHMS],
        issuer: SESSION_ISSUER,
        currentDate: new Date(now),
      }))
    } catch (error) {
      throw refused(error)
    }
    return verified.keep(token, sessionClaims(payload, now))
  }
}
