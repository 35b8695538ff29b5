import type { HealthResponse } from '../../client/wire.js'
import express from 'express'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { publicConfig } from '../config.js'
import type { ProxyConfig } from '../config.js'
import { ProxyError } from '../errors.js'
import { createCodeExchange } from '../login/exchange.js'
import { errorHandler } from './error-handler.js'
import { createLogger } from '../logger.js'
import type { BusyRetryOptions } from '../wechat/retry.js'
import type { RouteContext } from './routes/context.js'
import { MAX_BODY, mountOpenidRoute } from './routes/openid.js'
import { mountSessionRoutes } from './routes/session.js'
import { mountUserinfoRoute } from './routes/userinfo.js'
import { createResponder } from './respond.js'
import { corsFor } from './cors.js'
import { apiHeaders } from './headers.js'
import { openidRateLimit } from './rate-limit.js'
import { reachable, storesFor } from '../store/index.js'
import type { Store } from '../store/index.js'
import { createTokenCustody } from '../login/tokens.js'
import { createWechatApi } from '../wechat/api.js'

export interface WechatProxyDeps {
  /** @default createLogger(config) */
  logger?: Logger
  /** @default Redis when `config.redisUrl` is set (createRedisStore), else createMemoryStore() */
  store?: Store
  /**
   * Counters of the `/openid` rate limit; share one (e.g. Redis) across instances.
   * @default Redis when `config.redisUrl` is set (createRedisRateLimitStore), else memory
   */
  rateLimitStore?: RateLimitStore
  /**
   * The client the Redis store and rate limit use when `config.redisUrl` is set (to close it, or to
   * share it). @default createRedisClient(config.redisUrl, { logger })
   */
  redis?: Redis
  /** How WeChat's `-1` is retried (count, backoff, and the sleep and random tests replace). */
  retry?: BusyRetryOptions
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

/** The proxy's HTTP API (docs/architecture.md#the-http-api), to be mounted at `/api/wechat`. */
export function createWechatProxy(config: ProxyConfig, deps: WechatProxyDeps = {}): express.Router {
  const { now = Date.now } = deps
  const logger = deps.logger ?? createLogger(config)
  const backends = storesFor(config, { ...deps, logger })
  const store = reachable(backends.store)
  const wechat = createWechatApi({
    apiBase: config.apiBase,
    timeoutMs: config.upstreamTimeoutMs,
    retry: deps.retry,
  })
  const custody = createTokenCustody({ config, store, wechat, logger, now })
  // Waiting for another instance's exchange never takes longer than that exchange could.
  const exchange = createCodeExchange({ store, logger, maxWaitMs: 3 * config.upstreamTimeoutMs })
  const respond = createResponder(apiHeaders(config))
  const ctx: RouteContext = { config, store, custody, exchange, wechat, logger, now, respond }
  const router = express.Router()
  let trustChecked = false

  const cors = corsFor(config)
  // Decided once: with the info level off, no request pays for a log line nobody writes.
  const logRequests = logger.isLevelEnabled('info')
  // One middleware in front of every route: each layer of an Express router costs a match per request.
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
    if (logRequests) {
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
    }
    if (cors) cors(req, res, next)
    else next()
  })

  // The most frequent call first: Express tries each route's path in turn.
  mountSessionRoutes(router, ctx)
  mountOpenidRoute(router, ctx, openidRateLimit(config, backends.rateLimitStore))
  mountUserinfoRoute(router, ctx)

  // Public values that do not change once the proxy is built: serialized once.
  const publicJson = JSON.stringify(publicConfig(config))
  router.get('/config', (_req, res) => {
    respond.jsonText(res, 200, publicJson)
  })

  router.get('/healthz', async (_req, res) => {
    await store.ping()
    const body: HealthResponse = { ok: true, store: store.kind }
    respond.json(res, 200, body)
  })

  router.use((req, _res, next) => {
    next(new ProxyError('not_found', `No such endpoint: ${req.method} ${req.baseUrl}${req.path}`))
  })

  router.use(errorHandler(logger, MAX_BODY, respond))
  return router
}
