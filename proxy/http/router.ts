import type { HealthResponse } from '../../client/wire.js'
import express from 'express'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { Logger } from 'pino'
import { appCredentials, publicConfig } from '../config.js'
import type { ProxyConfig } from '../config.js'
import { ProxyError } from '../errors.js'
import { createCodeExchange } from '../login/exchange.js'
import { errorHandler } from './error-handler.js'
import { createLogger } from '../logger.js'
import type { BusyRetryOptions } from '../wechat/retry.js'
import type { RouteContext } from './routes/context.js'
import { mountJssdkRoute } from './routes/jssdk.js'
import { mountOpenidRoute } from './routes/openid.js'
import { mountRelayRoute } from './routes/relay.js'
import { mountSessionRoutes } from './routes/session.js'
import { mountUserinfoRoute } from './routes/userinfo.js'
import { createResponder } from './respond.js'
import { corsFor } from './cors.js'
import { apiHeaders } from './headers.js'
import { rateLimits } from './rate-limit.js'
import { createSessionAnswers } from './session-answers.js'
import { wechatCallLimit } from './wechat-calls.js'
import { reachable, storesFor } from '../store/index.js'
import type { RedisConnection, Store } from '../store/index.js'
import { createTokenCustody } from '../login/tokens.js'
import { JWKS_MAX_AGE_SECONDS, createSessionSigner } from '../login/session-keys.js'
import { createWechatApi } from '../wechat/api.js'
import { createBasicCredentials } from '../wechat/basic-credentials.js'
import { basicTokenFetcher } from '../wechat/basic-token.js'
import type { BasicTokenSource } from '../wechat/basic-token.js'

export interface WechatProxyDeps {
  /** @default createLogger(config) */
  logger?: Logger
  /** @default Redis when `config.redis` is set (createRedisStore), else createMemoryStore() */
  store?: Store
  /**
   * Counters of the rate limits (`/openid`, `/jssdk`, and the calls that reach WeChat per client and
   * per session; apart, in one store); share one (e.g. Redis) across instances.
   * @default Redis when `config.redis` is set (createRedisRateLimitStore), else memory
   */
  rateLimitStore?: RateLimitStore
  /**
   * The client the Redis store and rate limit use when `config.redis` is set (to close it, or to
   * share it): of one server, of sentinels or of a cluster. @default createRedisClient(config.redis, { logger })
   */
  redis?: RedisConnection
  /** How WeChat's `-1` is retried (count, backoff, and the sleep and random tests replace). */
  retry?: BusyRetryOptions
  /**
   * Where the official account's basic access_token comes from instead of WeChat's token endpoints
   * (e.g. a team's central token server): the proxy then never calls `/cgi-bin/token` or
   * `/cgi-bin/stable_token`, and asks the source again when WeChat refuses its token.
   * @default WeChat, by WECHAT_TOKEN_MODE
   */
  basicTokenSource?: BasicTokenSource
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
}

/**
 * The router of createWechatProxy, which also hands the official account's cached WeChat
 * credentials to the host app's own server code (docs/wechat.md#js-sdk-signing): the same ones
 * `POST /jssdk` uses, kept in the store and shared by every instance, so that nothing else fetches
 * its own (with the classic endpoint, each fetch kills the token the others hold). Each call rejects
 * with a ProxyError when WeChat or the store fails.
 */
export type WechatProxyRouter = express.Router & {
  /**
   * The basic access_token (基础 access_token, not a user's), for WeChat's server APIs: fetched once
   * for every caller and instance, refreshed 5 minutes before it expires.
   */
  basicAccessToken(): Promise<string>
  /** The jsapi_ticket, for signing JS-SDK pages yourself (POST /jssdk does it for you). */
  jsapiTicket(): Promise<string>
  /**
   * Tell the proxy WeChat refused `token` (errcode 40001, 40014 or 42001): it is forgotten if it
   * is still the stored one, and the next basicAccessToken() brings another. Never call it for
   * other errcodes: a replaced token costs WeChat quota.
   */
  forgetBasicAccessToken(token: string): Promise<void>
  /**
   * Closes what the router made: its store and its Redis client (a store or client passed in `deps`
   * stays open, the caller's to close). For a graceful stop, after the server stopped accepting and
   * its requests finished.
   */
  close(): Promise<void>
  /**
   * Resolves `true` once the store answers (a Redis client connected; a cluster serving every slot),
   * `false` if it has not within `boundMs`. A memory store answers at once. `npm start` listens only
   * after it, so a new instance in a deploy does not answer its first requests `503`.
   */
  ready(boundMs: number): Promise<boolean>
}

/** The proxy's HTTP API (docs/architecture.md#the-http-api), to be mounted at `/api/wechat`. */
export function createWechatProxy(
  config: ProxyConfig,
  deps: WechatProxyDeps = {},
): WechatProxyRouter {
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
  const mp = appCredentials(config, 'mp')!
  const basic = createBasicCredentials({
    appid: config.mp.appid,
    fetchToken: basicTokenFetcher({
      app: mp.credentials,
      settings: mp.settings,
      wechat,
      mode: config.tokenMode,
      source: deps.basicTokenSource,
    }),
    wechat,
    store,
    logger,
    now,
    // A fetch is at most a token and a ticket, each retried once after a refusal.
    lockMs: 3 * config.upstreamTimeoutMs,
  })
  // Waiting for another instance's exchange never takes longer than that exchange could.
  const exchange = createCodeExchange({ store, logger, maxWaitMs: 3 * config.upstreamTimeoutMs })
  const respond = createResponder(apiHeaders(config))
  const ctx: RouteContext = {
    config,
    store,
    custody,
    exchange,
    wechat,
    basic,
    logger,
    now,
    respond,
    limitWechatCall: wechatCallLimit(config, backends.rateLimitStore),
    answers: createSessionAnswers({ ttlSeconds: config.wechatCacheSeconds, store, now }),
    sessions: createSessionSigner({
      secret: config.sessionSecret || undefined,
      jwks: config.sessionJwks,
    }),
  }
  if (config.sessionJwks) {
    const { keys, file, readableByOthers } = config.sessionJwks
    // Which key signs is public (its kid is in /jwks.json); the keys themselves never reach a log.
    logger.info(
      { alg: ctx.sessions.alg, kid: keys[0]!.kid, verifyingKeys: keys.length },
      'sessions are signed with the first key of SESSION_JWKS_FILE; GET /jwks.json serves the public keys',
    )
    if (readableByOthers) {
      logger.warn(
        { file },
        'SESSION_JWKS_FILE can be read by other users of this machine: it holds private keys (chmod 600)',
      )
    }
    if (config.sessionSecret) {
      logger.warn(
        'SESSION_SECRET is set beside SESSION_JWKS_FILE: HS256 sessions it signed still verify, and whoever ' +
          'holds it can still mint sessions; unset it once SESSION_TTL has passed since the switch',
      )
    }
  }
  // Said once at start-up, whoever hosts the router: logins then go to the mock, which the host must
  // serve at that path (npm start and the Vite plugin do; an Express app mounts
  // createMockWechatRouter(config) when `config.mock` is true).
  // Info, the default level: `npm run dev` (Vite, at warn) says it in its own words instead.
  if (config.mock) {
    logger.info(
      { authorizeBase: config.openBase },
      'mock WeChat on (WECHAT_MOCK=1, or no WECHAT_APPID and WECHAT_SECRET outside production): ' +
        `logins go to ${config.openBase}, not to WeChat`,
    )
  }
  const router = express.Router()
  let trustChecked = false
  let forwardedChecked = Boolean(config.trustProxy)

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
    // Behind a reverse proxy without TRUST_PROXY every client has the proxy's IP and one budget.
    if (!forwardedChecked && req.headers['x-forwarded-for'] !== undefined) {
      forwardedChecked = true
      logger.warn(
        'a request came with X-Forwarded-For but TRUST_PROXY is off: every client behind that proxy shares one rate limit',
      )
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
  const limits = rateLimits(config, backends.rateLimitStore)
  // A page may sign again after every route change (docs/wechat.md#signed-url): next most frequent.
  mountJssdkRoute(router, ctx, limits.jssdk)
  mountOpenidRoute(router, ctx, limits.openid)
  mountUserinfoRoute(router, ctx)
  // WeChat's callback on the authorized domain, forwarded to an allowed site (WECHAT_RELAY_ORIGINS).
  mountRelayRoute(router, ctx)

  // Public values that do not change once the proxy is built: serialized once.
  const publicJson = JSON.stringify(publicConfig(config))
  router.get('/config', (_req, res) => {
    respond.jsonText(res, 200, publicJson)
  })

  // The public halves of SESSION_JWKS_FILE's keys, for backends that verify sessions themselves. Without
  // the file there is nothing to publish (HS256 sessions verify only with the secret): a 404.
  const jwksJson = ctx.sessions.jwksJson
  if (jwksJson !== undefined) {
    const cacheControl = `public, max-age=${JWKS_MAX_AGE_SECONDS}`
    router.get('/jwks.json', (_req, res) => {
      respond.publicJsonText(res, jwksJson, cacheControl)
    })
  }

  router.get('/healthz', async (_req, res) => {
    await store.ping()
    const body: HealthResponse = { ok: true, store: store.kind }
    respond.json(res, 200, body)
  })

  router.use((req, _res, next) => {
    next(new ProxyError('not_found', `No such endpoint: ${req.method} ${req.baseUrl}${req.path}`))
  })

  router.use(errorHandler(logger, respond))
  return Object.assign(router, {
    basicAccessToken: basic.accessToken,
    jsapiTicket: basic.jsapiTicket,
    forgetBasicAccessToken: basic.forgetAccessToken,
    close: backends.close,
    ready: (boundMs: number) => storeAnswers(backends.store, boundMs),
  })
}

/**
 * Pings `store` every 100 ms until it answers (`true`) or `boundMs` has passed (`false`), also when a
 * ping never settles (a store of the host app's without a timeout of its own).
 */
async function storeAnswers(store: Store, boundMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeUp = new Promise<false>((resolve) => (timer = setTimeout(resolve, boundMs, false)))
  let stopped = false
  const pinging = (async () => {
    while (!stopped) {
      try {
        await store.ping()
        return true
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    return false
  })()
  try {
    return await Promise.race([pinging, timeUp])
  } finally {
    stopped = true
    clearTimeout(timer)
  }
}
