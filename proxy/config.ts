import { randomBytes } from 'node:crypto'
import type { PublicConfig, WechatApp } from '../client/wire.js'
import { ConfigError, envReader, parseDuration, parseTrustProxy, read } from './config-env.js'
import type { Env } from './config-env.js'
import { readRedisTarget } from './config-redis.js'
import { readRelay } from './config-relay.js'
import type { RedisTarget } from './config-redis.js'
import { readSessionJwksFile } from './config-jwks.js'
import type { SessionJwks } from './config-jwks.js'
import { DEMO_MP_APP, DEMO_OAUTH_DOMAINS, DEMO_WEB_APP } from './mock-wechat/demo-apps.js'

export { parseDuration } from './config-env.js'
export { ConfigError } from './config-env.js'
export type { ConfigProblem } from './config-env.js'
export type { RedisNode, RedisTarget } from './config-redis.js'
export type { SessionJwks } from './config-jwks.js'

/** Where the basic access_token comes from (docs/wechat.md#basic-access-token). */
export type WechatTokenMode = 'stable' | 'classic'

export interface WechatAppCredentials {
  appid: string
  secret: string
}

export interface ProxyConfig {
  /** `NODE_ENV === 'production'`. */
  production: boolean
  /** Serve and use the mock WeChat. */
  mock: boolean
  /** Official account; the demo app in mock mode without credentials. */
  mp: WechatAppCredentials
  /** Open-platform website app (PC QR login); the demo website app in mock mode without credentials. */
  web?: WechatAppCredentials
  /** Server-side base of api.weixin.qq.com, no trailing slash. */
  apiBase: string
  /** Browser-side base of open.weixin.qq.com, no trailing slash (may be relative in mock mode). */
  openBase: string
  /** Hostnames the mock accepts as the "网页授权域名". */
  mockDomains: string[]
  /** Hostnames the mock accepts as the "JS接口安全域名" (MOCK_JSSDK_DOMAINS). */
  mockJssdkDomains: string[]
  /** The mock's IP白名单 of `/cgi-bin/*` (MOCK_IP_WHITELIST); unset = every caller. */
  mockIpWhitelist?: string[]
  /** Where the basic access_token comes from (WECHAT_TOKEN_MODE). */
  tokenMode: WechatTokenMode
  /**
   * Hostnames `POST /jssdk` signs pages of (WECHAT_JSSDK_DOMAINS); unset = the hosts the proxy
   * serves pages on: the request's own host and those of ALLOWED_ORIGINS.
   */
  jssdkDomains?: string[]
  /**
   * The relay's allow-list (WECHAT_RELAY_ORIGINS): exact origins `GET /relay` forwards WeChat's
   * callback to (docs/architecture.md#the-relay). Unset = no relay route.
   */
  relayOrigins?: string[]
  /**
   * The relay this proxy's pages log in through (WECHAT_RELAY_URL): a proxy's `GET /relay` on one of
   * the official account's 网页授权域名, named in `GET /config` as `relayUrl`. Unset = no relay.
   */
  relayUrl?: string
  /**
   * SESSION_SECRET: signs HS256 sessions when there is no `sessionJwks`; beside `sessionJwks`, HS256
   * sessions signed before the switch still verify with it. Empty when unset with `sessionJwks`.
   */
  sessionSecret: string
  /**
   * SESSION_JWKS_FILE's keys (docs/architecture.md#asymmetric-sessions): sessions are signed with the
   * first (ES256 or EdDSA), verified with any, and `GET /jwks.json` serves their public halves.
   */
  sessionJwks?: SessionJwks
  /** True when the secret is random per start (dev only): sessions die with the process. */
  sessionSecretGenerated: boolean
  sessionTtlSeconds: number
  /** GET /session also asks WeChat's /sns/auth whether the stored grant still stands. */
  sessionCheckWechat: boolean
  /** Which Redis keeps the shared state (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); unset = memory. */
  redis?: RedisTarget
  /** REDIS_URL alone (a configuration made by hand may set only this); `redis` names every kind. */
  redisUrl?: string
  /**
   * Most live revocations (logouts not yet past their session's expiry) the memory store keeps
   * (MEMORY_MAX_REVOCATIONS); past it a logout answers 503. Unused with Redis.
   */
  memoryMaxRevocations: number
  allowedOrigins: string[]
  /**
   * `/openid` calls per client IP per minute; `/jssdk` calls as many, counted apart; and as many
   * calls that reach WeChat through `/userinfo` and `/session`'s check, counted apart again.
   */
  rateLimit: number
  /** Calls that reach WeChat through `/userinfo` and `/session`'s check, per session per minute. */
  sessionRateLimit: number
  /** Seconds a session reuses WeChat's answer to `/userinfo` and to `/session`'s check; 0 = never. */
  wechatCacheSeconds: number
  port: number
  mockPort: number
  upstreamTimeoutMs: number
  logLevel: string
  trustProxy: boolean | number | string
}

const MIN_SESSION_SECRET_BYTES = 32
const MIN_TTL_SECONDS = 60
const MAX_TTL_SECONDS = 365 * 24 * 3600
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** WeChat's JS-SDK script (docs/wechat.md#js-sdk-signing); the mock serves a stand-in at the same path. */
const JSSDK_SCRIPT_PATH = '/open/js/jweixin-1.6.0.js'
const JSSDK_SCRIPT_ORIGIN = 'https://res.wx.qq.com'

/**
 * Default for RATE_LIMIT. Generous on purpose: behind carrier-grade NAT (mobile networks in China)
 * thousands of phones can share one public IP, and a tight per-IP limit would lock them all out
 * together. 600/min still stops a single script from hammering WeChat's quota through us.
 */
const DEFAULT_RATE_LIMIT = 600
/**
 * Default for SESSION_RATE_LIMIT. One person's page needs a few WeChat calls a minute at most (the
 * answers are reused for WECHAT_CACHE_SECONDS); a script holding one session gets no more.
 */
const DEFAULT_SESSION_RATE_LIMIT = 10
/**
 * Default for WECHAT_CACHE_SECONDS: short, because a withdrawn authorization is noticed by
 * `/session`'s check only once the kept answer is gone.
 */
const DEFAULT_WECHAT_CACHE_SECONDS = 30

/**
 * Default for MEMORY_MAX_REVOCATIONS: about 120 MB at about 120 bytes each, well above the logouts of
 * one default SESSION_TTL (7d) of a single-instance site. The ceiling keeps a typo from promising
 * memory a process cannot have (a JavaScript Map holds at most 2^24 entries).
 */
const DEFAULT_MAX_REVOCATIONS = 1_000_000
const MAX_MAX_REVOCATIONS = 16_000_000

export function loadConfig(env: Env): ProxyConfig {
  const { problems, problem, integer, url, flag, oneOf, hostnames, ips, origins, credentials } =
    envReader(env)
  const production = env.NODE_ENV === 'production'

  const wechatMock = flag('WECHAT_MOCK')
  const hasMpCredentials =
    read(env, 'WECHAT_APPID') !== undefined || read(env, 'WECHAT_SECRET') !== undefined
  const mock = wechatMock === true || (!production && !hasMpCredentials && wechatMock !== false)

  const mpPair = credentials('WECHAT_APPID', 'WECHAT_SECRET')
  const webPair = credentials('WECHAT_WEB_APPID', 'WECHAT_WEB_SECRET')
  if (!mock && !hasMpCredentials) {
    const why = production
      ? 'is required in production unless WECHAT_MOCK=1'
      : 'is required when WECHAT_MOCK=0'
    problem('WECHAT_APPID', why)
    problem('WECHAT_SECRET', why)
  }
  const demoCredentials = (app: WechatAppCredentials) => ({ appid: app.appid, secret: app.secret })
  const mp = mpPair ?? (mock ? demoCredentials(DEMO_MP_APP) : { appid: '', secret: '' })
  const hasWebCredentials =
    read(env, 'WECHAT_WEB_APPID') !== undefined || read(env, 'WECHAT_WEB_SECRET') !== undefined
  const web = webPair ?? (mock && !hasWebCredentials ? demoCredentials(DEMO_WEB_APP) : undefined)

  const port = integer('PORT', 3000, 0, 65535)
  const mockPort = integer('MOCK_PORT', 3100, 0, 65535)

  const apiBase =
    url('WECHAT_API_BASE') ??
    (mock ? `http://127.0.0.1:${port}/mock-wechat` : 'https://api.weixin.qq.com')
  const openBase = url('WECHAT_OPEN_BASE') ?? (mock ? '/mock-wechat' : 'https://open.weixin.qq.com')

  const mockDomains = hostnames('MOCK_OAUTH_DOMAINS') ?? [...DEMO_OAUTH_DOMAINS]
  // The same local hosts by default: the JS接口安全域名 of the demo account.
  const mockJssdkDomains = hostnames('MOCK_JSSDK_DOMAINS') ?? [...DEMO_OAUTH_DOMAINS]
  const mockIpWhitelist = ips('MOCK_IP_WHITELIST')
  const jssdkDomains = hostnames('WECHAT_JSSDK_DOMAINS')
  const { relayOrigins, relayUrl } = readRelay(env, problem, production && !mock)
  const tokenMode = oneOf('WECHAT_TOKEN_MODE', ['stable', 'classic'] as const, 'stable')

  // Asymmetric sessions: the file's first key signs, and backends verify with the public halves.
  let sessionJwks: SessionJwks | undefined
  const jwksFile = read(env, 'SESSION_JWKS_FILE')
  if (jwksFile !== undefined) {
    const loaded = readSessionJwksFile(jwksFile)
    if ('problem' in loaded) problem('SESSION_JWKS_FILE', loaded.problem)
    else sessionJwks = loaded
  }

  // The session key: anyone holding it can mint sessions, so production must bring a strong one.
  let sessionSecret = read(env, 'SESSION_SECRET')
  let sessionSecretGenerated = false
  if (sessionSecret !== undefined) {
    if (Buffer.byteLength(sessionSecret) < MIN_SESSION_SECRET_BYTES) {
      problem('SESSION_SECRET', `must be at least ${MIN_SESSION_SECRET_BYTES} bytes`)
    }
  } else if (jwksFile !== undefined) {
    // Sessions are signed with the keys: no secret is needed, and none is made up.
  } else if (production && !mock) {
    problem(
      'SESSION_SECRET',
      `is required in production (at least ${MIN_SESSION_SECRET_BYTES} bytes) unless SESSION_JWKS_FILE is set`,
    )
  } else {
    sessionSecret = randomBytes(MIN_SESSION_SECRET_BYTES).toString('base64url')
    sessionSecretGenerated = true
  }

  let sessionTtlSeconds = 7 * 86400
  const ttl = read(env, 'SESSION_TTL')
  if (ttl !== undefined) {
    const seconds = parseDuration(ttl)
    if (seconds === undefined || seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) {
      problem('SESSION_TTL', 'must be a duration like 3600, 90s, 30m, 12h or 7d, from 60s to 365d')
    } else {
      sessionTtlSeconds = seconds
    }
  }

  const sessionCheckWechat = flag('SESSION_CHECK_WECHAT') === true

  const redis = readRedisTarget(env, problem)

  const allowedOrigins = origins('ALLOWED_ORIGINS')

  const memoryMaxRevocations = integer(
    'MEMORY_MAX_REVOCATIONS',
    DEFAULT_MAX_REVOCATIONS,
    1,
    MAX_MAX_REVOCATIONS,
  )

  const rateLimit = integer('RATE_LIMIT', DEFAULT_RATE_LIMIT, 1, 1_000_000)
  const sessionRateLimit = integer('SESSION_RATE_LIMIT', DEFAULT_SESSION_RATE_LIMIT, 1, 1_000_000)
  const wechatCacheSeconds = integer('WECHAT_CACHE_SECONDS', DEFAULT_WECHAT_CACHE_SECONDS, 0, 300)
  const upstreamTimeoutMs = integer('WECHAT_TIMEOUT_MS', 5000, 100, 120_000)

  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info')

  const trustProxy = parseTrustProxy(read(env, 'TRUST_PROXY'))

  if (problems.length > 0) throw new ConfigError(problems)

  const config: ProxyConfig = {
    production,
    mock,
    mp,
    apiBase,
    openBase,
    mockDomains,
    mockJssdkDomains,
    tokenMode,
    sessionSecret: sessionSecret ?? '',
    sessionSecretGenerated,
    sessionTtlSeconds,
    sessionCheckWechat,
    memoryMaxRevocations,
    allowedOrigins,
    rateLimit,
    sessionRateLimit,
    wechatCacheSeconds,
    port,
    mockPort,
    upstreamTimeoutMs,
    logLevel,
    trustProxy,
  }
  if (web) config.web = web
  if (sessionJwks) config.sessionJwks = sessionJwks
  if (redis) config.redis = redis
  if (redis?.kind === 'redis') config.redisUrl = redis.url
  if (jssdkDomains) config.jssdkDomains = jssdkDomains
  if (relayOrigins) config.relayOrigins = relayOrigins
  if (relayUrl) config.relayUrl = relayUrl
  if (mockIpWhitelist) config.mockIpWhitelist = mockIpWhitelist
  return config
}

/** What the browser may know (`GET /config`): ids and switches, never a secret. */
export function publicConfig(config: ProxyConfig): PublicConfig {
  const result: PublicConfig = {
    appid: config.mp.appid,
    mock: config.mock,
    authorizeBase: config.openBase,
    jssdkScript: jssdkScriptUrl(config),
  }
  if (config.web) result.webAppid = config.web.appid
  if (config.relayUrl) result.relayUrl = config.relayUrl
  return result
}

/**
 * The JS-SDK's script: WeChat's, or in mock mode the mock's stand-in (relative when the mock is
 * served on the page's origin). The pages' CSP allows exactly its origin.
 */
export function jssdkScriptUrl(config: Pick<ProxyConfig, 'mock' | 'openBase'>): string {
  return `${config.mock ? config.openBase : JSSDK_SCRIPT_ORIGIN}${JSSDK_SCRIPT_PATH}`
}

/** The credentials of an app and the names of their settings, for setup-fault messages. */
export interface AppCredentials {
  credentials: WechatAppCredentials
  settings: { appid: string; secret: string }
}

/**
 * The credentials `app` logs in with, or undefined when that app is not configured (the website app
 * without WECHAT_WEB_APPID). The one place that decides whether an app is configured.
 */
export function appCredentials(
  config: Pick<ProxyConfig, 'mp' | 'web'>,
  app: WechatApp,
): AppCredentials | undefined {
  if (app === 'mp') {
    return { credentials: config.mp, settings: { appid: 'WECHAT_APPID', secret: 'WECHAT_SECRET' } }
  }
  return config.web
    ? {
        credentials: config.web,
        settings: { appid: 'WECHAT_WEB_APPID', secret: 'WECHAT_WEB_SECRET' },
      }
    : undefined
}
