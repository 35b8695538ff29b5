import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import type { JsonWebKey as NodeJwk } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import type { JWK } from 'jose'

/**
 * SESSION_JWKS_FILE, read and checked (docs/architecture.md#asymmetric-sessions): `{"keys": [private
 * JWK, ...]}`, each with a `kid`; the first signs sessions, every one verifies them. Only EC P-256
 * (ES256) and Ed25519 (EdDSA) keys; anything else stops the start with a ConfigError that names the
 * key by its place and never quotes its values. login/session-keys.ts signs and verifies with them.
 */

/** The asymmetric algorithms, one per kind of key: EC P-256 signs ES256, OKP Ed25519 signs EdDSA. */
export type SessionAlgorithm = 'ES256' | 'EdDSA'
export const SESSION_ALGORITHMS: readonly SessionAlgorithm[] = ['ES256', 'EdDSA']

/** One checked key of SESSION_JWKS_FILE. */
export interface SessionKey {
  kid: string
  /** Decided by the key's type, never by a token. */
  alg: SessionAlgorithm
  /** The private JWK (with `d`): signs, when first. */
  privateJwk: JWK
  /** The public half, standard members only (kty, crv, x, y, kid, alg, use): what /jwks.json serves. */
  publicJwk: JWK
}

/** The keys of SESSION_JWKS_FILE, checked: the first signs, every one verifies. */
export interface SessionJwks {
  keys: SessionKey[]
  /** The file it was read from. */
  file?: string
  /** The file's mode lets other users of the machine read it (a warning at start-up, not an error). */
  readableByOthers?: boolean
}

/** Members of a key's public half, the only ones /jwks.json serves. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y'] as const

const SUPPORTED = 'ES256 (kty "EC", crv "P-256") or EdDSA (kty "OKP", crv "Ed25519") only'

/**
 * Checks a parsed `{"keys": [...]}` strictly. Returns the keys, or what is wrong; a message names a
 * key by its place (`keys[1]`), never by any of its values.
 */
export function parseSessionJwks(value: unknown): { keys: SessionKey[] } | { problem: string } {
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray((value as { keys?: unknown }).keys)
  ) {
    return { problem: 'must be a JSON object {"keys": [private JWK, ...]}' }
  }
  const list = (value as { keys: unknown[] }).keys
  if (list.length === 0) return { problem: 'has no keys: "keys" needs at least one private JWK' }
  const keys: SessionKey[] = []
  const kids = new Set<string>()
  for (const [index, entry] of list.entries()) {
    const at = `keys[${index}]`
    const key = checkKey(entry)
    if (typeof key === 'string') return { problem: `${at} ${key}` }
    if (kids.has(key.kid)) return { problem: `${at} has the same "kid" as an earlier key` }
    kids.add(key.kid)
    keys.push(key)
  }
  return { keys }
}

/** One key, or what is wrong with it. */
function checkKey(entry: unknown): SessionKey | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return 'is not a JWK object'
  const jwk = entry as Record<string, unknown>
  let alg: SessionAlgorithm
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256') return `is an EC key on an unsupported curve: ${SUPPORTED}`
    alg = 'ES256'
  } else if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') return `is an OKP key on an unsupported curve: ${SUPPORTED}`
    alg = 'EdDSA'
  } else if (jwk.kty === 'RSA') {
    return `is an RSA key, which is not supported: ${SUPPORTED}`
  } else if (jwk.kty === 'oct') {
    return `is a symmetric (oct) key: HS256 sessions use SESSION_SECRET; this file takes ${SUPPORTED}`
  } else {
    return `has a missing or unsupported "kty": ${SUPPORTED}`
  }
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0)
    return 'has no "kid" (a non-empty string)'
  if (jwk.d === undefined) {
    return 'is a public key (no "d"): the file holds private keys, and /jwks.json publishes their public halves'
  }
  if (jwk.alg !== undefined && jwk.alg !== alg)
    return `says "alg" other than ${alg}, which its type signs`
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'says "use" other than "sig"'
  for (const member of ['d', 'x', ...(alg === 'ES256' ? ['y'] : [])]) {
    if (typeof jwk[member] !== 'string') return `has no "${member}" string`
  }
  // Node reads both halves (refusing a point off the curve), but keeps a stated public point without
  // deriving it from `d`: a signature made with the private half must verify with the public half, or
  // the key would sign sessions that /jwks.json's key cannot verify.
  try {
    const privateKey = createPrivateKey({ key: jwk as NodeJwk, format: 'jwk' })
    const publicKey = createPublicKey({ key: publicPart(jwk) as NodeJwk, format: 'jwk' })
    const probe = randomBytes(32)
    const digest = alg === 'ES256' ? 'sha256' : null
    if (!verify(digest, probe, publicKey, sign(digest, probe, privateKey))) {
      return 'has a public part (x, y) that does not match its private part (d)'
    }
  } catch {
    return `is not a valid ${alg === 'ES256' ? 'P-256' : 'Ed25519'} private key`
  }
  const publicJwk: JWK = { ...publicPart(jwk), kid: jwk.kid, alg, use: 'sig' }
  const privateJwk: JWK = { ...publicJwk, d: jwk.d as string }
  return { kid: jwk.kid, alg, privateJwk, publicJwk }
}

/** The members of a key's public half (kty, crv, x and, for EC, y). */
function publicPart(jwk: Record<string, unknown>): JWK {
  const part: JWK = {}
  for (const member of PUBLIC_MEMBERS) {
    if (typeof jwk[member] === 'string') part[member] = jwk[member]
  }
  return part
}

/**
 * Reads and checks SESSION_JWKS_FILE. Returns the keys, or what is wrong (never any of the file's
 * content: a JSON error's message can quote it).
 */
export function readSessionJwksFile(file: string): SessionJwks | { problem: string } {
  let text: string
  let mode: number
  try {
    mode = statSync(file).mode
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return { problem: `cannot be read${code ? ` (${code})` : ''}: ${file}` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: `is not valid JSON: ${file}` }
  }
  const parsed = parseSessionJwks(value)
  if ('problem' in parsed) return { problem: `${parsed.problem} (${file})` }
  const jwks: SessionJwks = { keys: parsed.keys, file }
  // Group or other may read the private keys. Windows has no such bits.
  if (process.platform !== 'win32' && (mode & 0o044) !== 0) jwks.readableByOthers = true
  return jwks
}

/** `{"keys": [...]}` of the public halves: the body of `GET /jwks.json`. */
export function publicJwks(jwks: Pick<SessionJwks, 'keys'>): { keys: JWK[] } {
  return { keys: jwks.keys.map((key) => ({ ...key.publicJwk })) }
}
