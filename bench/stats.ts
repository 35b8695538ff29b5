/** Counting and formatting for the load scripts: latencies, errors, memory, the Markdown tables. */
import { SAMPLE_EVERY_MS } from './ipc.js'
import type { AfterGcSample, MemorySample } from './ipc.js'

export type Endpoint =
  'POST /openid' | 'GET /session' | 'POST /jssdk' | 'POST /openid, Redis' | 'GET /session, Redis'

export class EndpointStats {
  readonly latenciesMs: number[] = []
  ok = 0
  /** Key: HTTP status plus the error code of the body (`409 code_used`), or a network error code. */
  readonly errors = new Map<string, number>()

  get requests(): number {
    return this.ok + this.errorCount
  }

  get errorCount(): number {
    let total = 0
    for (const count of this.errors.values()) total += count
    return total
  }

  fail(key: string): void {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1)
  }
}

/** Nearest-rank percentile of `sorted` (ascending); 0 for no values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0
}

/** The middle value of `values` (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
}

export interface MemoryPhases {
  before: MemorySample
  peak: MemorySample
  after: AfterGcSample
}

/** The highest RSS and the highest heap seen, each on its own (they need not peak together). */
export function peakOf(samples: readonly MemorySample[], fallback: MemorySample): MemorySample {
  const peak = { ...fallback }
  for (const s of samples) {
    if (s.rss > peak.rss) peak.rss = s.rss
    if (s.heapUsed > peak.heapUsed) peak.heapUsed = s.heapUsed
    if (s.heapTotal > peak.heapTotal) peak.heapTotal = s.heapTotal
  }
  return peak
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
const ms = (value: number) => value.toFixed(1)

export function requestTable(stats: Map<Endpoint, EndpointStats>, seconds: number): string {
  const rows = [
    '| endpoint | requests | errors | req/s | p50 ms | p99 ms |',
    '|---|--:|--:|--:|--:|--:|',
  ]
  let requests = 0
  let errors = 0
  for (const [endpoint, s] of stats) {
    const sorted = [...s.latenciesMs].sort((a, b) => a - b)
    requests += s.requests
    errors += s.errorCount
    rows.push(
      `| \`${endpoint}\` | ${s.requests} | ${s.errorCount} | ${(s.requests / seconds).toFixed(0)} | ` +
        `${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 99))} |`,
    )
  }
  rows.push(`| all | ${requests} | ${errors} | ${(requests / seconds).toFixed(0)} | | |`)
  return rows.join('\n')
}

export function memoryTable(phases: MemoryPhases): string {
  const row = (name: string, s: MemorySample) =>
    `| ${name} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} |`
  return [
    '| proxy process | RSS MB | heap used MB | heap total MB |',
    '|---|--:|--:|--:|',
    row('before (after GC)', phases.before),
    row(`peak (every ${SAMPLE_EVERY_MS} ms)`, phases.peak),
    row('after (after GC)', phases.after),
    // The same sample's RSS read as the collection returned: it still counts freed pages.
    `| after, RSS read as the GC returned | ${mb(phases.after.rssAtGc)} | | |`,
  ].join('\n')
}

export function errorLines(stats: Map<Endpoint, EndpointStats>): string[] {
  const lines: string[] = []
  for (const [endpoint, s] of stats) {
    for (const [key, count] of s.errors) lines.push(`${endpoint}: ${key} x${count}`)
  }
  return lines
}
