import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP, openidFor } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { NO_CALLS, authorizeUrl, exchange, wechatGet } from './support.js'

let mock: RunningMockWechat
let wallClock = 1_700_000_000_000
beforeEach(async () => {
  wallClock = 1_700_000_000_000
  mock = await startMockWechat({ now: () => wallClock })
})
afterEach(() => mock.close())

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${mock.baseUrl}/__control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('stats', () => {
  it('starts at zero', async () => {
    expect(await mock.control.stats()).toEqual(NO_CALLS)
  })

  it('counts every access_token call, failed ones included', async () => {
    await exchange(mock.baseUrl, { code: 'unknown' })
    await exchange(mock.baseUrl, { secret: 'wrong', code: 'x' })
    expect((await mock.control.stats()).calls.access_token).toBe(2)
  })

  it('counts authorize requests', async () => {
    await wechatGet(authorizeUrl(mock.baseUrl))
    await wechatGet(authorizeUrl(mock.baseUrl, { appid: '' }))
    expect((await mock.control.stats()).authorize).toBe(2)
  })
})

describe('reset', () => {
  it('forgets codes and counters', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    await exchange(mock.baseUrl, { code: 'x' })
    await mock.control.reset()
    expect((await exchange(mock.baseUrl, { code: code ?? '' })).errcode).toBe(40029)
    expect((await mock.control.stats()).calls.access_token).toBe(1)
  })

  it('forgets faults', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'busy' })
    await mock.control.reset()
    const [code] = await mock.control.codes({ count: 1 })
    expect(await exchange(mock.baseUrl, { code: code ?? '' })).toHaveProperty('openid')
  })

  it('drops the clock offset', async () => {
    await mock.control.clock(1000)
    await mock.control.reset()
    expect(await mock.control.clock(0)).toBe(wallClock)
  })

  it('is also available as a method of the mock', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    mock.mock.reset()
    expect((await exchange(mock.baseUrl, { code: code ?? '' })).errcode).toBe(40029)
  })

  it('answers 204', async () => {
    expect((await post('reset', {})).status).toBe(204)
  })
})

describe('clock', () => {
  it('advances on top of the injected clock', async () => {
    expect(await mock.control.clock(60)).toBe(wallClock + 60_000)
    wallClock += 5_000
    expect(await mock.control.clock(0)).toBe(wallClock + 60_000)
  })

  it('expires codes by the injected clock too', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    wallClock += 301_000
    expect((await exchange(mock.baseUrl, { code: code ?? '' })).errcode).toBe(42003)
  })

  it('rejects a negative advance', async () => {
    const response = await post('clock', { advanceSeconds: -1 })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })
})

describe('codes', () => {
  it('issues the requested number of distinct 32-char codes', async () => {
    const codes = await mock.control.codes({ count: 50 })
    expect(new Set(codes).size).toBe(50)
    for (const code of codes) expect(code).toMatch(/^0[A-Za-z0-9]{31}$/)
  })

  it('defaults to the first official account, snsapi_base and the first user', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const body = await exchange(mock.baseUrl, { code: code ?? '' })
    expect(body.scope).toBe('snsapi_base')
    expect(body.openid).toBe(openidFor(DEMO_MP_APP.appid, 'zhangxiaoming'))
  })

  it('issues codes for the scope, user and appid asked for', async () => {
    const [code] = await mock.control.codes({
      count: 1,
      scope: 'snsapi_userinfo',
      user: 'lisisi',
      appid: DEMO_WEB_APP.appid,
    })
    const body = await exchange(mock.baseUrl, {
      appid: DEMO_WEB_APP.appid,
      secret: DEMO_WEB_APP.secret,
      code: code ?? '',
    })
    expect(body.scope).toBe('snsapi_userinfo')
    expect(body.openid).toBe(openidFor(DEMO_WEB_APP.appid, 'lisisi'))
  })

  it.each([
    ['a zero count', { count: 0 }],
    ['a count above 10000', { count: 10_001 }],
    ['a fractional count', { count: 1.5 }],
    ['an unknown scope', { count: 1, scope: 'snsapi_private' }],
    ['an unknown user', { count: 1, user: 'nobody' }],
    ['an unknown appid', { count: 1, appid: 'wx0000000000000000' }],
  ])('rejects %s with 400 invalid_request', async (_name, body) => {
    const response = await post('codes', body)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })

  it('rejects a body that is not JSON', async () => {
    const response = await post('codes', '{count:')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })
})

describe('faults input', () => {
  it.each([
    ['an unknown endpoint', { endpoint: 'jsapi', mode: 'busy' }],
    ['an unknown mode', { endpoint: 'access_token', mode: 'explode' }],
    ['latency without ms', { endpoint: 'access_token', mode: 'latency' }],
    ['a zero times', { endpoint: 'access_token', mode: 'busy', times: 0 }],
    ['errcode without an errcode', { endpoint: 'access_token', mode: 'errcode' }],
    ['a fractional errcode', { endpoint: 'access_token', mode: 'errcode', errcode: 1.5 }],
    ['a string errcode', { endpoint: 'access_token', mode: 'errcode', errcode: '40029' }],
    ['a zero errcode', { endpoint: 'access_token', mode: 'errcode', errcode: 0 }],
    ['an errcode with another mode', { endpoint: 'access_token', mode: 'busy', errcode: 45011 }],
    ['drop-callback on an API endpoint', { endpoint: 'access_token', mode: 'drop-callback' }],
    ['drop-callback on *', { endpoint: '*', mode: 'drop-callback' }],
    ['an API mode on authorize', { endpoint: 'authorize', mode: 'busy' }],
    ['an API mode on qrconnect', { endpoint: 'qrconnect', mode: 'latency', ms: 10 }],
  ])('rejects %s with 400 invalid_request', async (_name, body) => {
    const response = await post('faults', body)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })
})
