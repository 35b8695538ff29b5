import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import {
  RID,
  TOKEN,
  classicToken,
  getTicket,
  stableToken,
  stableTokenResponse,
} from './cgi-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const FORCE = { force_refresh: true }

describe('POST /cgi-bin/stable_token', () => {
  it('answers a token and expires_in 7200 as text/plain JSON with HTTP 200', async () => {
    const response = await stableTokenResponse(mock.baseUrl)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const body = JSON.parse(await response.text()) as Record<string, unknown>
    expect(body.access_token).toMatch(TOKEN)
    expect(body.expires_in).toBe(7200)
  })

  it('hands back the same token while it is valid, with the seconds it has left', async () => {
    const first = await stableToken(mock.baseUrl)
    await mock.control.clock(1000)
    const second = await stableToken(mock.baseUrl, { force_refresh: false })
    expect(second).toEqual({ access_token: first.access_token, expires_in: 6200 })
  })

  it('issues a new one in the last 5 minutes; the old one works to its own end', async () => {
    const first = await stableToken(mock.baseUrl)
    await mock.control.clock(6901)
    const second = await stableToken(mock.baseUrl)
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.expires_in).toBe(7200)
    expect((await getTicket(mock.baseUrl, first.access_token)).errcode).toBe(0)
    await mock.control.clock(299)
    expect((await getTicket(mock.baseUrl, first.access_token)).errcode).toBe(42001)
  })

  it('reads the JSON body whatever its Content-Type says', async () => {
    const response = await fetch(`${mock.baseUrl}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: 'wx8a9b0c1d2e3f4a5b',
        secret: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      }),
    })
    expect(await response.json()).toHaveProperty('access_token')
  })
})

describe('independence from the classic token', () => {
  it('is not replaced by a classic fetch, nor the classic token by a stable one', async () => {
    const stable = await stableToken(mock.baseUrl)
    const classic = await classicToken(mock.baseUrl)
    await classicToken(mock.baseUrl)
    expect((await stableToken(mock.baseUrl)).access_token).toBe(stable.access_token)
    await stableToken(mock.baseUrl, FORCE)
    await mock.control.clock(299)
    expect((await getTicket(mock.baseUrl, classic.access_token)).errcode).toBe(0)
    expect(stable.access_token).not.toBe(classic.access_token)
  })
})

describe('force_refresh', () => {
  it('replaces the token; the old one answers 40001 at once', async () => {
    const first = await stableToken(mock.baseUrl)
    const forced = await stableToken(mock.baseUrl, FORCE)
    expect(forced.access_token).not.toBe(first.access_token)
    expect(forced.expires_in).toBe(7200)
    expect((await getTicket(mock.baseUrl, first.access_token)).errcode).toBe(40001)
    expect((await stableToken(mock.baseUrl)).access_token).toBe(forced.access_token)
  })

  it('does not refresh again within 30 s: the call acts as a normal one', async () => {
    await stableToken(mock.baseUrl, FORCE)
    await mock.control.clock(29)
    const current = await stableToken(mock.baseUrl)
    expect((await stableToken(mock.baseUrl, FORCE)).access_token).toBe(current.access_token)
    await mock.control.clock(1)
    expect((await stableToken(mock.baseUrl, FORCE)).access_token).not.toBe(current.access_token)
  })

  it('answers 45009 past 20 forced refreshes a day; normal calls still work', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await stableToken(mock.baseUrl, FORCE)).toHaveProperty('access_token')
      await mock.control.clock(30)
    }
    const refused = await stableToken(mock.baseUrl, FORCE)
    expect(refused.errcode).toBe(45009)
    expect(refused.errmsg).toMatch(/^reach max api daily quota limit/)
    expect(await stableToken(mock.baseUrl)).toHaveProperty('access_token')
    await mock.control.clock(24 * 3600)
    expect(await stableToken(mock.baseUrl, FORCE)).toHaveProperty('access_token')
  })
})

describe("WeChat's validation", () => {
  it.each([
    ['appid missing', { appid: undefined }, 41002],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013],
    ['secret missing', { secret: undefined }, 41004],
    ['a wrong secret', { secret: 'x'.repeat(32) }, 40125],
    ['grant_type missing', { grant_type: undefined }, 40002],
    ['force_refresh not a boolean', { force_refresh: 'true' }, 40097],
  ])('answers %s with its errcode', async (_name, overrides, errcode) => {
    const body = await stableToken(mock.baseUrl, overrides)
    expect(body.errcode).toBe(errcode)
    expect(body.errmsg).toMatch(RID)
  })

  it.each([
    ['not JSON', 'appid=wx8a9b0c1d2e3f4a5b'],
    ['a JSON array', '[]'],
    ['empty', ''],
  ])('answers a body that is %s with 47001', async (_name, raw) => {
    const body = (await (await stableTokenResponse(mock.baseUrl, {}, raw)).json()) as Record<
      string,
      unknown
    >
    expect(body.errcode).toBe(47001)
  })
})
