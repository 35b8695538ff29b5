import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { RID, getTicket, stableToken, ticketResponse } from './cgi-support.js'

let mock: RunningMockWechat
let accessToken: unknown
beforeEach(async () => {
  mock = await startMockWechat()
  accessToken = (await stableToken(mock.baseUrl)).access_token
})
afterEach(() => mock.close())

describe('GET /cgi-bin/ticket/getticket', () => {
  it('answers errcode 0, ok, a ticket and expires_in 7200 as text/plain JSON', async () => {
    const response = await ticketResponse(mock.baseUrl, accessToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const body = JSON.parse(await response.text()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['errcode', 'errmsg', 'expires_in', 'ticket'])
    expect(body).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 })
    expect(body.ticket).toMatch(/^[A-Za-z0-9_-]{86}$/)
  })

  it('hands back the same ticket while it is valid, with the seconds it has left', async () => {
    const first = await getTicket(mock.baseUrl, accessToken)
    await mock.control.clock(100)
    const second = await getTicket(mock.baseUrl, accessToken)
    expect(second).toMatchObject({ ticket: first.ticket, expires_in: 7100 })
  })

  it('issues a new ticket in the last 5 minutes of the old one', async () => {
    const first = await getTicket(mock.baseUrl, accessToken)
    await mock.control.clock(6901)
    const fresh = (await stableToken(mock.baseUrl)).access_token
    const second = await getTicket(mock.baseUrl, fresh)
    expect(second.ticket).not.toBe(first.ticket)
    expect(second.expires_in).toBe(7200)
  })

  it.each([
    ['access_token missing', undefined, 'jsapi', 41001],
    ['an unknown access_token', 'nope', 'jsapi', 40001],
    ['type missing', 'TOKEN', '', 40097],
    ['another type', 'TOKEN', 'jsapi2', 40097],
  ])('answers %s with its errcode', async (_name, token, type, errcode) => {
    const body = await getTicket(mock.baseUrl, token === 'TOKEN' ? accessToken : token, type)
    expect(body.errcode).toBe(errcode)
    expect(body.errmsg).toMatch(RID)
    expect(body).not.toHaveProperty('ticket')
  })

  it('answers 42001 for an expired access_token', async () => {
    await mock.control.clock(7200)
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(42001)
  })

  it('answers 45009 past the daily quota', async () => {
    await mock.control.quotas({ ticket: 2 })
    await getTicket(mock.baseUrl, accessToken)
    await getTicket(mock.baseUrl, accessToken)
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(45009)
    await mock.control.clock(24 * 3600)
    const fresh = (await stableToken(mock.baseUrl)).access_token
    expect((await getTicket(mock.baseUrl, fresh)).errcode).toBe(0)
  })
})

describe('invalidate-token', () => {
  it('makes the current token answer 40001 at once; stable_token then issues a new one', async () => {
    await mock.control.invalidateToken('wx8a9b0c1d2e3f4a5b')
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(40001)
    const fresh = await stableToken(mock.baseUrl)
    expect(fresh.access_token).not.toBe(accessToken)
    expect((await getTicket(mock.baseUrl, fresh.access_token)).errcode).toBe(0)
  })

  it('covers every app when no appid is given', async () => {
    await mock.control.invalidateToken()
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(40001)
  })

  it('keeps the tickets already issued', async () => {
    const { ticket } = await getTicket(mock.baseUrl, accessToken)
    await mock.control.invalidateToken()
    const fresh = (await stableToken(mock.baseUrl)).access_token
    expect((await getTicket(mock.baseUrl, fresh)).ticket).toBe(ticket)
  })

  it('refuses an appid that is not a configured official account', async () => {
    await expect(mock.control.invalidateToken('wx1f2e3d4c5b6a7980')).rejects.toThrow(/400/)
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(0)
  })
})

describe('stats and faults', () => {
  it('counts token, stable_token and ticket calls, refused ones included', async () => {
    await fetch(`${mock.baseUrl}/cgi-bin/token`)
    await getTicket(mock.baseUrl, accessToken)
    await getTicket(mock.baseUrl, 'nope')
    expect((await mock.control.stats()).calls).toMatchObject({
      token: 1,
      stable_token: 1,
      ticket: 2,
    })
  })

  it.each(['token', 'stable_token', 'ticket'] as const)(
    'takes a busy fault on %s alone',
    async (endpoint) => {
      await mock.control.faults({ endpoint, mode: 'busy', times: 1 })
      const calls = {
        token: () => fetch(`${mock.baseUrl}/cgi-bin/token`),
        stable_token: () =>
          fetch(`${mock.baseUrl}/cgi-bin/stable_token`, { method: 'POST', body: '{}' }),
        ticket: () => ticketResponse(mock.baseUrl, accessToken),
      }
      for (const [name, call] of Object.entries(calls)) {
        const body = (await (await call()).json()) as Record<string, unknown>
        expect(body.errcode === -1, name).toBe(name === endpoint)
      }
    },
  )

  it('answers an HTML 500 under http500', async () => {
    await mock.control.faults({ endpoint: 'ticket', mode: 'http500', times: 1 })
    const response = await ticketResponse(mock.baseUrl, accessToken)
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  })

  it('drops the connection under reset', async () => {
    await mock.control.faults({ endpoint: 'stable_token', mode: 'reset', times: 1 })
    await expect(stableToken(mock.baseUrl)).rejects.toThrow()
  })

  it('issues the token, then drops the connection, under consume-then-reset', async () => {
    await mock.control.faults({ endpoint: 'stable_token', mode: 'consume-then-reset', times: 1 })
    await expect(stableToken(mock.baseUrl, { force_refresh: true })).rejects.toThrow()
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(40001)
  })

  it('answers a truncated body under malformed', async () => {
    await mock.control.faults({ endpoint: 'token', mode: 'malformed', times: 1 })
    const text = await (await fetch(`${mock.baseUrl}/cgi-bin/token`)).text()
    expect(() => JSON.parse(text) as unknown).toThrow()
  })

  it('waits under latency, then answers normally', async () => {
    await mock.control.faults({ endpoint: 'ticket', mode: 'latency', ms: 120, times: 1 })
    const started = Date.now()
    expect((await getTicket(mock.baseUrl, accessToken)).errcode).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(110)
  })

  it('answers a given errcode under errcode', async () => {
    await mock.control.faults({ endpoint: 'token', mode: 'errcode', errcode: 40164, times: 1 })
    expect((await (await fetch(`${mock.baseUrl}/cgi-bin/token`)).json()) as unknown).toMatchObject({
      errcode: 40164,
    })
  })
})
