/**
 * Asymmetric sessions, unit by unit: signing and verifying with SESSION_JWKS_FILE's keys, every forged
 * variant refused (alg none, HS256 keyed with the public key, a key named by a header URL or embedded
 * in the header, an unknown or missing kid, a kid with another key's algorithm), rotation, and the
 * strict checks of the file's keys.
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  SignJWT,
  UnsecuredJWT,
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
} from 'jose'
import type { JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import {
  createSessionSigner,
  parseSessionJwks,
  publicJwks,
  readSessionJwksFile,
} from '../../proxy/login/session-keys.js'
import type { SessionKey } from '../../proxy/login/session-keys.js'
import { signSession } from '../../proxy/login/session.js'
import { privateJwk } from '../helpers/config.js'

const OPENID = 'oAbCdEfGhIjKlMnOpQrStUvWxYz0'
const CLAIMS = { openid: OPENID, scope: 'snsapi_base', app: 'mp' } as const
const NOW = Date.UTC(2026, 0, 1)
const SECRET = 's'.repeat(32)

/** A copy of `jwk` without `member`. */
function without(jwk: Record<string, string>, member: string): Record<string, string> {
  const copy = { ...jwk }
  delete copy[member]
  return copy
}

function keysOf(...jwks: Record<string, unknown>[]): SessionKey[] {
  const parsed = parseSessionJwks({ keys: jwks })
  if ('problem' in parsed) throw new Error(parsed.problem)
  return parsed.keys
}

async function refusal(verified: unknown): Promise<string | undefined> {
  try {
    await verified
  } catch (error) {
    return error instanceof ProxyError ? error.code : `not a ProxyError: ${String(error)}`
  }
  return undefined
}

/** verify as a thunk: a synchronous throw counts as a refusal too. */
async function refusalOf(verify: () => unknown): Promise<string | undefined> {
  try {
    return await refusal(verify())
  } catch (error) {
    return error instanceof ProxyError ? error.code : `not a ProxyError: ${String(error)}`
  }
}

/** The payload the proxy would sign, valid at NOW. */
function payload(): Record<string, unknown> {
  return {
    sub: OPENID,
    scope: 'snsapi_base',
    app: 'mp',
    iss: 'wechat-h5-auth',
    jti: 'forged-jti',
    iat: NOW / 1000,
    exp: NOW / 1000 + 3600,
  }
}

describe('asymmetric sessions: signing and verifying', () => {
  const ec = privateJwk('ec', 'ec-1')
  const ed = privateJwk('ed25519', 'ed-1')

  it('signs ES256 with an EC P-256 key, kid in the header, the same claims as HS256', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    expect(signer.alg).toBe('ES256')
    const { token, expiresAt } = await signer.sign(CLAIMS, 3600, NOW)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'ec-1', typ: 'JWT' })
    const hs = await signSession(CLAIMS, SECRET, 3600, NOW)
    const { jti, ...claims } = decodeJwt(token)
    const { jti: hsJti, ...hsClaims } = decodeJwt(hs.token)
    expect(claims).toEqual(hsClaims)
    expect(jti).toEqual(expect.any(String))
    expect(jti).not.toBe(hsJti)
    expect(expiresAt.getTime()).toBe(NOW + 3600 * 1000)
    const verified = await signer.verify(token, NOW)
    expect(verified).toMatchObject({ openid: OPENID, scope: 'snsapi_base', app: 'mp', id: jti })
  })

  it('signs EdDSA with an Ed25519 key, and jose verifies it with the published public key alone', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ed, ec) } })
    expect(signer.alg).toBe('EdDSA')
    const { token } = await signer.sign(CLAIMS, 3600, NOW)
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: 'ed-1' })
    const published = JSON.parse(signer.jwksJson!) as { keys: JWK[] }
    const { payload: verified } = await jwtVerify(token, createLocalJWKSet(published), {
      algorithms: ['ES256', 'EdDSA'],
      issuer: 'wechat-h5-auth',
      currentDate: new Date(NOW),
    })
    expect(verified.sub).toBe(OPENID)
  })

  it('publishes the public halves only: no "d", standard members, one per key', () => {
    const keys = keysOf({ ...ec, retired: '2026-01-01T00:00:00.000Z', key_ops: ['sign'] }, ed)
    const text = JSON.stringify(publicJwks({ keys }))
    expect(text).not.toContain('"d"')
    expect(text).not.toContain(ec.d)
    expect(text).not.toContain(ed.d)
    const published = JSON.parse(text) as { keys: JWK[] }
    expect(published.keys.map((key) => Object.keys(key).sort())).toEqual([
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    ])
    expect(published.keys[0]).toMatchObject({ kid: 'ec-1', alg: 'ES256', x: ec.x, y: ec.y })
  })

  it('refuses an expired session, and one of another issuer', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    const { token } = await signer.sign(CLAIMS, 3600, NOW)
    expect(await refusalOf(() => signer.verify(token, NOW + 3600 * 1000))).toBe('unauthorized')
    expect(await refusalOf(() => signer.verify(token, NOW + 3599 * 1000))).toBeUndefined()
    const key = await importPrivate(ec)
    const foreign = await new SignJWT({ ...payload(), iss: 'someone-else' })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(key)
    expect(await refusalOf(() => signer.verify(foreign, NOW))).toBe('unauthorized')
    // The same token with the proxy's issuer passes: the refusal above was the issuer's.
    const ours = await new SignJWT(payload())
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(key)
    expect(await refusalOf(() => signer.verify(ours, NOW))).toBeUndefined()
  })

  it('rotation: after the new key goes first, sessions of the old one verify; once it is dropped they do not', async () => {
    const old = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    const { token } = await old.sign(CLAIMS, 3600, NOW)
    const rotated = createSessionSigner({ jwks: { keys: keysOf(ed, ec) } })
    expect(await refusalOf(() => rotated.verify(token, NOW))).toBeUndefined()
    const fresh = await rotated.sign(CLAIMS, 3600, NOW)
    expect(decodeProtectedHeader(fresh.token).kid).toBe('ed-1')
    const dropped = createSessionSigner({ jwks: { keys: keysOf(ed) } })
    expect(await refusalOf(() => dropped.verify(token, NOW))).toBe('unauthorized')
    expect(await refusalOf(() => dropped.verify(fresh.token, NOW))).toBeUndefined()
  })

  it('beside SESSION_SECRET, still accepts HS256 sessions it signed (a switch logs nobody out); without it, none', async () => {
    const hs = await signSession(CLAIMS, SECRET, 3600, NOW)
    const both = createSessionSigner({ secret: SECRET, jwks: { keys: keysOf(ec) } })
    expect(await refusalOf(() => both.verify(hs.token, NOW))).toBeUndefined()
    // New sessions are the keys' all the same.
    expect(decodeProtectedHeader((await both.sign(CLAIMS, 60, NOW)).token).alg).toBe('ES256')
    const keysOnly = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    expect(await refusalOf(() => keysOnly.verify(hs.token, NOW))).toBe('unauthorized')
  })

  it('without keys, HS256 with the secret exactly as before (synchronous, no JWKS)', async () => {
    const signer = createSessionSigner({ secret: SECRET })
    expect(signer.alg).toBe('HS256')
    expect(signer.jwksJson).toBeUndefined()
    const signed = signer.sign(CLAIMS, 3600, NOW)
    expect(signed).not.toBeInstanceOf(Promise)
    const { token } = signed as { token: string }
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
    const verified = signer.verify(token, NOW)
    expect(verified).not.toBeInstanceOf(Promise)
  })
})

describe('asymmetric sessions: the bounded cache of verified sessions', () => {
  const ec = privateJwk('ec', 'ec-1')

  it('answers a session verified before synchronously, and only that exact text', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    const { token } = await signer.sign(CLAIMS, 3600, NOW)
    const first = signer.verify(token, NOW)
    expect(first).toBeInstanceOf(Promise)
    const claims = await first
    // A hit: no signature check, no promise.
    expect(signer.verify(token, NOW)).toBe(claims)
    // The same signature on other claims is another text: a miss, checked, refused.
    const [header, , signature] = token.split('.')
    const other = base64url.encode(JSON.stringify({ ...payload(), sub: 'someone-else' }))
    expect(await refusalOf(() => signer.verify(`${header}.${other}.${signature}`, NOW))).toBe(
      'unauthorized',
    )
  })

  it('still refuses a kept session once it has expired', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ec) } })
    const { token } = await signer.sign(CLAIMS, 60, NOW)
    await signer.verify(token, NOW)
    expect(signer.verify(token, NOW + 59_999)).not.toBeInstanceOf(Promise)
    expect(await refusalOf(() => signer.verify(token, NOW + 60_000))).toBe('unauthorized')
    // Dropped when found expired: checked again in full (here with an earlier clock, and passing).
    expect(signer.verify(token, NOW)).toBeInstanceOf(Promise)
  })

  it('keeps at most its bound (the oldest go first), and nothing with a size of 0', async () => {
    const signer = createSessionSigner({ jwks: { keys: keysOf(ec) }, verifiedCacheSize: 2 })
    const tokens = await Promise.all(
      [1, 2, 3].map(async () => (await signer.sign(CLAIMS, 3600, NOW)).token),
    )
    for (const token of tokens) await signer.verify(token, NOW)
    expect(signer.verify(tokens[0]!, NOW)).toBeInstanceOf(Promise)
    await signer.verify(tokens[0]!, NOW)
    expect(signer.verify(tokens[2]!, NOW)).not.toBeInstanceOf(Promise)
    const none = createSessionSigner({ jwks: { keys: keysOf(ec) }, verifiedCacheSize: 0 })
    await none.verify(tokens[0]!, NOW)
    expect(none.verify(tokens[0]!, NOW)).toBeInstanceOf(Promise)
  })
})

describe('HS256 sessions: the same bounded cache of verified sessions', () => {
  // Synchronous either way: a hit answers the very claims object kept, a miss checks the HMAC and
  // answers new claims.
  const sign = (signer: ReturnType<typeof createSessionSigner>, ttl = 3600) =>
    (signer.sign(CLAIMS, ttl, NOW) as { token: string }).token

  it('answers a session verified before with the claims it kept, and only for that exact text', async () => {
    const signer = createSessionSigner({ secret: SECRET })
    const token = sign(signer)
    const claims = signer.verify(token, NOW)
    expect(signer.verify(token, NOW)).toBe(claims)
    // The same signature over other claims, or another signature over these: misses, refused.
    const [header, body, signature] = token.split('.') as [string, string, string]
    const other = base64url.encode(JSON.stringify({ ...payload(), sub: 'someone-else' }))
    expect(await refusalOf(() => signer.verify(`${header}.${other}.${signature}`, NOW))).toBe(
      'unauthorized',
    )
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`
    expect(await refusalOf(() => signer.verify(`${header}.${body}.${flipped}`, NOW))).toBe(
      'unauthorized',
    )
    // Another secret's signer never shares what this one kept.
    const otherSecret = createSessionSigner({ secret: 't'.repeat(32) })
    expect(await refusalOf(() => otherSecret.verify(token, NOW))).toBe('unauthorized')
  })

  it('still refuses a kept session once it has expired', async () => {
    const signer = createSessionSigner({ secret: SECRET })
    const token = sign(signer, 60)
    const claims = signer.verify(token, NOW)
    expect(signer.verify(token, NOW + 59_999)).toBe(claims)
    expect(await refusalOf(() => signer.verify(token, NOW + 60_000))).toBe('unauthorized')
    // Dropped when found expired: checked again in full (here with an earlier clock, and passing).
    expect(signer.verify(token, NOW)).not.toBe(claims)
  })

  it('keeps at most its bound (the oldest go first), and nothing with a size of 0', () => {
    const signer = createSessionSigner({ secret: SECRET, verifiedCacheSize: 2 })
    const tokens = [1, 2, 3].map(() => sign(signer))
    expect(new Set(tokens).size).toBe(3)
    const claims = tokens.map((token) => signer.verify(token, NOW))
    expect(signer.verify(tokens[0]!, NOW)).not.toBe(claims[0])
    expect(signer.verify(tokens[2]!, NOW)).toBe(claims[2])
    const none = createSessionSigner({ secret: SECRET, verifiedCacheSize: 0 })
    const first = none.verify(tokens[0]!, NOW)
    expect(none.verify(tokens[0]!, NOW)).not.toBe(first)
  })
})

async function importPrivate(jwk: Record<string, string>) {
  const { importJWK } = await import('jose')
  return importJWK(jwk, jwk.kty === 'EC' ? 'ES256' : 'EdDSA')
}

describe('asymmetric sessions: forged tokens are refused', () => {
  const ec = privateJwk('ec', 'ec-1')
  const ed = privateJwk('ed25519', 'ed-1')
  const signer = createSessionSigner({ jwks: { keys: keysOf(ec, ed) } })
  const withSecret = createSessionSigner({ secret: SECRET, jwks: { keys: keysOf(ec, ed) } })

  /** Both signers (with and without SESSION_SECRET beside the keys) refuse `token`. */
  async function expectRefused(token: string) {
    expect(await refusalOf(() => signer.verify(token, NOW))).toBe('unauthorized')
    expect(await refusalOf(() => withSecret.verify(token, NOW))).toBe('unauthorized')
  }

  it('the genuine article passes (so each refusal below is the forgery’s)', async () => {
    const token = await new SignJWT(payload())
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(await importPrivate(ec))
    expect(await refusalOf(() => signer.verify(token, NOW))).toBeUndefined()
  })

  it('alg "none", with and without a known kid', async () => {
    const bare = new UnsecuredJWT(payload()).encode()
    // An unsecured JWT has an empty signature: not even a compact JWS by our shape check.
    await expectRefused(bare)
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: 'ec-1' }))
    const body = base64url.encode(JSON.stringify(payload()))
    await expectRefused(`${header}.${body}.AAAA`)
  })

  it('HS256 keyed with the public key (the published x, y or the whole public JWK)', async () => {
    const published = publicJwks({ keys: keysOf(ec) }).keys[0]!
    for (const secret of [
      JSON.stringify(published),
      published.x!,
      Buffer.concat([
        Buffer.from(published.x!, 'base64url'),
        Buffer.from(published.y!, 'base64url'),
      ]),
    ]) {
      const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
      const token = await new SignJWT(payload())
        .setProtectedHeader({ alg: 'HS256', kid: 'ec-1', typ: 'JWT' })
        .sign(key)
      await expectRefused(token)
    }
  })

  it("the right kid with the other key's algorithm, and a kid the keys do not have", async () => {
    const edKey = await importPrivate(ed)
    // Signed correctly by the Ed25519 key but claiming the EC key's kid.
    await expectRefused(
      await new SignJWT(payload()).setProtectedHeader({ alg: 'EdDSA', kid: 'ec-1' }).sign(edKey),
    )
    await expectRefused(
      await new SignJWT(payload()).setProtectedHeader({ alg: 'EdDSA', kid: 'unknown' }).sign(edKey),
    )
    // No kid at all.
    await expectRefused(
      await new SignJWT(payload()).setProtectedHeader({ alg: 'EdDSA' }).sign(edKey),
    )
  })

  it("an attacker's key named in the header (jwk, jku, x5u, x5c) is never used, even beside a known kid", async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true })
    const attackerPublic = await exportJWK(attacker.publicKey)
    for (const extra of [
      { jwk: attackerPublic },
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { x5c: ['MIIB'] },
    ]) {
      // With the attacker's key: no key of ours verifies it.
      await expectRefused(
        await new SignJWT(payload())
          .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', ...extra })
          .sign(attacker.privateKey),
      )
      // Even signed by our own key: a header naming a key elsewhere is refused outright.
      await expectRefused(
        await new SignJWT(payload())
          .setProtectedHeader({ alg: 'ES256', kid: 'ec-1', ...extra })
          .sign(await importPrivate(ec)),
      )
    }
  })

  it('a token signed by an unrelated key under our kid, and a signature moved onto other claims', async () => {
    const attacker = await generateKeyPair('ES256')
    await expectRefused(
      await new SignJWT(payload())
        .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
        .sign(attacker.privateKey),
    )
    const genuine = (await signer.sign(CLAIMS, 3600, NOW)).token
    const [header, , signature] = genuine.split('.')
    const other = base64url.encode(JSON.stringify({ ...payload(), sub: 'someone-else' }))
    await expectRefused(`${header}.${other}.${signature}`)
  })

  it('a crit header the proxy does not understand (signed by our key, by hand: jose will not make it)', async () => {
    const header = base64url.encode(
      JSON.stringify({ alg: 'ES256', kid: 'ec-1', crit: ['exp-ext'], 'exp-ext': 1 }),
    )
    const input = `${header}.${base64url.encode(JSON.stringify(payload()))}`
    const key = createPrivateKey({ key: ec, format: 'jwk' })
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    const token = `${input}.${signature.toString('base64url')}`
    await expectRefused(token)
    // The same by hand without crit passes: the refusal is crit's.
    const plain = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'ec-1' }))}.${base64url.encode(JSON.stringify(payload()))}`
    const plainSignature = sign('sha256', Buffer.from(plain), { key, dsaEncoding: 'ieee-p1363' })
    expect(
      await refusalOf(() => signer.verify(`${plain}.${plainSignature.toString('base64url')}`, NOW)),
    ).toBeUndefined()
  })
})

describe('SESSION_JWKS_FILE: the keys are checked strictly', () => {
  const problemOf = (keys: unknown) => {
    const parsed = parseSessionJwks({ keys })
    return 'problem' in parsed ? parsed.problem : undefined
  }

  it('accepts EC P-256 and Ed25519 private keys with kids', () => {
    expect(problemOf([privateJwk('ec', 'a'), privateJwk('ed25519', 'b')])).toBeUndefined()
  })

  it('refuses each mistake, naming the key by its place and never quoting its values', () => {
    const ec = privateJwk('ec', 'a')
    const publicOnly = without(ec, 'd')
    const rsa: Record<string, string> = {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: 'r',
    } as Record<string, string>
    const p384: Record<string, string> = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
      kid: 'p',
    } as Record<string, string>
    const noKid = without(ec, 'kid')
    const other = privateJwk('ec', 'b')
    const cases: [unknown, RegExp][] = [
      [[], /no keys/],
      [[noKid], /keys\[0\] has no "kid"/],
      [[ec, { ...privateJwk('ed25519', 'a') }], /keys\[1\] has the same "kid"/],
      [[publicOnly], /keys\[0\] is a public key \(no "d"\)/],
      [[rsa], /keys\[0\] is an RSA key, which is not supported: ES256 .* or EdDSA .* only/],
      [[p384], /keys\[0\] is an EC key on an unsupported curve/],
      [[{ kty: 'oct', k: 'c2VjcmV0', kid: 'o' }], /symmetric \(oct\)/],
      [[{ ...ec, alg: 'HS256' }], /"alg" other than ES256/],
      [[{ ...ec, use: 'enc' }], /"use" other than "sig"/],
      [[{ ...ec, x: other.x, y: other.y }], /public part \(x, y\) that does not match/],
      [[{ ...ec, d: other.d }], /public part \(x, y\) that does not match/],
      [[{ ...ec, d: 'AAAA' }], /not a valid P-256 private key|does not match/],
      [[{ ...ec, x: ec.y }], /not a valid P-256 private key|does not match/],
      [['a string'], /keys\[0\] is not a JWK object/],
    ]
    for (const [keys, expected] of cases) {
      const problem = problemOf(keys)
      expect(problem, JSON.stringify(expected.source)).toMatch(expected)
      for (const secret of [ec.d, ec.x, rsa.d, p384.d]) expect(problem).not.toContain(secret)
    }
    expect(parseSessionJwks([ec])).toEqual({ problem: expect.stringMatching(/\{"keys"/) })
  })

  it("an Ed25519 key whose x is not its d's is refused", () => {
    const ed = privateJwk('ed25519', 'a')
    expect(problemOf([{ ...ed, x: privateJwk('ed25519', 'b').x }])).toMatch(/does not match/)
  })

  it('reads the file: unreadable, not JSON, and readable by others (a warning, not an error)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'))
    const missing = readSessionJwksFile(join(dir, 'missing.json'))
    expect(missing).toEqual({ problem: expect.stringMatching(/cannot be read \(ENOENT\)/) })
    const broken = join(dir, 'broken.json')
    const ec = privateJwk('ec', 'a')
    writeFileSync(broken, `{"keys": [{"d": "${ec.d}"`, { mode: 0o600 })
    const notJson = readSessionJwksFile(broken)
    expect(notJson).toEqual({ problem: expect.stringMatching(/is not valid JSON/) })
    expect(JSON.stringify(notJson)).not.toContain(ec.d)
    const file = join(dir, 'keys.json')
    writeFileSync(file, JSON.stringify({ keys: [ec] }), { mode: 0o600 })
    chmodSync(file, 0o600)
    const ok = readSessionJwksFile(file)
    expect('problem' in ok).toBe(false)
    expect((ok as { readableByOthers?: boolean }).readableByOthers).toBeUndefined()
    chmodSync(file, 0o644)
    expect((readSessionJwksFile(file) as { readableByOthers?: boolean }).readableByOthers).toBe(
      process.platform === 'win32' ? undefined : true,
    )
  })
})
