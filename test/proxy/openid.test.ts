import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifySession } from '../../proxy/login/session.js'
import { DEMO_MP_APP, DEMO_WEB_APP, TEST_USERS, openidFor } from '../../proxy/mock-wechat/index.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { freePort } from '../helpers/net.js'
import type { RunningProxy } from '../helpers/proxy-server.js'
import { setup, teardown } from './support.js'

let mock: RunningMockWechat
let proxy: RunningProxy

beforeEach(async () => {
  ;({ mock, proxy } = await setup({ config: { upstreamTimeoutMs: 300 } }))
})

afterEach(teardown)

async function exchange(body: unknown): Promise<{ status: number; text: string; json: unknown }> {
  const response = await fetch(`${proxy.baseUrl}/openid`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, text, json: JSON.parse(text) }
}

async function newCode(options: { appid?: string; scope?: 'snsapi_base' } = {}): Promise<string> {
  const [code] = await mock.control.codes({ count: 1, ...options })
  if (!code) throw new Error('the mock issued no code')
  return code
}

function errorOf(json: unknown): { code?: string; errcode?: number } {
  return (json as { error?: { code?: string; errcode?: number } }).error ?? {}
}

describe('POST /openid against the mock WeChat', () => {
  it('answers the openid, scope and a session for a fresh code', async () => {
    const { status, json } = await exchange({ code: await newCode() })
    expect(status).toBe(200)
    expect(json).toEqual({
      openid: openidFor(DEMO_MP_APP.appid, TEST_USERS[0]!.id),
      scope: 'snsapi_base',
      snapshotUser: false,
      session: expect.any(String),
      sessionExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    })
  })

  it('signs a session that verifySession accepts with the configured secret', async () => {
    const { json } = await exchange({ code: await newCode() })
    const body = json as { openid: string; session: string; sessionExpiresAt: string }
    const claims = await verifySession(body.session, proxy.config.sessionSecret)
    expect(claims.openid).toBe(body.openid)
    expect(claims.app).toBe('mp')
    expect(claims.expiresAt.toISOString()).toBe(body.sessionExpiresAt)
  })

  it("never puts WeChat's access_token or refresh_token in the response", async () => {
    const { text } = await exchange({ code: await newCode() })
    expect(text).not.toMatch(/access_token|refresh_token|accessToken|refreshToken/)
    expect(text).not.toMatch(/"\w+_?[A-Za-z0-9_-]{60,}"/)
  })

  it('exchanges a website-app code with app "web"', async () => {
    const code = await newCode({ appid: DEMO_WEB_APP.appid })
    const { status, json } = await exchange({ code, app: 'web' })
    expect(status).toBe(200)
    expect((json as { openid: string }).openid).toBe(
      openidFor(DEMO_WEB_APP.appid, TEST_USERS[0]!.id),
    )
  })

  it('answers the unionid of an app bound to an open-platform account', async () => {
    ;({ mock, proxy } = await setup({ mock: { apps: [{ ...DEMO_MP_APP, unionBound: true }] } }))
    const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
    const { json } = await exchange({ code })
    expect(json).toMatchObject({ scope: 'snsapi_userinfo', unionid: expect.any(String) })
  })

  it('answers 400 code_invalid with errcode 40029 for an unknown code', async () => {
    const { status, json } = await exchange({ code: 'unknowncode123' })
    expect(status).toBe(400)
    expect(errorOf(json)).toMatchObject({ code: 'code_invalid', errcode: 40029 })
  })

  it('answers 409 code_used when the same code comes twice without a verifier', async () => {
    const code = await newCode()
    await exchange({ code })
    const { status, json } = await exchange({ code })
    expect(status).toBe(409)
    expect(errorOf(json).code).toBe('code_used')
  })

  it('answers 409 code_used with errcode 40163 for a code exchanged elsewhere', async () => {
    const code = await newCode()
    await fetch(
      `${mock.baseUrl}/sns/oauth2/access_token?appid=${DEMO_MP_APP.appid}&secret=${DEMO_MP_APP.secret}&code=${code}&grant_type=authorization_code`,
    )
    const { status, json } = await exchange({ code })
    expect(status).toBe(409)
    expect(errorOf(json)).toMatchObject({ code: 'code_used', errcode: 40163 })
  })

  it('answers 400 code_expired with errcode 42003 for a code older than 5 minutes', async () => {
    const code = await newCode()
    await mock.control.clock(301)
    const { status, json } = await exchange({ code })
    expect(status).toBe(400)
    expect(errorOf(json)).toMatchObject({ code: 'code_expired', errcode: 42003 })
  })
})

describe('POST /openid with a misconfigured proxy', () => {
  it('answers 500 wechat_misconfigured naming WECHAT_SECRET for a wrong secret', async () => {
    ;({ mock, proxy } = await setup({
      config: { mp: { appid: DEMO_MP_APP.appid, secret: 'f'.repeat(32) } },
    }))
    const { status, json, text } = await exchange({ code: await newCode() })
    expect(status).toBe(500)
    expect(errorOf(json)).toMatchObject({ code: 'wechat_misconfigured', errcode: 40125 })
    expect(text).toContain('WECHAT_SECRET')
    expect(text).not.toContain('f'.repeat(32))
  })

  it('answers 500 wechat_misconfigured naming WECHAT_APPID for an unknown appid', async () => {
    ;({ mock, proxy } = await setup({
      config: { mp: { appid: 'wx0000000000000000', secret: DEMO_MP_APP.secret } },
    }))
    const { status, json, text } = await exchange({ code: await newCode() })
    expect(status).toBe(500)
    expect(errorOf(json)).toMatchObject({ code: 'wechat_misconfigured', errcode: 40013 })
    expect(text).toContain('WECHAT_APPID')
  })

  it('answers 503 upstream_unavailable when nothing listens at the API base', async () => {
    const closedBase = `http://127.0.0.1:${await freePort()}/mock-wechat`
    ;({ mock, proxy } = await setup({ config: { apiBase: closedBase } }))
    const { status, json } = await exchange({ code: 'anycode' })
    expect(status).toBe(503)
    expect(errorOf(json).code).toBe('upstream_unavailable')
  })
})

describe('POST /openid when WeChat misbehaves', () => {
  it('parses the text/plain JSON WeChat sends', async () => {
    const code = await newCode()
    const raw = await fetch(
      `${mock.baseUrl}/sns/oauth2/access_token?appid=${DEMO_MP_APP.appid}&secret=${DEMO_MP_APP.secret}&code=nope&grant_type=authorization_code`,
    )
    // The precondition that makes this test meaningful: the mock answers text/plain like WeChat.
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/)
    const { status } = await exchange({ code })
    expect(status).toBe(200)
  })

  it('answers 504 upstream_timeout when WeChat is slower than the timeout', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 1000, times: 1 })
    const { status, json } = await exchange({ code: await newCode() })
    expect(status).toBe(504)
    expect(errorOf(json).code).toBe('upstream_timeout')
  })

  it('answers 503 upstream_unavailable with errcode -1 when WeChat stays busy', async () => {
    // -1 on the first call and both retries.
    await mock.control.faults({ endpoint: 'access_token', mode: 'busy', times: 3 })
    const { status, json } = await exchange({ code: await newCode() })
    expect(status).toBe(503)
    expect(errorOf(json)).toMatchObject({ code: 'upstream_unavailable', errcode: -1 })
  })

  it.each(['malformed', 'text-html', 'http500'] as const)(
    'answers 502 upstream_error when WeChat answers %s',
    async (mode) => {
      await mock.control.faults({ endpoint: 'access_token', mode, times: 1 })
      const { status, json } = await exchange({ code: await newCode() })
      expect(status).toBe(502)
      expect(errorOf(json).code).toBe('upstream_error')
    },
  )

  it('answers 503 upstream_unavailable when WeChat drops the connection', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'reset', times: 1 })
    const { status, json } = await exchange({ code: await newCode() })
    expect(status).toBe(503)
    expect(errorOf(json).code).toBe('upstream_unavailable')
  })
})
