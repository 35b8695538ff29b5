import { afterEach, describe, expect, it } from 'vitest'
import { normalizeIp } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { classicToken, getTicket, stableToken } from './cgi-support.js'

let mock: RunningMockWechat | undefined
afterEach(async () => {
  await mock?.close()
  mock = undefined
})

// The tests reach the mock over 127.0.0.1, so that is the caller's IP.
const NOT_LISTED = /^invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1, not in whitelist rid: \S+$/

describe('a whitelist without the caller', () => {
  it('answers 40164 naming the IP on /cgi-bin/token', async () => {
    mock = await startMockWechat({ ipWhitelist: ['10.0.0.1'] })
    const body = await classicToken(mock.baseUrl)
    expect(body.errcode).toBe(40164)
    expect(body.errmsg).toMatch(NOT_LISTED)
  })

  it('answers 40164 on /cgi-bin/stable_token', async () => {
    mock = await startMockWechat({ ipWhitelist: ['10.0.0.1'] })
    const body = await stableToken(mock.baseUrl)
    expect(body).toMatchObject({ errcode: 40164 })
    expect(body.errmsg).toMatch(NOT_LISTED)
  })

  it('answers 40164 on /cgi-bin/ticket/getticket', async () => {
    mock = await startMockWechat()
    const token = await stableToken(mock.baseUrl)
    await mock.control.ipWhitelist(['10.0.0.1'])
    const body = await getTicket(mock.baseUrl, token.access_token)
    expect(body).toMatchObject({ errcode: 40164 })
    expect(body.errmsg).toMatch(NOT_LISTED)
  })

  it('still checks the credentials first: a wrong secret is 40125', async () => {
    mock = await startMockWechat({ ipWhitelist: [] })
    expect((await classicToken(mock.baseUrl, { secret: 'wrong' })).errcode).toBe(40125)
  })

  it('leaves the sns endpoints alone', async () => {
    mock = await startMockWechat({ ipWhitelist: [] })
    const [code] = await mock.control.codes({ count: 1 })
    const query = new URLSearchParams({
      appid: 'wx8a9b0c1d2e3f4a5b',
      secret: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      code: code ?? '',
      grant_type: 'authorization_code',
    })
    const body = (await (
      await fetch(`${mock.baseUrl}/sns/oauth2/access_token?${query.toString()}`)
    ).json()) as Record<string, unknown>
    expect(body).toHaveProperty('openid')
  })
})

describe('a whitelist with the caller', () => {
  it.each([['127.0.0.1'], ['::ffff:127.0.0.1']])('lets %s in', async (listed) => {
    mock = await startMockWechat({ ipWhitelist: ['10.0.0.1', listed] })
    const token = await classicToken(mock.baseUrl)
    expect(token).toHaveProperty('access_token')
    expect((await getTicket(mock.baseUrl, token.access_token)).errcode).toBe(0)
  })

  it('lets anyone in once control sets no whitelist, until reset', async () => {
    mock = await startMockWechat({ ipWhitelist: ['10.0.0.1'] })
    await mock.control.ipWhitelist(null)
    expect(await stableToken(mock.baseUrl)).toHaveProperty('access_token')
    await mock.control.reset()
    expect((await stableToken(mock.baseUrl)).errcode).toBe(40164)
  })

  it('lets anyone in without a whitelist', async () => {
    mock = await startMockWechat()
    expect(await stableToken(mock.baseUrl)).toHaveProperty('access_token')
  })
})

describe('control ip-whitelist', () => {
  it.each([[['1.2.3.4', 5]], ['1.2.3.4'], [undefined]])('refuses %j', async (ips) => {
    mock = await startMockWechat()
    const response = await fetch(`${mock.baseUrl}/__control/ip-whitelist`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ips }),
    })
    expect(response.status).toBe(400)
    expect(await stableToken(mock.baseUrl)).toHaveProperty('access_token')
  })
})

describe('normalizeIp', () => {
  it('unwraps IPv4-mapped IPv6 and keeps other addresses', () => {
    expect(normalizeIp('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(normalizeIp('::FFFF:1.2.3.4')).toBe('1.2.3.4')
    expect(normalizeIp('1.2.3.4')).toBe('1.2.3.4')
    expect(normalizeIp('::1')).toBe('::1')
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1')
  })
})
