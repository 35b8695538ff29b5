import { rateLimit } from 'express-rate-limit'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { RequestHandler } from 'express'
import type { ProxyConfig } from '../config.js'
import { ProxyError } from '../errors.js'

/**
 * The per-IP limit on `/openid` (RATE_LIMIT per minute), answered with `429 rate_limited` and the
 * RateLimit-* headers. The default is generous because of carrier-grade NAT: on mobile networks many
 * phones share one public IP, and a tight limit would lock them out together; it still stops one
 * script from spending WeChat's API quota through us.
 *
 * The client IP is `req.ip`, so the host app's `trust proxy` must match the deployment (TRUST_PROXY):
 * behind nginx without it every user has nginx's IP and shares one budget.
 */
export function openidRateLimit(
  config: Pick<ProxyConfig, 'rateLimit'>,
  store?: RateLimitStore,
): RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    handler: (_req, _res, next) => {
      next(new ProxyError('rate_limited', 'Too many sign-in attempts from this address; wait'))
    },
  })
  // A limiter store that fails (e.g. Redis down) is a 503 like any other store failure, not a 500.
  return (req, res, next) => {
    void limiter(req, res, (error?: unknown) => {
      if (error === undefined || error instanceof ProxyError) next(error)
      else next(new ProxyError('upstream_unavailable', 'The rate limit store is not reachable'))
    })
  }
}
