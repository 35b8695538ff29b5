import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { signSession, verifySession } from '../../proxy/session.js'

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
    const token = await new SignJWT({ scope: 's', app: 'mp' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject(OPENID)
      .setIssuer('wechat-h5-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses a token from another issuer', async () => {
    const token = await new SignJWT({ scope: 's', app: 'mp' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(OPENID)
      .setIssuer('someone-else')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })

  it('refuses garbage', async () => {
    expect(await codeOf(verifySession('not.a.jwt', SECRET))).toBe('unauthorized')
  })

  it('refuses a session without a jti, which a logout could not revoke', async () => {
    const token = await new SignJWT({ scope: 's', app: 'mp' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(OPENID)
      .setIssuer('wechat-h5-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))
    expect(await codeOf(verifySession(token, SECRET))).toBe('unauthorized')
  })
})
