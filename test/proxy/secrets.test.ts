import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../proxy/logger.js'
import type { Store, StoredTokens } from '../../proxy/store/index.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import type { RunningProxy } from '../helpers/proxy-server.js'
import { setup, teardown } from './support.js'

let mock: RunningMockWechat
let proxy: RunningProxy
let logs: string
let saved: StoredTokens[]
let store: Store

beforeEach(async () => {
  logs = ''
  saved = []
  const logger = pino({ level: 'trace' }, { write: (line: string) => void (logs += line) })
  const watched = (store: Store): Store => ({
    ...store,
    keepExchangeTokens: async (app, openid, tokens, ttl, nowMs) => {
      saved.push(tokens)
      return store.keepExchangeTokens(app, openid, tokens, ttl, nowMs)
    },
  })
  ;({ mock, proxy, store } = await setup({ logger, store: watched }))
})

afterEach(teardown)

async function signIn(code: string): Promise<{ openid: string; session: string }> {
  const response = await fetch(`${proxy.baseUrl}/openid`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, state: 'abc123', verifier: 'verifier-value-123' }),
  })
  return (await response.json()) as { openid: string; session: string }
}

describe("WeChat's tokens and the secrets", () => {
  it("keep WeChat's tokens in the store", async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const { openid } = await signIn(code!)
    expect(saved).toHaveLength(1)
    expect(await store.getTokens('mp', openid)).toMatchObject({
      accessToken: saved[0]!.accessToken,
      refreshToken: saved[0]!.refreshToken,
      scope: 'snsapi_base',
    })
  })

  it('never appear in the logs of an exchange and a session check', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const { session } = await signIn(code!)
    await signIn(code!) // a failing replay is logged too
    await fetch(`${proxy.baseUrl}/session`, { headers: { authorization: `Bearer ${session}` } })
    expect(logs).toContain('code exchanged')
    const forbidden = [
      code!,
      session,
      'verifier-value-123',
      saved[0]!.accessToken,
      saved[0]!.refreshToken,
      proxy.config.mp.secret,
      proxy.config.sessionSecret,
    ]
    for (const value of forbidden) expect(logs).not.toContain(value)
  })
})

describe('the basic access token and the jsapi_ticket', () => {
  it('live in the store and never appear in a log line or the signature answer', async () => {
    const response = await fetch(`${proxy.baseUrl}/jssdk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1/share' }),
    })
    const answer = await response.text()
    expect(response.status).toBe(200)
    const appid = proxy.config.mp.appid
    const token = (await store.getCredential(appid, 'token'))?.value
    const ticket = (await store.getCredential(appid, 'ticket'))?.value
    expect(token).toBeTypeOf('string')
    expect(ticket).toBeTypeOf('string')
    expect(logs).toContain('credential fetched')
    for (const value of [token!, ticket!, proxy.config.mp.secret]) {
      expect(logs).not.toContain(value)
      expect(answer).not.toContain(value)
    }
  })
})

describe('createLogger', () => {
  it('redacts codes, tokens and authorization headers passed to it by mistake', () => {
    let line = ''
    const logger = createLogger(
      { logLevel: 'info' },
      { write: (text: string) => void (line += text) },
    )
    logger.info({
      code: 'the-code',
      body: { access_token: 'the-access-token', verifier: 'the-verifier' },
      req: { headers: { authorization: 'Bearer the-session' } },
      answer: { ticket: 'the-ticket', jsapi_ticket: 'the-jsapi-ticket' },
    })
    const values = ['the-code', 'the-access-token', 'the-verifier', 'the-session', 'the-ticket']
    for (const value of [...values, 'the-jsapi-ticket']) {
      expect(line).not.toContain(value)
    }
  })
})
