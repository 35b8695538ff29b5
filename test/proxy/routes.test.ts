import { SignJWT, UnsecuredJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signSession } from '../../proxy/login/session.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import type { RunningProxy } from '../helpers/proxy-server.js'
import { setup, teardown } from './support.js'

let mock: RunningMockWechat
let proxy: RunningProxy

beforeEach(async () => {
  ;({ mock, proxy } = await setup())
})

afterEach(teardown)

async function getSession(authorization?: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${proxy.baseUrl}/session`, {
    headers: authorization === undefined ? {} : { authorization },
  })
  return { status: response.status, json: await response.json() }
}

function errorCode(json: unknown): string | undefined {
  return (json as { error?: { code?: string } }).error?.code
}

describe('GET /session', () => {
  it('answers the session of a fresh exchange', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const exchange = await fetch(`${proxy.baseUrl}/openid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    const body = (await exchange.json()) as {
      openid: string
      session: string
      sessionExpiresAt: string
    }
    const { status, json } = await getSession(`Bearer ${body.session}`)
    expect(status).toBe(200)
    expect(json).toEqual({
      openid: body.openid,
      scope: 'snsapi_base',
      expiresAt: body.sessionExpiresAt,
    })
  })

  it('answers the unionid when the session has one', async () => {
    const { token } = await signSession(
      { openid: 'o1', scope: 'snsapi_userinfo', app: 'mp', unionid: 'u1' },
      proxy.config.sessionSecret,
      3600,
    )
    const { json } = await getSession(`Bearer ${token}`)
    expect(json).toMatchObject({ openid: 'o1', unionid: 'u1' })
  })

  it('answers 401 unauthorized without an Authorization header', async () => {
    const { status, json } = await getSession()
    expect(status).toBe(401)
    expect(errorCode(json)).toBe('unauthorized')
  })

  it('answers 401 unauthorized for a garbage token', async () => {
    const { status, json } = await getSession('Bearer garbage')
    expect(status).toBe(401)
    expect(errorCode(json)).toBe('unauthorized')
  })

  it('answers 401 unauthorized for another scheme', async () => {
    const { token } = await signSession(
      { openid: 'o1', scope: 's', app: 'mp' },
      proxy.config.sessionSecret,
      3600,
    )
    const { status } = await getSession(`Basic ${token}`)
    expect(status).toBe(401)
  })

  it('answers 401 unauthorized for a session signed with another secret', async () => {
    const { token } = await signSession(
      { openid: 'o1', scope: 's', app: 'mp' },
      'x'.repeat(32),
      3600,
    )
    const { status, json } = await getSession(`Bearer ${token}`)
    expect(status).toBe(401)
    expect(errorCode(json)).toBe('unauthorized')
  })

  it('answers 401 unauthorized for an expired session', async () => {
    const { token } = await signSession(
      { openid: 'o1', scope: 's', app: 'mp' },
      proxy.config.sessionSecret,
      60,
      Date.now() - 120_000,
    )
    const { status, json } = await getSession(`Bearer ${token}`)
    expect(status).toBe(401)
    expect(errorCode(json)).toBe('unauthorized')
  })

  it('answers 401 unauthorized for an unsigned alg:none token', async () => {
    const token = new UnsecuredJWT({ scope: 's', app: 'mp' })
      .setSubject('o1')
      .setIssuer('wechat-h5-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode()
    const { status } = await getSession(`Bearer ${token}`)
    expect(status).toBe(401)
  })

  it('answers 401 unauthorized for a token signed with HS512 and the right secret', async () => {
    const token = await new SignJWT({ scope: 's', app: 'mp' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('o1')
      .setIssuer('wechat-h5-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(proxy.config.sessionSecret))
    const { status } = await getSession(`Bearer ${token}`)
    expect(status).toBe(401)
  })
})

describe('GET /config', () => {
  it('answers the public values and no secret', async () => {
    const response = await fetch(`${proxy.baseUrl}/config`)
    const text = await response.text()
    expect(response.status).toBe(200)
    expect(JSON.parse(text)).toEqual({
      appid: proxy.config.mp.appid,
      webAppid: proxy.config.web?.appid,
      mock: true,
      authorizeBase: proxy.config.openBase,
      jssdkScript: `${proxy.config.openBase}/open/js/jweixin-1.6.0.js`,
    })
    expect(text).not.toContain(proxy.config.mp.secret)
    expect(text).not.toContain(proxy.config.web?.secret)
    expect(text).not.toContain(proxy.config.sessionSecret)
  })
})

describe('GET /healthz', () => {
  it('answers ok with the store kind', async () => {
    const response = await fetch(`${proxy.baseUrl}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, store: 'memory' })
  })

  it('answers 503 when the store is down', async () => {
    const down = () => Promise.reject(new Error('down'))
    ;({ mock, proxy } = await setup({ store: (store) => ({ ...store, ping: down }) }))
    const response = await fetch(`${proxy.baseUrl}/healthz`)
    expect(response.status).toBe(503)
    expect(errorCode(await response.json())).toBe('upstream_unavailable')
  })
})

describe('unknown paths', () => {
  it('answers a JSON 404 not_found', async () => {
    const response = await fetch(`${proxy.baseUrl}/nope`)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(errorCode(await response.json())).toBe('not_found')
  })
})

describe('responses', () => {
  it('are never cached', async () => {
    const response = await fetch(`${proxy.baseUrl}/config`)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })
})

describe('POST /openid with the store down', () => {
  it('answers 503 upstream_unavailable', async () => {
    const down = () => Promise.reject(new Error('down'))
    ;({ mock, proxy } = await setup({ store: (store) => ({ ...store, keepExchangeTokens: down }) }))
    const [code] = await mock.control.codes({ count: 1 })
    const response = await fetch(`${proxy.baseUrl}/openid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    expect(response.status).toBe(503)
    expect(errorCode(await response.json())).toBe('upstream_unavailable')
  })
})
