/**
 * The proxy alone, for the load script: its own process so the memory it reports is the proxy's and
 * nothing else's. argv[2] is the mock WeChat's base URL; argv[3], when set, caps every memory-store
 * map (tokens, revocations, code records) at that many entries instead of the defaults. Reports memory every SAMPLE_EVERY_MS and,
 * when asked, right after a full garbage collection (needs `--expose-gc`).
 */
import { randomBytes } from 'node:crypto'
import express from 'express'
import { createMemoryStore, createWechatProxy, loadConfig } from '../proxy/index.js'
import { listenAndReport, SAMPLE_EVERY_MS } from './ipc.js'
import type { GcRequest, MemoryMessage } from './ipc.js'

const apiBase = process.argv[2]
if (!apiBase?.startsWith('http://127.0.0.1:')) throw new Error('usage: proxy-server.ts <mock base>')

const cap = process.argv[3] === undefined ? undefined : Number(process.argv[3])

const config = loadConfig({
  WECHAT_MOCK: '1',
  WECHAT_API_BASE: apiBase,
  LOG_LEVEL: 'silent',
  // Every load client shares 127.0.0.1: the per-IP limit would measure itself, not the proxy.
  RATE_LIMIT: '1000000',
  SESSION_SECRET: randomBytes(32).toString('base64url'),
})

const app = express()
app.disable('x-powered-by')
const store =
  cap === undefined
    ? createMemoryStore()
    : createMemoryStore({ maxEntries: cap, maxRevocations: cap, maxCodes: cap })
app.use('/api/wechat', createWechatProxy(config, { store }))

function memory(afterGc?: boolean): MemoryMessage {
  const { rss, heapUsed, heapTotal } = process.memoryUsage()
  const message: MemoryMessage = { type: 'memory', at: Date.now(), rss, heapUsed, heapTotal }
  if (afterGc) message.afterGc = true
  return message
}

listenAndReport(app, () => {
  // `connected`: a sample due just as the parent leaves must not crash on the closed channel.
  setInterval(() => process.connected && process.send?.(memory()), SAMPLE_EVERY_MS).unref()
})

process.on('message', (message: GcRequest) => {
  if (message.type !== 'gc') return
  globalThis.gc?.()
  process.send?.(memory(true))
})
