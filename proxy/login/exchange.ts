import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { ProxyError } from '../errors.js'
import type { WechatApp } from './session.js'
import type { CodeOutcome, Store } from '../store/index.js'

/** WeChat's code lifetimes (docs/wechat.md#lifetimes): a code is known as used as long as it could come back. */
const CODE_TTL_SECONDS: Record<WechatApp, number> = { mp: 300, web: 600 }

/**
 * How long the answer to a code is replayed to the browser that sent it (same code, same verifier),
 * counted from the moment the exchange settles. A request that arrives while the exchange runs joins
 * it instead; the replay is for the page that was torn down mid-exchange (a reload, Android loading
 * the callback twice) and comes back with the same code once it has booted again: seconds later, a
 * few on a slow phone and network (docs/benchmarks.md measures a whole login at 8-13 s on slow 3G
 * with a 4x slower CPU, two boots included). After the window the answer (about 0.9 KB of memory
 * with its session) is dropped and only the fact that the code was used is kept (about 0.1 KB), so
 * a later request gets `code_used`, as WeChat itself answers a used code (40163); the kit then
 * starts one fresh login.
 */
export const REPLAY_WINDOW_SECONDS = 15

export interface ExchangeRequest {
  app: WechatApp
  code: string
  verifier?: string
}

/** What one request for a code gets: the code's one answer, and how this request came by it. */
export interface ExchangeAnswer {
  outcome: CodeOutcome
  /** `exchanged`: this request asked WeChat; `joined`: it shared a concurrent exchange; `replayed`: kept. */
  source: 'exchanged' | 'joined' | 'replayed'
  /** The error behind an error outcome this request produced (for the log). */
  error?: ProxyError
}

export interface CodeExchangeDeps {
  /** Already wrapped with `reachable`: failures are `upstream_unavailable`. */
  store: Store
  logger: Logger
  /** Longest a request waits for an exchange of the same code running on another instance. */
  maxWaitMs: number
}

/** Runs `perform` (the WeChat exchange; resolves to the JSON body) at most once per code. */
export type CodeExchange = (
  request: ExchangeRequest,
  perform: () => Promise<unknown>,
) => Promise<ExchangeAnswer>

/** How often a request waiting for another instance's exchange reads the store. */
const POLL_MS = 50

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url')

/**
 * WeChat's own verdict on the code (success, 40029, 40163, 42003, setup faults...) is definitive and
 * kept. Everything else happened in transit or here: timeouts, dropped connections, 5xx, unreadable
 * bodies, -1 after the retries, 45011, a store that is down.
 */
function isDefinitive(error: ProxyError): boolean {
  return error.errcode !== undefined && error.errcode !== -1 && error.code !== 'rate_limited'
}

/**
 * One WeChat exchange per code, bound to the browser that sent it first. The store keys the code by
 * sha256(app:code) and binds it to sha256(verifier): neither the code nor the verifier is kept. The
 * verifier lives in the tab's sessionStorage and never in a URL, so whoever only has the callback URL
 * (a link scanner, a shared screenshot, browser history) cannot redeem the code or read its answer.
 */
export function createCodeExchange(deps: CodeExchangeDeps): CodeExchange {
  const { store, logger, maxWaitMs } = deps
  /** Exchanges running in this process: concurrent requests for the same code share one. */
  const running = new Map<string, Promise<ExchangeAnswer>>()

  async function lead(
    key: string,
    ttlSeconds: number,
    perform: () => Promise<unknown>,
  ): Promise<ExchangeAnswer> {
    let body: unknown
    try {
      body = await perform()
    } catch (error) {
      if (error instanceof ProxyError && isDefinitive(error)) {
        const outcome = { status: error.status, body: JSON.stringify(error.toJSON()) }
        await keep(key, outcome, ttlSeconds)
        return { outcome, source: 'exchanged', error }
      }
      // A transient failure: WeChat may or may not have consumed the code (a timeout or a reset can
      // come after it did). The claim is released so that the SAME browser can try again: that either
      // works or gets WeChat's 40163 (409 code_used), a clear answer either way. It stays bound to
      // the verifier, so nobody else can take the code over.
      await store.releaseCode(key).catch((cause: unknown) => {
        logger.warn({ err: cause, outcome: 'release_failed' }, 'code claim not released')
      })
      throw error
    }
    const outcome = { status: 200, body: JSON.stringify(body) }
    await keep(key, outcome, ttlSeconds)
    return { outcome, source: 'exchanged' }
  }

  /** The answer is sent even when it cannot be kept: the exchange itself succeeded. */
  async function keep(key: string, outcome: CodeOutcome, ttlSeconds: number): Promise<void> {
    await store
      .settleCode(key, outcome, ttlSeconds, REPLAY_WINDOW_SECONDS)
      .catch((cause: unknown) => {
        logger.warn({ err: cause, outcome: 'settle_failed' }, 'code outcome not kept')
      })
  }

  /** Waits for the exchange of another instance, reading the store until it is settled. */
  async function awaitSettled(key: string): Promise<ExchangeAnswer> {
    for (let waited = 0; ; waited += POLL_MS) {
      const record = await store.readCode(key)
      if (record?.state === 'settled') return { outcome: record.outcome, source: 'replayed' }
      if (record?.state === 'used') throw new ProxyError('code_used', 'This code was already used')
      if (record?.state !== 'pending') {
        throw new ProxyError('upstream_unavailable', 'The exchange of this code failed; try again')
      }
      if (waited >= maxWaitMs) {
        throw new ProxyError('upstream_timeout', 'The exchange of this code did not finish in time')
      }
      await sleep(POLL_MS)
    }
  }

  return async (request, perform) => {
    const key = sha256(`${request.app}:${request.code}`)
    const verifierHash = request.verifier === undefined ? null : sha256(request.verifier)
    const ttlSeconds = CODE_TTL_SECONDS[request.app]
    const claim = await store.claimCode(key, verifierHash, ttlSeconds)
    if (claim.claimed) {
      const exchange = lead(key, ttlSeconds, perform)
      running.set(key, exchange)
      try {
        return await exchange
      } finally {
        running.delete(key)
      }
    }
    // The code is taken. Only the browser that sent it first (same verifier) may see its answer; a
    // request without a verifier can never prove that, even when the first one had none either.
    if (verifierHash === null || claim.verifierHash !== verifierHash) {
      throw new ProxyError('code_used', 'This code was already used')
    }
    const local = running.get(key)
    if (local) return { ...(await local), source: 'joined' }
    return awaitSettled(key)
  }
}
