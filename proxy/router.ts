import express from 'express'
import type { Logger } from 'pino'
import { publicConfig } from './config.js'
import type { ProxyConfig } from './config.js'
import { ProxyError } from './errors.js'
import { errorHandler } from './http-errors.js'
import { createLogger } from './logger.js'
import type { RouteContext } from './routes/context.js'
import { MAX_BODY, mountOpenidRoute } from './routes/openid.js'
import { mountSessionRoutes } from './routes/session.js'
import { mountUserinfoRoute } from './routes/userinfo.js'
import { createMemoryStore, reachable } from './store/index.js'
import type { Store } from './store/index.js'
import { createTokenCustody } from './tokens.js'
import { createWechatApi } from './wechat-api.js'

export interface WechatProxyDeps {
  /** @default createLogger(config) */
  logger?: Logger
  /** @default createMemoryStore() */
  store?: Store
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

/** The proxy's HTTP API (DESIGN.md), to be mounted at `/api/wechat`. */
export function createWechatProxy(config: ProxyConfig, deps: WechatProxyDeps = {}): express.Router {
  const { now = Date.now } = deps
  const logger = deps.logger ?? createLogger(config)
  const store = reachable(deps.store ?? createMemoryStore({ now }))
  const wechat = createWechatApi({ apiBase: config.apiBase, timeoutMs: config.upstreamTimeoutMs })
  const custody = createTokenCustody({ config, store, wechat, logger, now })
  const ctx: RouteContext = { config, store, custody, wechat, logger, now }
  const router = express.Router()

  router.use((req, res, next) => {
    // Sessions and identities must not be kept by browsers or shared caches.
    res.set('Cache-Control', 'no-store')
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

  mountOpenidRoute(router, ctx)
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
