/**
 * Asymmetric sessions through the real proxy on loopback ports, against the mock WeChat: sessions
 * signed with SESSION_JWKS_FILE's first key work on every route that takes one and are revoked by a
 * logout; `GET /jwks.json` serves the public halves only, with a cache lifetime; a separate backend
 * that knows ONLY the JWKS URL verifies the sessions (jose's createRemoteJWKSet, over the network);
 * rotation keeps old sessions valid until their key is dropped.
 */
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { parseSessionJwks } from '../../proxy/login/session-keys.js'
import type { SessionJwks } from '../../proxy/login/session-keys.js'
import { createLogger } from '../../proxy/logger.js'
import { startProxy } from '../helpers/proxy-server.js'
import { call } from '../helpers/http.js'
import { privateJwk } from '../helpers/config.js'
import { get, login, post, setup, teardown } from './support.js'

afterEach(teardown)

function jwks(...keys: Record<string, string>[]): SessionJwks {
  const parsed = parseSessionJwks({ keys })
  if ('problem' in parsed) throw new Error(parsed.problem)
  return parsed
}

/** The proxy with `keys` and no SESSION_SECRET, as a deployment with SESSION_JWKS_FILE alone. */
function withKeys(keys: SessionJwks) {
  return { config: { sessionJwks: keys, sessionSecret: '', sessionSecretGenerated: false } }
}

/**
 * A backend of another team: it knows the JWKS URL and nothing else (no secret, no key), fetches the
 * set over the network as its library does, and pins the algorithms and the issuer.
 */
function separateBackend(jwksUrl: string) {
  const keySet = createRemoteJWKSet(new URL(jwksUrl))
  return async (token: string) => {
    const { payload } = await jwtVerify(token, keySet, {
      algorithms: ['ES256', 'EdDSA'],
      issuer: 'wechat-h5-auth',
    })
    return payload
  }
}

const EC = privateJwk('ec', 'ec-2026-01')
const ED = privateJwk('ed25519', 'ed-2026-02')

describe('asymmetric sessions on the proxy', () => {
  it('signs ES256 with the first key; /session, /userinfo and logout take it; a logout revokes it', async () => {
    const h = await setup(withKeys(jwks(EC, ED)))
    const { session, openid } = await login(h)
    expect(decodeProtectedHeader(session)).toEqual({ alg: 'ES256', kid: 'ec-2026-01', typ: 'JWT' })
    const answer = await get(h, '/session', session)
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ openid })
    expect((await get(h, '/userinfo', session)).status).toBe(200)
    expect((await post(h, '/logout', session)).status).toBe(204)
    // Still well signed and unexpired: only the revocation refuses it now, on every route.
    expect((await get(h, '/session', session)).status).toBe(401)
    expect((await get(h, '/userinfo', session)).status).toBe(401)
    expect((await post(h, '/logout', session)).status).toBe(401)
  })

  it('signs EdDSA when the first key is Ed25519', async () => {
    const h = await setup(withKeys(jwks(ED, EC)))
    const { session } = await login(h)
    expect(decodeProtectedHeader(session)).toMatchObject({ alg: 'EdDSA', kid: 'ed-2026-02' })
    expect((await get(h, '/session', session)).status).toBe(200)
  })

  it('GET /jwks.json: the public halves only, never "d", cacheable for 300 s', async () => {
    const h = await setup(withKeys(jwks(EC, ED)))
    const answer = await get(h, '/jwks.json')
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('public, max-age=300')
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(answer.text).not.toContain('"d"')
    for (const secret of [EC.d, ED.d]) expect(answer.text).not.toContain(secret)
    const { keys } = answer.json as { keys: Record<string, string>[] }
    expect(keys).toEqual([
      { kty: 'EC', crv: 'P-256', x: EC.x, y: EC.y, kid: 'ec-2026-01', alg: 'ES256', use: 'sig' },
      { kty: 'OKP', crv: 'Ed25519', x: ED.x, kid: 'ed-2026-02', alg: 'EdDSA', use: 'sig' },
    ])
    // The other answers stay uncacheable.
    expect((await get(h, '/config')).headers.get('cache-control')).toBe('no-store')
  })

  it('a backend that knows only the JWKS URL verifies sessions over the network, and refuses a forgery', async () => {
    const h = await setup(withKeys(jwks(EC)))
    const verify = separateBackend(`${h.proxy.baseUrl}/jwks.json`)
    const { session, openid } = await login(h, { scope: 'snsapi_userinfo' })
    const payload = await verify(session)
    expect(payload).toMatchObject({ sub: openid, iss: 'wechat-h5-auth', app: 'mp' })
    // Signed by a key that is not the proxy's, under the proxy's kid.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const forged = await new SignJWT({ ...payload, sub: 'someone-else' })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-2026-01' })
      .sign(privateKey)
    await expect(verify(forged)).rejects.toThrow()
    expect((await get(h, '/session', forged)).status).toBe(401)
    // HS256 keyed with the published key's text: refused by the backend and by the proxy.
    const published = JSON.stringify((await get(h, '/jwks.json')).json)
    const confused = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: 'HS256', kid: 'ec-2026-01' })
      .sign(new TextEncoder().encode(published))
    await expect(verify(confused)).rejects.toThrow()
    expect((await get(h, '/session', confused)).status).toBe(401)
  })

  it('rotation: after the new key goes first, old sessions still verify (proxy and backend); after the old key is dropped they do not', async () => {
    const h = await setup(withKeys(jwks(EC)))
    const old = await login(h)
    // The same site restarted with the rotated file (new key first), on the same store.
    const rotated = await startProxy(
      { apiBase: h.mock.baseUrl, ...withKeys(jwks(ED, EC)).config },
      { store: h.store },
    )
    try {
      const onRotated = (path: string, session: string) => call(rotated, 'GET', path, { session })
      expect((await onRotated('/session', old.session)).status).toBe(200)
      const backend = separateBackend(`${rotated.baseUrl}/jwks.json`)
      expect((await backend(old.session)).sub).toBe(old.openid)
      const [code] = await h.mock.control.codes({ count: 1, scope: 'snsapi_base' })
      const fresh = (await call(rotated, 'POST', '/openid', { body: { code } })).json as {
        session: string
      }
      expect(decodeProtectedHeader(fresh.session)).toMatchObject({ kid: 'ed-2026-02' })
      expect((await backend(fresh.session)).iss).toBe('wechat-h5-auth')
      // A logout on one instance is seen by the other: revocation does not depend on the key.
      expect((await call(rotated, 'POST', '/logout', { session: old.session })).status).toBe(204)
      expect((await get(h, '/session', old.session)).status).toBe(401)
    } finally {
      await rotated.close()
    }
    const second = await login(h)
    // Restarted once more with the old key dropped (its sessions' lifetime has passed).
    const dropped = await startProxy(
      { apiBase: h.mock.baseUrl, ...withKeys(jwks(ED)).config },
      { store: h.store },
    )
    try {
      expect((await call(dropped, 'GET', '/session', { session: second.session })).status).toBe(401)
      await expect(
        separateBackend(`${dropped.baseUrl}/jwks.json`)(second.session),
      ).rejects.toThrow()
    } finally {
      await dropped.close()
    }
  })

  it('without SESSION_JWKS_FILE: HS256 sessions as before, and no /jwks.json (404)', async () => {
    const h = await setup()
    const { session } = await login(h)
    expect(decodeProtectedHeader(session)).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect((await get(h, '/session', session)).status).toBe(200)
    expect((await get(h, '/jwks.json')).status).toBe(404)
  })

  it('switching from SESSION_SECRET to keys with the secret kept beside them logs nobody out', async () => {
    const h = await setup()
    const before = await login(h)
    const switched = await startProxy(
      {
        apiBase: h.mock.baseUrl,
        sessionJwks: jwks(EC),
        sessionSecret: h.proxy.config.sessionSecret,
        sessionSecretGenerated: false,
      },
      { store: h.store },
    )
    try {
      expect((await call(switched, 'GET', '/session', { session: before.session })).status).toBe(
        200,
      )
    } finally {
      await switched.close()
    }
  })

  it('says at start-up which key signs and warns of a file others can read, never logging a key', async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'info' }, { write: (line) => void (logs += line) })
    const keys = jwks(EC)
    await setup({
      ...withKeys({ ...keys, file: '/etc/keys.json', readableByOthers: true }),
      logger,
    })
    expect(logs).toContain('"kid":"ec-2026-01"')
    expect(logs).toContain('"alg":"ES256"')
    expect(logs).toMatch(/SESSION_JWKS_FILE can be read by other users/)
    for (const value of [EC.d, EC.x, EC.y]) expect(logs).not.toContain(value)
  })
})
