import express from 'express'
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'
import { publicConfig } from './config.js'
import type { ProxyConfig } from './config.js'
import { ProxyError } from './errors.js'
import { createLogger } from './logger.js'
import { signSession, verifySession } from './session.js'
import { createMemoryStore } from './store/index.js'
import type { Store, StoredTokens } from './store/index.js'
import { bearerToken, parseOpenidRequest } from './validate.js'
import { createWechatApi } from './wechat-api.js'

export interface WechatProxyDeps {
  /** @default createLogger(config) */
  logger?: Logger
  /** @default createMemoryStore() */
  store?: Store
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

/** refresh_token lives 30 days (WECHAT.md): the stored tokens are useless after that. */
const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600
/** Larger bodies are refused before parsing: a real request is well under 1 KB. */
const MAX_BODY = '1kb'

/** The proxy's HTTP API (DESIGN.md), to be mounted at `/api/wechat`. */
export function createWechatProxy(config: ProxyConfig, deps: WechatProxyDeps = {}): express.Router {
  const { now = Date.now } = deps
  const logger = deps.logger ?? createLogger(config)
  const store = deps.store ?? createMemoryStore({ now })
  const wechat = createWechatApi({ apiBase: config.apiBase, timeoutMs: config.upstreamTimeoutMs })
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

  async function saveTokens(app: string, openid: string, tokens: StoredTokens): Promise<void> {
    try {
      await store.saveTokens(app, openid, tokens, REFRESH_TOKEN_TTL_SECONDS)
    } catch (cause) {
      throw new ProxyError('upstream_unavailable', `The ${store.kind} store is not reachable`, {
        cause,
      })
    }
  }

  router.post(
    '/openid',
    requireJson,
    express.json({ limit: MAX_BODY, strict: true }),
    async (req, res) => {
      const started = now()
      const request = parseOpenidRequest(req.body, config)
      const credentials = request.app === 'web' && config.web ? config.web : config.mp
      const settings =
        request.app === 'web'
          ? { appid: 'WECHAT_WEB_APPID', secret: 'WECHAT_WEB_SECRET' }
          : { appid: 'WECHAT_APPID', secret: 'WECHAT_SECRET' }
      try {
        const tokens = await wechat.exchangeCode(credentials, request.code, settings)
        const snapshotUser = tokens.is_snapshotuser === 1
        const issued = now()
        // WeChat's tokens stop here: the browser only ever gets our own session.
        await saveTokens(request.app, tokens.openid, {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          scope: tokens.scope,
          accessExpiresAt: issued + tokens.expires_in * 1000,
          refreshExpiresAt: issued + REFRESH_TOKEN_TTL_SECONDS * 1000,
          ...(tokens.unionid !== undefined ? { unionid: tokens.unionid } : {}),
          ...(snapshotUser ? { snapshotUser } : {}),
        })
        const session = await signSession(
          {
            openid: tokens.openid,
            scope: tokens.scope,
            app: request.app,
            ...(tokens.unionid !== undefined ? { unionid: tokens.unionid } : {}),
            snapshotUser,
          },
          config.sessionSecret,
          config.sessionTtlSeconds,
          issued,
        )
        logger.info(
          {
            route: 'openid',
            app: request.app,
            outcome: 'ok',
            scope: tokens.scope,
            snapshotUser,
            ms: now() - started,
          },
          'code exchanged',
        )
        res.json({
          openid: tokens.openid,
          ...(tokens.unionid !== undefined ? { unionid: tokens.unionid } : {}),
          scope: tokens.scope,
          snapshotUser,
          session: session.token,
          sessionExpiresAt: session.expiresAt.toISOString(),
        })
      } catch (error) {
        if (error instanceof ProxyError) {
          logger.warn(
            {
              route: 'openid',
              app: request.app,
              outcome: error.code,
              errcode: error.errcode,
              ms: now() - started,
            },
            'code exchange failed',
          )
        }
        throw error
      }
    },
  )

  router.get('/session', async (req, res) => {
    const token = bearerToken(req.get('authorization'))
    const claims = await verifySession(token, config.sessionSecret, { now: now() })
    res.json({
      openid: claims.openid,
      ...(claims.unionid !== undefined ? { unionid: claims.unionid } : {}),
      scope: claims.scope,
      expiresAt: claims.expiresAt.toISOString(),
    })
  })

  router.get('/config', (_req, res) => {
    res.json(publicConfig(config))
  })

  router.get('/healthz', async (_req, res) => {
    try {
      await store.ping()
    } catch (cause) {
      throw new ProxyError('upstream_unavailable', `The ${store.kind} store is not reachable`, {
        cause,
      })
    }
    res.json({ ok: true, store: store.kind })
  })

  router.use((req, _res, next) => {
    next(new ProxyError('not_found', `No such endpoint: ${req.method} ${req.baseUrl}${req.path}`))
  })

  router.use(errorHandler(logger))
  return router
}

/** Only JSON is accepted, so a cross-site HTML form cannot post to us without a CORS preflight. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  // `req.is` is null when there is no body at all (not even Content-Length: 0): validation then
  // names what is missing.
  if (req.is('application/json') === false) {
    next(
      new ProxyError('invalid_request', 'Content-Type must be application/json', { status: 415 }),
    )
    return
  }
  next()
}

/** body-parser's failures, by their documented `type`. */
function bodyParserError(error: unknown): ProxyError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined
  switch (error.type) {
    case 'entity.too.large':
      return new ProxyError('invalid_request', `The body must be at most ${MAX_BODY}`, {
        status: 413,
      })
    case 'entity.parse.failed':
      return new ProxyError('invalid_request', 'The body is not valid JSON')
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProxyError('invalid_request', 'The body must be UTF-8 JSON', { status: 415 })
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new ProxyError('invalid_request', 'The body could not be read')
    default:
      return undefined
  }
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error)
      return
    }
    const known = error instanceof ProxyError ? error : bodyParserError(error)
    if (known) {
      if (known.code === 'unauthorized') res.set('WWW-Authenticate', 'Bearer')
      res.status(known.status).json(known.toJSON())
      return
    }
    // Unknown failures are logged for the operator; the client gets no detail, never a stack.
    logger.error({ err: error, route: req.path }, 'unexpected error')
    const internal = new ProxyError('internal_error', 'Something went wrong in the proxy')
    res.status(internal.status).json(internal.toJSON())
  }
}
