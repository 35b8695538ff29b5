import { MemoryStore } from 'express-rate-limit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { errorCode, post, setup, teardown } from './support.js'
import type { Harness } from './support.js'
import { startProxy } from '../helpers/proxy-server.js'
import { call } from '../helpers/http.js'
import { createLogger } from '../../proxy/logger.js'

afterEach(teardown)

const harness = (rateLimit: number) => setup({ config: { rateLimit } })

async function attempts(h: Harness, count: number): Promise<Awaited<ReturnType<typeof post>>[]> {
  const replies = []
  for (let i = 0; i < count; i += 1) {
    replies.push(await post(h, '/openid', undefined, { code: `unknown${i}` }))
  }
  return replies
}

/** A sign-in attempt that says, in X-Forwarded-For, it comes from `ip`. */
const forwardedFor = (h: Harness) => (ip: string) =>
  fetch(`${h.proxy.baseUrl}/openid`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ code: 'abc' }),
  })

describe('the /openid rate limit', () => {
  it('answers 429 rate_limited beyond RATE_LIMIT calls a minute', async () => {
    const h = await harness(3)
    const replies = await attempts(h, 4)
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 429])
    expect(errorCode(replies[3]!)).toBe('rate_limited')
  })

  it('does not call WeChat for a limited request', async () => {
    const h = await harness(1)
    await attempts(h, 3)
    expect((await h.mock.control.stats()).calls.access_token).toBe(1)
  })

  it('sends the RateLimit headers', async () => {
    const h = await harness(2)
    const [first, , limited] = await attempts(h, 3)
    expect(first!.headers.get('ratelimit-limit')).toBe('2')
    expect(first!.headers.get('ratelimit-remaining')).toBe('1')
    expect(limited!.headers.get('ratelimit-reset')).toMatch(/^\d+$/)
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('counts malformed requests too', async () => {
    const h = await harness(1)
    await post(h, '/openid', undefined, { nonsense: true })
    expect((await post(h, '/openid', undefined, { code: 'abc' })).status).toBe(429)
  })

  it('does not limit the other endpoints', async () => {
    const h = await harness(1)
    await attempts(h, 2)
    expect((await fetch(`${h.proxy.baseUrl}/config`)).status).toBe(200)
  })

  it('defaults to 600 a minute', async () => {
    const h = await setup()
    const [first] = await attempts(h, 1)
    expect(first!.headers.get('ratelimit-limit')).toBe('600')
  })

  it('keeps its counters in the injected store', async () => {
    const h = await harness(5)
    const rateLimitStore = new MemoryStore()
    const proxy = await startProxy(h.proxy.config, { rateLimitStore })
    try {
      await fetch(`${proxy.baseUrl}/openid`, { method: 'POST' })
      expect((await rateLimitStore.get('127.0.0.1'))?.totalHits).toBe(1)
    } finally {
      await proxy.close()
    }
  })

  it('reads the client IP through trusted proxies when TRUST_PROXY says so', async () => {
    const h = await setup({ config: { rateLimit: 1, trustProxy: 'loopback' } })
    const from = forwardedFor(h)
    await from('203.0.113.1')
    expect((await from('203.0.113.2')).status).not.toBe(429)
    expect((await from('203.0.113.1')).status).toBe(429)
  })

  it('warns once when X-Forwarded-For arrives while TRUST_PROXY is off, and still keys on the peer', async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'warn' }, { write: (line) => void (logs += line) })
    const h = await setup({ config: { rateLimit: 1 }, logger })
    const from = forwardedFor(h)
    await from('203.0.113.1')
    // A forged header buys no second budget: the key is the connection's address.
    expect((await from('203.0.113.2')).status).toBe(429)
    const warnings = logs.split('\n').filter((line) => line.includes('X-Forwarded-For'))
    expect(warnings).toHaveLength(1)
  })

  it('prints nothing outside the logger for X-Forwarded-For without TRUST_PROXY (no library stack trace)', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const h = await setup({ config: { rateLimit: 5 } })
      await forwardedFor(h)('203.0.113.1')
      await fetch(`${h.proxy.baseUrl}/jssdk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
        body: JSON.stringify({ url: 'http://127.0.0.1/' }),
      })
      expect([...printed.mock.calls, ...warned.mock.calls]).toEqual([])
    } finally {
      printed.mockRestore()
      warned.mockRestore()
    }
  })

  it('leaves X-Forwarded-For unremarked when TRUST_PROXY is set', async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'warn' }, { write: (line) => void (logs += line) })
    const h = await setup({ config: { rateLimit: 5, trustProxy: 'loopback' }, logger })
    await fetch(`${h.proxy.baseUrl}/config`, { headers: { 'x-forwarded-for': '203.0.113.1' } })
    expect(logs).not.toContain('X-Forwarded-For')
  })
})

describe('a limiter whose store fails', () => {
  // A store that cannot count (Redis down, or a host app's store that throws or answers nothing)
  // refuses the call with 503, never lets it through uncounted, and never answers 500 or hangs.
  const failing: Record<string, () => Promise<never>> = {
    rejects: () => Promise.reject(new Error('down')),
    throws: () => {
      throw new Error('down')
    },
    'answers no count': () => Promise.resolve(undefined as never),
  }
  for (const [how, increment] of Object.entries(failing)) {
    it(`answers 503 upstream_unavailable when its store ${how}`, async () => {
      const rateLimitStore = new MemoryStore()
      rateLimitStore.increment = increment
      const h = await setup({})
      const proxy = await startProxy(h.proxy.config, { rateLimitStore })
      try {
        const reply = await call(proxy, 'POST', '/openid', { body: { code: 'abc' } })
        expect(reply.status).toBe(503)
        expect(errorCode(reply)).toBe('upstream_unavailable')
        expect((await h.mock.control.stats()).calls.access_token ?? 0).toBe(0)
      } finally {
        await proxy.close()
      }
    })
  }
})
