import { MemoryStore, ipKeyGenerator } from 'express-rate-limit'
import type {
  ClientRateLimitInfo,
  Options as RateLimitOptions,
  Store as RateLimitStore,
} from 'express-rate-limit'
import type { Request, RequestHandler, Response } from 'express'
import type { ProxyConfig } from '../config.js'
import { ProxyError } from '../errors.js'
import { addHeaders } from './respond.js'

const WINDOW_MS = 60_000

/** The per-IP limits of the routes that cost more than a lookup, each with its own counter. */
export interface RateLimits {
  /** `POST /openid`: each call may spend a WeChat exchange. */
  openid: RequestHandler
  /** `POST /jssdk`: a signature; WeChat is called only when the ticket is due. */
  jssdk: RequestHandler
}

/**
 * RATE_LIMIT calls per client IP per minute on `/openid` and as many on `/jssdk`, counted apart
 * (a page that signs after every route change must not use up its sign-ins), answered with
 * `429 rate_limited` and the RateLimit-* headers. The default is generous because of carrier-grade
 * NAT: on mobile networks many phones share one public IP, and a tight limit would lock them out
 * together; it still stops one script from spending WeChat's API quota through us.
 *
 * `store` keeps the counters (shared by every instance when it is Redis): `/openid`'s under the
 * client's key, `/jssdk`'s under `jssdk:` and the key. The client IP is `req.ip`, so the host app's
 * `trust proxy` must match the deployment (TRUST_PROXY): behind nginx without it every user has
 * nginx's IP and shares one budget.
 */
export function rateLimits(
  config: Pick<ProxyConfig, 'rateLimit'>,
  store?: RateLimitStore,
): RateLimits {
  return {
    openid: limit({
      limit: config.rateLimit,
      store,
      message: 'Too many sign-in attempts from this address; wait',
    }),
    jssdk: limit({
      limit: config.rateLimit,
      store: store && prefixed(store, 'jssdk:'),
      message: 'Too many signature requests from this address; wait',
    }),
  }
}

/** What one limiter counts, how many, and what it says when it refuses. */
export interface LimitOptions {
  /** Calls per client key per minute. */
  limit: number
  /** @default express-rate-limit's memory store */
  store?: RateLimitStore
  message: string
  /**
   * Whether an allowed call gets the RateLimit-* headers too (a refused one always does).
   * @default true
   */
  headersWhenAllowed?: boolean
}

/** What the RateLimit-* headers and `Retry-After` are written from. */
interface Counted {
  limit: number
  remaining: number
  resetTime: Date | undefined
}

/**
 * A limiter over a one-minute window, counted in an express-rate-limit Store (its MemoryStore,
 * rate-limit-redis): beyond `limit` calls it passes `ProxyError('rate_limited')` (429) on with
 * `Retry-After`; the headers go into the answer's one writeHead (addHeaders) rather than through
 * res.setHeader. A store that fails (e.g. Redis down) is `upstream_unavailable` (503) like any other
 * store failure, not a 500.
 *
 * The store's own middleware is not used: per request it read req.ip (proxy-addr over
 * X-Forwarded-For) for a debug line nobody prints, ran checks meant for its own misconfigurations
 * (the router makes its own, once: `trust proxy` against TRUST_PROXY, X-Forwarded-For without it)
 * and awaited four times where one count needs one.
 */
export function limit(options: LimitOptions): RequestHandler {
  const check = limitCheck(options)
  return (req, res, next) => {
    check(req, res).then(() => next(), next)
  }
}

/**
 * The limiter of `limit` as a function: counts one call under `key` (by default the client's IPv4
 * address or its IPv6 /56) and resolves when it is allowed, else rejects with the ProxyError
 * (`rate_limited` or `upstream_unavailable`), for a route that decides within its handler whether
 * a call counts, and under which key (wechat-calls.ts).
 */
export function limitCheck(
  options: LimitOptions,
): (req: Request, res: Response, key?: string) => Promise<void> {
  const { message, headersWhenAllowed = true } = options
  const store = options.store ?? new MemoryStore()
  initialize(store)
  const refused = () =>
    new ProxyError('upstream_unavailable', 'The rate limit store is not reachable')
  return async (req, res, key = ipKeyGenerator(req.ip ?? '')) => {
    let hit: ClientRateLimitInfo | undefined
    try {
      hit = await store.increment(key)
    } catch {
      throw refused()
    }
    // A store that answers no count (a host app's own, broken) refuses like one that fails.
    if (typeof hit?.totalHits !== 'number' || Number.isNaN(hit.totalHits)) throw refused()
    const { totalHits, resetTime } = hit
    const counted = {
      limit: options.limit,
      remaining: Math.max(options.limit - totalHits, 0),
      resetTime,
    }
    if (totalHits > options.limit) {
      addHeaders(res, [...rateLimitHeaders(counted), 'Retry-After', String(resetSeconds(counted))])
      throw new ProxyError('rate_limited', message)
    }
    if (headersWhenAllowed) addHeaders(res, rateLimitHeaders(counted))
  }
}

/**
 * Starts a store's window (MemoryStore's reset timer; rate-limit-redis loads its scripts), as
 * express-rate-limit would, not awaited. A failure is not reported here: the store's counts then fail
 * and each request answers 503 (a Redis outage is logged by the client's watcher). A store of
 * `prefixed` has no `init`: the limiter of the store it wraps started it.
 */
function initialize(store: RateLimitStore): void {
  try {
    void Promise.resolve(store.init?.({ windowMs: WINDOW_MS } as RateLimitOptions)).catch(() => {})
  } catch {
    // A store that cannot start counts nothing: its increments fail, and each request is a 503.
  }
}

/** Seconds until the client's window ends (the whole window when the store does not say). */
function resetSeconds({ resetTime }: Counted): number {
  return resetTime
    ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
    : WINDOW_MS / 1000
}

/** The RateLimit-* headers of IETF draft 6 (what `standardHeaders: 'draft-6'` would set). */
function rateLimitHeaders(counted: Counted): string[] {
  return [
    'RateLimit-Policy',
    `${counted.limit};w=${WINDOW_MS / 1000}`,
    'RateLimit-Limit',
    String(counted.limit),
    'RateLimit-Remaining',
    String(counted.remaining),
    'RateLimit-Reset',
    String(resetSeconds(counted)),
  ]
}

/**
 * The same counters with `prefix` before every key: a second limiter on one store, whose counts
 * stay apart from the first's. Not initialized again: the first limiter did, with the same window.
 */
export function prefixed(store: RateLimitStore, prefix: string): RateLimitStore {
  const { get } = store
  return {
    localKeys: store.localKeys,
    increment: (key) => store.increment(prefix + key),
    decrement: (key) => store.decrement(prefix + key),
    resetKey: (key) => store.resetKey(prefix + key),
    ...(get ? { get: (key: string) => get.call(store, prefix + key) } : {}),
  }
}
