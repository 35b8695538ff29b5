import { afterEach, describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { retryWhenBusy } from '../../proxy/wechat/retry.js'
import { fault } from '../helpers/mock-server.js'
import { errorCode, get, login, post, setup, teardown } from './support.js'
import type { Harness } from './support.js'

afterEach(teardown)

const busy = () => new ProxyError('upstream_unavailable', 'busy', { errcode: -1 })

async function calls(h: Harness): Promise<Record<string, number>> {
  return (await h.mock.control.stats()).calls
}

async function exchange(h: Harness): Promise<number> {
  const [code] = await h.mock.control.codes({ count: 1 })
  return (await post(h, '/openid', undefined, { code })).status
}

describe('retryWhenBusy', () => {
  it('waits exponentially longer before each retry', async () => {
    const waits: number[] = []
    const retry = retryWhenBusy({
      retries: 3,
      baseMs: 100,
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
    })
    await expect(retry(() => Promise.reject(busy()))).rejects.toMatchObject({ errcode: -1 })
    expect(waits).toEqual([75, 150, 300])
  })

  it('adds jitter: half of each wait is random', async () => {
    const waits: number[] = []
    let next = 0
    const random = () => [0, 0.999][next++] ?? 0
    const retry = retryWhenBusy({
      retries: 2,
      baseMs: 100,
      random,
      sleep: async (ms) => void waits.push(ms),
    })
    await expect(retry(() => Promise.reject(busy()))).rejects.toBeInstanceOf(ProxyError)
    expect(waits[0]).toBe(50)
    expect(waits[1]).toBeCloseTo(199.9)
  })

  it('does not retry any other error', async () => {
    let count = 0
    const retry = retryWhenBusy({ sleep: async () => {} })
    const timeout = new ProxyError('upstream_timeout', 'slow')
    await expect(retry(() => Promise.reject(timeout).finally(() => count++))).rejects.toBe(timeout)
    expect(count).toBe(1)
  })
})

describe('WeChat busy (-1)', () => {
  it('is retried for the code exchange, which then succeeds', async () => {
    const h = await setup()
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'busy', times: 2 })
    expect(await exchange(h)).toBe(200)
    expect((await calls(h)).access_token).toBe(3)
  })

  it('ends as 503 upstream_unavailable after two retries', async () => {
    const h = await setup()
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'busy' })
    expect(await exchange(h)).toBe(503)
    expect((await calls(h)).access_token).toBe(3)
  })

  it('is retried for /userinfo', async () => {
    const h = await setup()
    const { session } = await login(h)
    await h.mock.control.faults({ endpoint: 'userinfo', mode: 'busy', times: 1 })
    expect((await get(h, '/userinfo', session)).status).toBe(200)
  })
})

describe('faults where WeChat may already have acted', () => {
  it.each(['latency', 'reset', 'consume-then-reset', 'http500'] as const)(
    'are not retried for the code exchange: %s',
    async (mode) => {
      const h = await setup({ config: { upstreamTimeoutMs: 200 } })
      await h.mock.control.faults(fault('access_token', mode, 500))
      expect(await exchange(h)).toBeGreaterThanOrEqual(500)
      expect((await calls(h)).access_token).toBe(1)
    },
  )

  it.each(['latency', 'reset', 'consume-then-reset', 'http500'] as const)(
    'are not retried for the refresh: %s',
    async (mode) => {
      const h = await setup({ config: { upstreamTimeoutMs: 200 } })
      const { session } = await login(h)
      await h.mock.control.clock(7201)
      await h.mock.control.faults(fault('refresh_token', mode, 500))
      const r = await get(h, '/userinfo', session)
      expect(errorCode(r)).toMatch(/^upstream_/)
      expect((await calls(h)).refresh_token).toBe(1)
    },
  )
})
