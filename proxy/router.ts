import express from 'express'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { Logger } from 'pino'
import { publicConfig } from './config.js'
import type { ProxyConfig } from './config.js'
import { ProxyError } from './errors.js'
import { createCodeExchange } from './exchange.js'
import { errorHandler } from './http-errors.js'
import { createLogger } from './logger.js'
import type { BusyRetryOptions } from './retry.js'
import type { RouteContext } from './routes/context.js'
import { MAX_BODY, mountOpenidRoute } from './routes/openid.js'
import { mountSessionRoutes } from './routes/session.js'
import { mountUserinfoRoute } from './routes/userinfo.js'
import { apiHeaders, corsFor, openidRateLimit } from './security.js'
import { createMemoryStore, reachable } from './store/index.js'
import type { Store } from './store/index.js'
import { createTokenCustody } from './tokens.js'
import { createWechatApi } from './wechat-api.js'

export interface WechatProxyDeps {
  /** @default createLogger(config) */
  logger?: Logger
  /** @default createMemoryStore() */
  store?: Store
  /** Counters of the `/openid` rate limit; share one (e.g. Redis) across instances. @default memory */
  rateLimitStore?: RateLimitStore
  /** How WeChat's `-1` is retried (count, backoff, and the sleep and random tests replace). */
  retry?: BusyRetryOptions
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

/** The proxy's HTTP API (DESIGN.md), to be mounted at `/api/wechat`. */
export function createWechatProxy(config: ProxyConfig, deps: WechatProxyDeps = {}): express.Router {
  const { now = Date.now } = deps
  const logger = deps.logger ?? createLogger(config)
  const store = reachable(deps.store ?? createMemoryStore({ now }))
  const wechat = createWechatApi({
    apiBase: config.apiBase,
    timeoutMs: config.upstreamTimeoutMs,
    ...(deps.retry ? { retry: deps.retry } : {}),
  })
  const custody = createTokenCustody({ config, store, wechat, logger, now })
  // Waiting for another instance's exchange never takes longer than that exchange could.
  const exchange = createCodeExchange({ store, logger, maxWaitMs: 3 * config.upstreamTimeoutMs })
  const ctx: RouteContext = { config, store, custody, exchange, wechat, logger, now }
  const router = express.Router()
  let trustChecked = false

  router.use(corsFor(config))
  router.use(apiHeaders)
  router.use((req, res, next) => {
    // The rate limit keys on req.ip, which only the host app's `trust proxy` makes right.
    if (!trustChecked) {
      trustChecked = true
      if (req.app.get('trust proxy') !== config.trustProxy) {
        logger.warn(
          { configured: config.trustProxy },
          "the app's `trust proxy` differs from TRUST_PROXY: client IPs may be wrong",
        )
      }
    }
    const started = now()
    // The path only, never the query string or headers: they can carry codes and sessions.
    res.on('finish', () => {
      logger.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: now() - started,
        },
        'request',
      )
    })
    next()
  })

  mountOpenidRoute(router, ctx, openidRateLimit(config, deps.rateLimitStore))
  mountUserinfoRoute(router, ctx)
  mountSessionRoutes(router, ctx)

  router.get('/config', (_req, res) => {
    res.json(publicConfig(config))
  })

  router.get('/healthz', async (_req, res) => {
    await store.ping()
    res.json({ ok: true, store: store.kind })
  })

  router.use((req, _res, next) => {
    next(new ProxyError('not_found', `No such endpoint: ${req.method} ${req.baseUrl}${req.path}`))
  })

  router.use(errorHandler(logger, MAX_BODY))
  return router
}
