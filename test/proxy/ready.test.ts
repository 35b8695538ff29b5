/**
 * `ready(boundMs)`: what `npm start` awaits before it listens (its store answers), bounded however the
 * store behaves, a host app's store whose ping never settles included.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStore, createWechatProxy, loadConfig } from '../../proxy/index.js'
import type { Store } from '../../proxy/index.js'

const config = loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent' })

/** A memory store whose ping is `ping`. */
function storeWith(ping: Store['ping']): Store {
  return Object.assign(createMemoryStore(), { ping })
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now()
  const value = await work
  return { value, ms: Date.now() - started }
}

describe('ready(boundMs)', () => {
  it('is true once the store answers, after failed pings', async () => {
    let pings = 0
    const store = storeWith(() =>
      ++pings < 3 ? Promise.reject(new Error('down')) : Promise.resolve(),
    )
    const { value } = await timed(createWechatProxy(config, { store }).ready(5_000))
    expect(value).toBe(true)
    expect(pings).toBe(3)
  })

  it('is false at its bound when the store keeps failing, and pings no more after it', async () => {
    let pings = 0
    const store = storeWith(() => {
      pings++
      return Promise.reject(new Error('down'))
    })
    const { value, ms } = await timed(createWechatProxy(config, { store }).ready(350))
    expect(value).toBe(false)
    expect(ms).toBeGreaterThanOrEqual(340)
    expect(ms).toBeLessThan(1_000)
    const after = pings
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(pings).toBeLessThanOrEqual(after + 1)
  })

  it('is false at its bound when a ping never settles', async () => {
    const store = storeWith(() => new Promise<void>(() => {}))
    const { value, ms } = await timed(createWechatProxy(config, { store }).ready(300))
    expect(value).toBe(false)
    expect(ms).toBeLessThan(1_000)
  })
})
