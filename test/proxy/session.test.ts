import { createHmac } from 'node:crypto'
import { SignJWT, UnsecuredJWT, decodeJwt, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { signSession, verifySession } from '../../proxy/login/session.js'

const SECRET = 'a'.repeat(32)
const OTHER_SECRET = 'b'.repeat(32)
const OPENID = 'oAbCdEfGhIjKlMnOpQrStUvWxYz0'
const NOW = Date.UTC(2025, 0, 1)

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    return error instanceof ProxyError ? error.code : 'not a ProxyError'
  }
  return undefined
}

/** A token jose signs with SECRET, valid for an hour and without a jti, as another signer might. */
function joseToken({ alg, issuer }: { alg: string; issuer: string }): Promise<string> {
  return new SignJWT({ scope: 's', app: 'mp' })
    .setProtectedHeader({ alg })
    .setSubject(OPENID)
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET))
}

describe('sessions', () => {
  it('signs a JWT with sub = openid, scope, app, issuer, jti and expiry', async () => {
    const { token, expiresAt } = await signSession(
      { openid: OPENID, scope: 'snsapi_base', app: 'mp' },
      SECRET,
      3600,
      NOW,
    )
    const payload = decodeJwt(token)
    expect(payload).toMatchObject({
      sub: OPENID,
      scope: 'snsapi_base',
      app: 'mp',
      iss: 'wechat-h5-auth',
      iat: NOW / 1000,
      exp: NOW / 1000 + 3600,
    })
    expect(payload.jti).toEqual(expect.any(String))
    expect(expiresAt.getTime()).toBe(NOW + 3600 * 1000)
  })

  it('gives every session a different jti', async () => {
    const claims = { openid: OPENID, scope: 'snsapi_base', app: 'mp' } as const
    const first = await signSession(claims, SECRET, 3600, NOW)
    const second = await signSession(claims, SECRET, 3600, NOW)
    expect(decodeJwt(first.token).jti).not.toBe(decodeJwt(second.token).jti)
  })

  it('verifies its own sessions and returns the claims', async () => {
    const { token } = await signSession(
      { openid: OPENID, scope: 'snsapi_userinfo', app: 'web', unionid: 'u1', snapshotUser: true },
      SECRET,
      3600,
    )
    await expect(verifySession(token, SECRET)).resolves.toMatchObject({
      openid: OPENID,
      scope: 'snsapi_userinfo',
      app: 'web',
      unionid: 'u1',
      snapshotUser: true,
    })
  })

  it('refuses a session signed with another secret', async () => {
    const { token } = await signSession(
      { openid: OPENID, scope: 's', app: 'mp' },
      OTHER_SECRET,
      3600,
    )
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses an expired session', async () => {
    const { token } = await signSession({ openid: OPENID, scope: 's', app: 'mp' }, SECRET, 60, NOW)
    expect(await codeOf(verifySession(token, SECRET, { now: NOW + 61_000 }))).toBe('unauthorized')
  })

  it('refuses an unsigned alg:none token', async () => {
    const token = new UnsecuredJWT({ scope: 's', app: 'mp' })
      .setSubject(OPENID)
      .setIssuer('wechat-h5-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode()
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses a token signed with another HMAC algorithm', async () => {
    const token = await joseToken({ alg: 'HS512', issuer: 'wechat-h5-auth' })
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses a token from another issuer', async () => {
    const token = await joseToken({ alg: 'HS256', issuer: 'someone-else' })
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses garbage', async () => {
    expect(await codeOf(verifySession('not.a.jwt', SECRET))).toBe('unauthorized')
  })

  it('refuses a session without a jti, which a logout could not revoke', async () => {
    const token = await joseToken({ alg: 'HS256', issuer: 'wechat-h5-auth' })
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })
})

describe('sessions: the HS256 verifier', () => {
  const claims = { openid: OPENID, scope: 'snsapi_base', app: 'mp' } as const
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const hmac = (input: string, secret = SECRET) =>
    createHmac('sha256', secret).update(input).digest('base64url')
  /** A token signed with SECRET over any header and payload. */
  const forge = (header: unknown, payload: unknown) => {
    const input = `${b64(header)}.${b64(payload)}`
    return `${input}.${hmac(input)}`
  }
  const payload = (extra: Record<string, unknown> = {}) => ({
    scope: 's',
    app: 'mp',
    sub: OPENID,
    iss: 'wechat-h5-auth',
    jti: 'j1',
    iat: NOW / 1000,
    exp: NOW / 1000 + 3600,
    ...extra,
  })

  it('accepts a well-formed token of another HS256 signer (no typ header)', async () => {
    const token = forge({ alg: 'HS256' }, payload())
    expect(await verifySession(token, SECRET, { now: NOW })).toMatchObject({
      openid: OPENID,
      id: 'j1',
    })
  })

  it('signs with HMAC-SHA256 as createHmac computes it, for any secret and payload length', async () => {
    const secrets = ['k', 'x'.repeat(64), 'y'.repeat(65), '密钥'.repeat(40), SECRET]
    // Past the first message buffer (1 KB), and with characters of two and three UTF-8 bytes.
    const unionids = [undefined, 'u'.repeat(3000), 'é文'.repeat(500)]
    for (const secret of secrets) {
      for (const unionid of unionids) {
        const { token } = await signSession({ ...claims, unionid }, secret, 3600, NOW)
        const at = token.lastIndexOf('.')
        expect(token.slice(at + 1)).toBe(hmac(token.slice(0, at), secret))
        expect((await verifySession(token, secret, { now: NOW })).unionid).toBe(unionid)
      }
    }
  })

  it('signs tokens that jose verifies with the same secret', async () => {
    const { token } = await signSession(claims, SECRET, 3600)
    const { payload: verified } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      issuer: 'wechat-h5-auth',
    })
    expect(verified.sub).toBe(OPENID)
  })

  it('refuses a token whose signature was changed in any one character', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    const [header, body, signature] = token.split('.') as [string, string, string]
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const codes = new Set<string | undefined>()
    for (let at = 0; at < signature.length; at++) {
      const next = alphabet[(alphabet.indexOf(signature[at] as string) + 1) % 64]
      const changed = `${signature.slice(0, at)}${next}${signature.slice(at + 1)}`
      codes.add(await codeOf(verifySession(`${header}.${body}.${changed}`, SECRET, { now: NOW })))
    }
    expect([...codes]).toEqual(['unauthorized'])
  })

  it('refuses a signature that differs only in the unused bits of its last character', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    const [header, body, signature] = token.split('.') as [string, string, string]
    // 43 characters carry 258 bits for a 256-bit HMAC: a last character off by one decodes to the
    // same bytes. Only the exact encoding is accepted, as the signer wrote it.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet[alphabet.indexOf(signature.at(-1) as string) + 1] as string
    const twin = `${signature.slice(0, -1)}${last}`
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(signature, 'base64url'))
    expect(await codeOf(verifySession(`${header}.${body}.${twin}`, SECRET, { now: NOW }))).toBe(
      'unauthorized',
    )
  })

  it('refuses a token whose payload was changed after signing', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    const [header, , signature] = token.split('.') as [string, string, string]
    const other = b64({ ...decodeJwt(token), sub: 'oSomeoneElse' })
    expect(
      await codeOf(verifySession(`${header}.${other}.${signature}`, SECRET, { now: NOW })),
    ).toBe('unauthorized')
  })

  it('refuses a token without a signature', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    const unsigned = token.slice(0, token.lastIndexOf('.') + 1)
    expect(await codeOf(verifySession(unsigned, SECRET, { now: NOW }))).toBe('unauthorized')
  })

  it('refuses alg none even over a valid HMAC', async () => {
    const token = forge({ alg: 'none', typ: 'JWT' }, payload())
    expect(await codeOf(verifySession(token, SECRET, { now: NOW }))).toBe('unauthorized')
  })

  it('refuses a token that names another algorithm over a valid HS256 HMAC', async () => {
    const token = forge({ alg: 'RS256', typ: 'JWT' }, payload())
    expect(await codeOf(verifySession(token, SECRET, { now: NOW }))).toBe('unauthorized')
  })

  it('refuses a header with critical extensions it does not implement', async () => {
    const token = forge({ alg: 'HS256', crit: ['exp'], exp: 1 }, payload())
    expect(await codeOf(verifySession(token, SECRET, { now: NOW }))).toBe('unauthorized')
  })

  it('refuses a token at the second of its expiry', async () => {
    const { token } = await signSession(claims, SECRET, 60, NOW)
    await expect(verifySession(token, SECRET, { now: NOW + 59_999 })).resolves.toBeDefined()
    expect(await codeOf(verifySession(token, SECRET, { now: NOW + 60_000 }))).toBe('unauthorized')
  })

  it('refuses a token before its nbf and accepts it after', async () => {
    const token = forge({ alg: 'HS256' }, payload({ nbf: NOW / 1000 + 10 }))
    expect(await codeOf(verifySession(token, SECRET, { now: NOW }))).toBe('unauthorized')
    await expect(verifySession(token, SECRET, { now: NOW + 10_000 })).resolves.toBeDefined()
  })

  it('refuses a token without an issuer', async () => {
    const rest: Record<string, unknown> = payload()
    delete rest.iss
    expect(await codeOf(verifySession(forge({ alg: 'HS256' }, rest), SECRET, { now: NOW }))).toBe(
      'unauthorized',
    )
  })

  it('refuses an expiry that is not a number', async () => {
    const token = forge({ alg: 'HS256' }, payload({ exp: String(NOW / 1000 + 3600) }))
    expect(await codeOf(verifySession(token, SECRET, { now: NOW }))).toBe('unauthorized')
  })

  it('refuses a payload that is not a JSON object', async () => {
    const input = `${b64({ alg: 'HS256' })}.${b64(['sub'])}`
    expect(await codeOf(verifySession(`${input}.${hmac(input)}`, SECRET, { now: NOW }))).toBe(
      'unauthorized',
    )
  })

  it('refuses a token with characters outside base64url', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    expect(await codeOf(verifySession(`${token.slice(0, 5)}+${token.slice(6)}`, SECRET))).toBe(
      'unauthorized',
    )
  })

  it('refuses a signature of the right length in characters but not in bytes', async () => {
    const { token } = await signSession(claims, SECRET, 3600, NOW)
    const [header, body] = token.split('.') as [string, string]
    // 43 characters, as an HMAC-SHA256 in base64url, but 86 bytes in UTF-8.
    expect(await codeOf(verifySession(`${header}.${body}.${'é'.repeat(43)}`, SECRET))).toBe(
      'unauthorized',
    )
  })
})
