/**
 * Bounded loopback load test of the proxy (issue 4, point 7). Figures: docs/benchmarks.md.
 *
 *   npx tsx bench/load.ts [--clients 300] [--seconds 20] [--warmup 2] [--sessions 3] [--store-cap N]
 *
 * Forks the mock WeChat (bench/mock-server.ts) and the proxy (bench/proxy-server.ts) as two processes
 * on 127.0.0.1, pre-issues codes at the mock, then runs `--clients` concurrent clients for `--warmup`
 * seconds (not in the figures, but its errors count) and then `--seconds` (the figures):
 * each loop is one `POST /openid` (a fresh code, a random verifier) and `--sessions` `GET /session`
 * with the session it got. Prints requests, errors, req/s, p50/p99 per endpoint and the proxy's
 * memory before, at peak and after (`--store-cap` shrinks the memory store's limits to watch them
 * hold under load); exits 1 when any request failed. Stops by itself, loopback only.
 */
import { randomBytes } from 'node:crypto'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CodePool } from './code-pool.js'
import { intOption, serverChildren, startFlags, watchMemory } from './ipc.js'
import type { ForkedServer, MemorySample } from './ipc.js'
import {
  EndpointStats,
  errorLines,
  memoryTable,
  peakOf,
  requestTable,
  type Endpoint,
} from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HOST = '127.0.0.1'
const REQUEST_TIMEOUT_MS = 30_000
/** Codes issued before the clock starts, per client per second (~2x the best rate seen here). */
const CODES_PER_CLIENT_SECOND = 4

const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    sessions: { type: 'string' },
    'store-cap': { type: 'string' },
  },
})
// Capped so a typo cannot turn a benchmark into a runaway process.
const clients = Math.max(1, intOption(values.clients, 'clients', 300, 0, 2000))
const seconds = Math.max(1, intOption(values.seconds, 'seconds', 20, 0, 300))
// Connections, JIT and the proxy's first upstream sockets: the first second is a cold start, not load.
const warmup = intOption(values.warmup, 'warmup', 2, 0, 60)
const sessionsPerLogin = intOption(values.sessions, 'sessions', 3, 0, 50)
const storeCap =
  values['store-cap'] === undefined
    ? undefined
    : intOption(values['store-cap'], 'store-cap', 0, 0, 10_000_000)

interface Reply {
  status: number
  body: string
}

const agent = new Agent({ keepAlive: true, maxSockets: clients + 8 })

/** One HTTP/1.1 request on a kept-alive loopback connection; rejects on network errors and timeouts. */
function send(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        host: HOST,
        port,
        method,
        path,
        agent,
        headers: payload
          ? {
              ...headers,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }
          : headers,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })),
    )
    req.on('error', reject)
    req.end(payload)
  })
}

const servers = serverChildren(ROOT)
const stopChildren = servers.stopAll

/** A bench server run from its TypeScript source; the proxy with `npm start`'s node flags. */
function startServer(file: string, args: string[]): Promise<ForkedServer> {
  const flags = file === './proxy-server.ts' ? startFlags(ROOT) : []
  const path = fileURLToPath(new URL(file, import.meta.url))
  return servers.start(path, args, ['--import', 'tsx', '--expose-gc', ...flags])
}

function errorKey(reply: Reply): string {
  try {
    const code = (JSON.parse(reply.body) as { error?: { code?: unknown } }).error?.code
    return typeof code === 'string' ? `${reply.status} ${code}` : String(reply.status)
  } catch {
    return String(reply.status)
  }
}

async function main(): Promise<number> {
  const mock = await startServer('./mock-server.ts', [])
  const proxyArgs = [`http://${HOST}:${mock.port}/mock-wechat`]
  if (storeCap !== undefined) proxyArgs.push(String(Math.max(1, storeCap)))
  const proxy = await startServer('./proxy-server.ts', proxyArgs)
  const { samples, sampleAfterGc } = watchMemory(proxy.child)

  const pool = new CodePool(mock.port, clients)
  const preIssued = clients * (seconds + warmup) * CODES_PER_CLIENT_SECOND
  const issueStarted = performance.now()
  await pool.fill(preIssued)
  console.log(
    `${preIssued} codes pre-issued in ${((performance.now() - issueStarted) / 1000).toFixed(1)} s; ` +
      `${clients} clients, ${warmup} s warm-up + ${seconds} s measured, ` +
      `${sessionsPerLogin} GET /session per login, ` +
      `memory store ${storeCap === undefined ? 'default limits' : `capped at ${storeCap}`}`,
  )

  const newStats = () =>
    new Map<Endpoint, EndpointStats>([
      ['POST /openid', new EndpointStats()],
      ['GET /session', new EndpointStats()],
    ])
  const warmupStats = newStats()
  const stats = newStats()

  async function timed(endpoint: Endpoint, call: () => Promise<Reply>): Promise<Reply | undefined> {
    const started = performance.now()
    // A request belongs to the phase it started in.
    const s = (started < measureFrom ? warmupStats : stats).get(endpoint) as EndpointStats
    try {
      const reply = await call()
      if (reply.status >= 200 && reply.status < 300) {
        s.latenciesMs.push(performance.now() - started)
        s.ok++
        return reply
      }
      s.fail(errorKey(reply))
    } catch (error) {
      const code = (error as { code?: unknown }).code
      s.fail(typeof code === 'string' ? code : 'network error')
    }
    return undefined
  }

  const before = await sampleAfterGc()
  const measureFrom = performance.now() + warmup * 1000
  const measuredFrom = Date.now() + warmup * 1000
  const deadline = measureFrom + seconds * 1000
  let loginsOk = 0

  async function client(): Promise<void> {
    while (performance.now() < deadline) {
      const code = await pool.take()
      // What the kit sends: a per-tab random value that binds the code to this browser (issue 4.1).
      const verifier = randomBytes(32).toString('hex')
      const login = await timed('POST /openid', () =>
        send(proxy.port, 'POST', '/api/wechat/openid', { code, verifier }),
      )
      if (!login) continue
      loginsOk++
      const { session, openid } = JSON.parse(login.body) as { session: string; openid: string }
      for (let i = 0; i < sessionsPerLogin && performance.now() < deadline; i++) {
        const reply = await timed('GET /session', () =>
          send(proxy.port, 'GET', '/api/wechat/session', undefined, {
            authorization: `Bearer ${session}`,
          }),
        )
        // A 200 for someone else would be worse than an error.
        if (reply && (JSON.parse(reply.body) as { openid?: unknown }).openid !== openid) {
          const s = stats.get('GET /session') as EndpointStats
          s.ok--
          s.fail('200 wrong openid')
        }
      }
    }
  }

  await Promise.all(Array.from({ length: clients }, client))
  const elapsed = (performance.now() - measureFrom) / 1000
  const during = samples.filter((s) => s.at >= before.at)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const after = await sampleAfterGc()

  const wechatStats = await send(mock.port, 'GET', '/mock-wechat/__control/stats')
  const exchanges = (JSON.parse(wechatStats.body) as { calls: { access_token: number } }).calls
    .access_token

  console.log(`\nmeasured ${elapsed.toFixed(1)} s (until the last in-flight request ended)\n`)
  console.log(requestTable(stats, elapsed))
  console.log('')
  console.log(memoryTable({ before, peak: peakOf(during, before), after }))
  console.log(
    `\nRSS by quarter of the measured run (max, MB): ${rssByQuarter(during, measuredFrom)}`,
  )
  const warmupRequests = [...warmupStats.values()].reduce((sum, s) => sum + s.requests, 0)
  console.log(
    `warm-up: ${warmupRequests} requests, not in the figures above; ` +
      `WeChat code exchanges: ${exchanges} for ${loginsOk} logins; ` +
      `code pool top-ups during the run: ${pool.topUps}; memory samples: ${during.length}`,
  )
  const errors = [...errorLines(warmupStats).map((line) => `warm-up ${line}`), ...errorLines(stats)]
  if (errors.length > 0) {
    console.log(`\nERRORS:\n${errors.join('\n')}`)
    return 1
  }
  console.log('\nzero errors')
  return 0
}

/** Peak RSS in each quarter of the measured run: flat quarters mean memory stopped growing. */
function rssByQuarter(samples: readonly MemorySample[], from: number): string {
  const quarter = (seconds * 1000) / 4
  const peaks = [0, 0, 0, 0]
  for (const s of samples) {
    const index = Math.floor((s.at - from) / quarter)
    if (index >= 0 && index < 4) peaks[index] = Math.max(peaks[index] ?? 0, s.rss)
  }
  return peaks.map((rss) => (rss / 1024 / 1024).toFixed(1)).join(' / ')
}

// The whole run is bounded: whatever happens, the script ends within its time plus a minute.
setTimeout(
  () => {
    console.error('load test overran its time limit')
    stopChildren()
    process.exit(2)
  },
  (seconds + warmup) * 1000 + 60_000,
).unref()

main()
  .then((code) => {
    process.exitCode = code
  })
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 2
  })
  .finally(() => {
    stopChildren()
    agent.destroy()
  })
