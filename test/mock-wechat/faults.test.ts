import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { accessTokenUrl, exchange } from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

async function freshCode(): Promise<string> {
  const [code] = await mock.control.codes({ count: 1 })
  return code ?? ''
}

async function tokenResponse(code: string): Promise<Response> {
  return fetch(accessTokenUrl(mock.baseUrl, { code }))
}

describe('fault modes', () => {
  it('latency waits, then answers normally', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 150 })
    const started = Date.now()
    const body = (await (await tokenResponse(await freshCode())).json()) as Record<string, unknown>
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(body).toHaveProperty('openid')
  })

  it('http500 answers an HTML 500 and leaves the code unused', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'http500', times: 1 })
    const code = await freshCode()
    const response = await tokenResponse(code)
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await exchange(mock.baseUrl, { code })).toHaveProperty('openid')
  })

  it('busy answers errcode -1 system error', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'busy' })
    const body = await exchange(mock.baseUrl, { code: await freshCode() })
    expect(body.errcode).toBe(-1)
    expect(body.errmsg).toMatch(/^system error/)
  })

  it('malformed answers a truncated JSON body', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'malformed' })
    const response = await tokenResponse(await freshCode())
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(() => JSON.parse(text) as unknown).toThrow()
  })

  it('text-html answers an HTML page with 200', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'text-html' })
    const response = await tokenResponse(await freshCode())
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toMatch(/^<!doctype html>/)
  })

  it('reset drops the connection without an answer and leaves the code unused', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'reset', times: 1 })
    const code = await freshCode()
    await expect(tokenResponse(code)).rejects.toThrow()
    expect(await exchange(mock.baseUrl, { code })).toHaveProperty('openid')
  })

  it('consume-then-reset uses the code, then drops the connection', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'consume-then-reset', times: 1 })
    const code = await freshCode()
    await expect(tokenResponse(code)).rejects.toThrow()
    expect((await exchange(mock.baseUrl, { code })).errcode).toBe(40163)
  })
})

describe('errcode fault', () => {
  it("answers WeChat's error body as text/plain with HTTP 200", async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'errcode', errcode: 40163 })
    const response = await tokenResponse(await freshCode())
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const body = JSON.parse(await response.text()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['errcode', 'errmsg'])
    expect(body.errcode).toBe(40163)
    expect(body.errmsg).toMatch(/^code been used, rid: \S+$/)
  })

  it.each([
    [40029, 'invalid code'],
    [42003, 'code expired'],
    [45011, 'api minute-quota reach limit'],
    [40125, 'invalid appsecret'],
    [-1, 'system error'],
    [48001, 'api unauthorized'],
  ])("uses WeChat's message for %i", async (errcode, message) => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'errcode', errcode })
    const body = await exchange(mock.baseUrl, { code: await freshCode() })
    expect(body.errcode).toBe(errcode)
    expect(body.errmsg).toMatch(new RegExp(`^${message}, rid: `))
  })

  it('says unknown error for an errcode WeChat has no known message for', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'errcode', errcode: 99999 })
    const body = await exchange(mock.baseUrl, { code: await freshCode() })
    expect(body).toMatchObject({ errcode: 99999 })
    expect(body.errmsg).toMatch(/^unknown error, rid: /)
  })

  it('leaves the code unused, so it exchanges once the fault is spent', async () => {
    await mock.control.faults({
      endpoint: 'access_token',
      mode: 'errcode',
      errcode: 40029,
      times: 2,
    })
    const code = await freshCode()
    expect((await exchange(mock.baseUrl, { code })).errcode).toBe(40029)
    expect((await exchange(mock.baseUrl, { code })).errcode).toBe(40029)
    expect(await exchange(mock.baseUrl, { code })).toHaveProperty('openid')
  })

  it('applies to the other API endpoints too', async () => {
    await mock.control.faults({ endpoint: '*', mode: 'errcode', errcode: 45011, times: 1 })
    const body = (await (
      await fetch(`${mock.baseUrl}/sns/auth?access_token=x&openid=y`)
    ).json()) as Record<string, unknown>
    expect(body.errcode).toBe(45011)
  })
})

describe('fault scope', () => {
  it('affects only as many calls as times says', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'busy', times: 2 })
    const code = await freshCode()
    expect((await exchange(mock.baseUrl, { code })).errcode).toBe(-1)
    expect((await exchange(mock.baseUrl, { code })).errcode).toBe(-1)
    expect(await exchange(mock.baseUrl, { code })).toHaveProperty('openid')
  })

  it('lasts until cleared without times', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'busy' })
    for (let i = 0; i < 3; i++)
      expect((await exchange(mock.baseUrl, { code: 'x' })).errcode).toBe(-1)
    await mock.control.clearFaults()
    expect((await exchange(mock.baseUrl, { code: 'x' })).errcode).toBe(40029)
  })

  it('applies a * fault to access_token', async () => {
    await mock.control.faults({ endpoint: '*', mode: 'busy', times: 1 })
    expect((await exchange(mock.baseUrl, { code: await freshCode() })).errcode).toBe(-1)
  })

  it('leaves access_token alone for a fault on another endpoint', async () => {
    await mock.control.faults({ endpoint: 'userinfo', mode: 'busy' })
    expect(await exchange(mock.baseUrl, { code: await freshCode() })).toHaveProperty('openid')
  })

  it('counts faulted calls in the stats', async () => {
    await mock.control.faults({ endpoint: 'access_token', mode: 'reset' })
    await expect(tokenResponse('x')).rejects.toThrow()
    expect((await mock.control.stats()).calls.access_token).toBe(1)
  })
})
