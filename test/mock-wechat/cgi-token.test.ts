import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { RID, TOKEN, classicToken, classicTokenResponse, getTicket } from './cgi-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

describe('GET /cgi-bin/token', () => {
  it('answers a token and expires_in 7200 as text/plain JSON with HTTP 200', async () => {
    const response = await classicTokenResponse(mock.baseUrl)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const body = JSON.parse(await response.text()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in'])
    expect(body.access_token).toMatch(TOKEN)
    expect(body.expires_in).toBe(7200)
  })

  it('issues a new token on every call', async () => {
    const first = await classicToken(mock.baseUrl)
    const second = await classicToken(mock.baseUrl)
    expect(second.access_token).not.toBe(first.access_token)
  })

  it('keeps the replaced token working 300 s on the mock clock, then answers 40001', async () => {
    const first = await classicToken(mock.baseUrl)
    await classicToken(mock.baseUrl)
    await mock.control.clock(299)
    expect(await getTicket(mock.baseUrl, first.access_token)).toMatchObject({ errcode: 0 })
    await mock.control.clock(1)
    const refused = await getTicket(mock.baseUrl, first.access_token)
    expect(refused.errcode).toBe(40001)
    expect(refused.errmsg).toMatch(
      /^invalid credential, access_token is invalid or not latest, rid: /,
    )
  })

  it('keeps the latest token working after the grace of the one before', async () => {
    await classicToken(mock.baseUrl)
    const latest = await classicToken(mock.baseUrl)
    await mock.control.clock(600)
    expect(await getTicket(mock.baseUrl, latest.access_token)).toMatchObject({ errcode: 0 })
  })

  it('answers 42001 for a token past its 7200 s', async () => {
    const token = await classicToken(mock.baseUrl)
    await mock.control.clock(7199)
    expect((await getTicket(mock.baseUrl, token.access_token)).errcode).toBe(0)
    await mock.control.clock(1)
    expect((await getTicket(mock.baseUrl, token.access_token)).errcode).toBe(42001)
  })

  it('forgets every token on reset', async () => {
    const token = await classicToken(mock.baseUrl)
    await mock.control.reset()
    expect((await getTicket(mock.baseUrl, token.access_token)).errcode).toBe(40001)
  })
})

describe("WeChat's validation", () => {
  it.each([
    ['appid missing', { appid: undefined }, 41002],
    ['an unknown appid', { appid: 'wx0000000000000000' }, 40013],
    ["a website app's appid", { appid: DEMO_WEB_APP.appid, secret: DEMO_WEB_APP.secret }, 40013],
    ['secret missing', { secret: undefined }, 41004],
    ['a wrong secret', { secret: DEMO_WEB_APP.secret }, 40125],
    ["another app's secret on the right appid", { secret: 'x'.repeat(32) }, 40125],
    ['grant_type missing', { grant_type: undefined }, 40002],
    ['another grant_type', { grant_type: 'authorization_code' }, 40002],
  ])('answers %s with its errcode', async (_name, overrides, errcode) => {
    const body = await classicToken(mock.baseUrl, overrides)
    expect(body.errcode).toBe(errcode)
    expect(body.errmsg).toMatch(RID)
    expect(body).not.toHaveProperty('access_token')
  })

  it('issues nothing for a refused call: the token before stays the latest', async () => {
    const token = await classicToken(mock.baseUrl)
    await classicToken(mock.baseUrl, { secret: 'wrong' })
    await mock.control.clock(600)
    expect((await getTicket(mock.baseUrl, token.access_token)).errcode).toBe(0)
  })
})

describe('daily quota', () => {
  it("defaults to WeChat's quotas: 2000 tokens, 20 forced stable tokens, 10000 tickets", async () => {
    expect(await mock.control.quotas({})).toEqual({
      token: 2000,
      stable_token_force: 20,
      ticket: 10_000,
    })
  })

  it('answers 45009 past the quota, and issues again the next day', async () => {
    await mock.control.quotas({ token: 3 })
    for (let i = 0; i < 3; i++)
      expect(await classicToken(mock.baseUrl)).toHaveProperty('access_token')
    const refused = await classicToken(mock.baseUrl)
    expect(refused.errcode).toBe(45009)
    expect(refused.errmsg).toMatch(/^reach max api daily quota limit, rid: /)
    await mock.control.clock(24 * 3600)
    expect(await classicToken(mock.baseUrl)).toHaveProperty('access_token')
  })

  it('counts per appid and restarts at reset', async () => {
    await mock.control.quotas({ token: 1 })
    await classicToken(mock.baseUrl)
    expect((await classicToken(mock.baseUrl)).errcode).toBe(45009)
    await mock.control.reset()
    expect(await classicToken(mock.baseUrl)).toHaveProperty('access_token')
    expect(await classicToken(mock.baseUrl)).toHaveProperty('access_token')
  })

  it.each([[-1], [1.5], ['3']])('refuses a quota of %j', async (token) => {
    await expect(mock.control.quotas({ token } as never)).rejects.toThrow(/400/)
    expect((await mock.control.quotas({})).token).toBe(2000)
  })

  it('does not spend the quota on refused calls', async () => {
    await mock.control.quotas({ token: 1 })
    await classicToken(mock.baseUrl, { secret: 'wrong' })
    expect(await classicToken(mock.baseUrl)).toHaveProperty('access_token')
  })
})

describe('another app', () => {
  it('keeps its own tokens and quota', async () => {
    const other = { appid: 'wx0a0b0c0d0e0f1a1b', secret: '1'.repeat(32), kind: 'mp' as const }
    await mock.close()
    mock = await startMockWechat({ apps: [DEMO_MP_APP, other] })
    await mock.control.quotas({ token: 1 })
    const mine = await classicToken(mock.baseUrl)
    const theirs = await classicToken(mock.baseUrl, { appid: other.appid, secret: other.secret })
    expect(theirs).toHaveProperty('access_token')
    // Their fetch does not start the grace of mine: tokens are per app.
    await mock.control.clock(600)
    expect((await getTicket(mock.baseUrl, mine.access_token)).errcode).toBe(0)
  })
})
