/**
 * The proxy alone, for the load scripts: its own process so the memory it reports is the proxy's and
 * nothing else's. argv[2] is the mock WeChat's base URL; argv[3], when set, caps every memory-store
 * map (tokens, revocations, code records) at that many entries instead of the defaults. Reports
 * memory every SAMPLE_EVERY_MS and, when asked, after a full garbage collection (needs
 * `--expose-gc`), once the pages it freed are back with the system.
 *
 * Built as `npm start` builds it in production (proxy/host/server.ts): createWechatApp with the security
 * headers, NODE_ENV=production, real-looking credentials (the mock's demo official account, so no
 * mock is mounted in this process) and a SESSION_SECRET (or, when the environment names one, the
 * SESSION_JWKS_FILE of the bench's ES256 proxy). The only differences are the documented
 * ones: WECHAT_API_BASE points at the mock, RATE_LIMIT is raised, LOG_LEVEL is silent and
 * WECHAT_JSSDK_DOMAINS names the load's host.
 */
import { randomBytes } from 'node:crypto'
import { createWechatApp } from '../proxy/host/app.js'
import { createMemoryStore, createRedisClient, loadConfig } from '../proxy/index.js'
import { DEMO_MP_APP } from '../proxy/mock-wechat/demo-apps.js'
import { GC_SETTLE_MS, listenAndReport, SAMPLE_EVERY_MS } from './ipc.js'
import type { AfterGcMessage, GcRequest, MemoryMessage } from './ipc.js'

const apiBase = process.argv[2]
if (!apiBase?.startsWith('http://127.0.0.1:')) throw new Error('usage: proxy-server.ts <mock base>')

const cap = process.argv[3] === undefined ? undefined : Number(process.argv[3])

const config = loadConfig({
  NODE_ENV: 'production',
  WECHAT_APPID: DEMO_MP_APP.appid,
  WECHAT_SECRET: DEMO_MP_APP.secret,
  WECHAT_API_BASE: apiBase,
  LOG_LEVEL: 'silent',
  // Every load client shares 127.0.0.1: the per-IP limit would measure itself, not the proxy.
  RATE_LIMIT: '1000000',
  // With SESSION_JWKS_FILE (the bench's ES256 proxy), sessions are signed with its key instead.
  ...(process.env.SESSION_JWKS_FILE
    ? { SESSION_JWKS_FILE: process.env.SESSION_JWKS_FILE }
    : { SESSION_SECRET: randomBytes(32).toString('base64url') }),
  // In production `/jssdk` signs only the hosts it is told to; the load names the pages 127.0.0.1.
  WECHAT_JSSDK_DOMAINS: '127.0.0.1',
  // The Redis phase of the bench runs this proxy on one Redis, then on a Redis Cluster.
  REDIS_URL: process.env.REDIS_URL,
  REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES,
})

const app = createWechatApp(config, {
  securityHeaders: true,
  // `--redis-writes each` (bench/throughput.ts): every command written on its own, for comparison.
  ...(config.redis && process.env.BENCH_REDIS_WRITES === 'each'
    ? { redis: createRedisClient(config.redis, { coalesceWrites: false }) }
    : {}),
  ...(cap === undefined
    ? {}
    : { store: createMemoryStore({ maxEntries: cap, maxRevocations: cap, maxCodes: cap }) }),
})

function memory(): MemoryMessage {
  const { rss, heapUsed, heapTotal } = process.memoryUsage()
  return { type: 'memory', at: Date.now(), rss, heapUsed, heapTotal }
}

// As `npm start` does: listen once the store answers (a Redis Cluster's slots take a moment).
if (!(await app.ready(10_000))) throw new Error('the store did not answer within 10 s')

listenAndReport(app, () => {
  // `connected`: a sample due just as the parent leaves must not crash on the closed channel.
  setInterval(() => process.connected && process.send?.(memory()), SAMPLE_EVERY_MS).unref()
})

process.on('message', (message: GcRequest) => {
  if (message.type !== 'gc') return
  globalThis.gc?.()
  // V8 returns the pages a full GC freed to the system from a background thread, within a few
  // milliseconds to tens of them: read at once, RSS still counts memory the heap no longer holds.
  const rssAtGc = process.memoryUsage().rss
  setTimeout(() => {
    const message: AfterGcMessage = { ...memory(), type: 'memory-after-gc', rssAtGc }
    process.send?.(message)
  }, GC_SETTLE_MS)
})
