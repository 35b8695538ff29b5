import { randomBytes } from 'node:crypto'
import { DEMO_MP_APP, DEMO_OAUTH_DOMAINS, DEMO_WEB_APP } from './mock-wechat/demo-apps.js'

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
  sessionSecret: string
  /** True when the secret is random per start (dev only): sessions die with the process. */
  sessionSecretGenerated: boolean
  sessionTtlSeconds: number
  /** GET /session also asks WeChat's /sns/auth whether the stored grant still stands. */
  sessionCheckWechat: boolean
  redisUrl?: string
  allowedOrigins: string[]
  /** `/openid` calls per client IP per minute. */
  rateLimit: number
  port: number
  mockPort: number
  upstreamTimeoutMs: number
  logLevel: string
  trustProxy: boolean | number | string
}

export interface ConfigProblem {
  variable: string
  problem: string
}

/** A startup error naming every bad variable and what is expected of it — never a value. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[]

  constructor(problems: ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`,
    )
    this.name = 'ConfigError'
    this.problems = problems
  }
}

type Env = Record<string, string | undefined>

const APPID = /^wx[0-9a-f]{16}$/i
const SECRET = /^[0-9a-f]{32}$/i
const MIN_SESSION_SECRET_BYTES = 32
const MIN_TTL_SECONDS = 60
const MAX_TTL_SECONDS = 365 * 24 * 3600
const DURATION = /^(\d+)([smhd]?)$/
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * Default for RATE_LIMIT. Generous on purpose: behind carrier-grade NAT (mobile networks in China)
 * thousands of phones can share one public IP, and a tight per-IP limit would lock them all out
 * together. 600/min still stops a single script from hammering WeChat's quota through us.
 */
const DEFAULT_RATE_LIMIT = 600

/** Reads a value; empty and whitespace-only count as unset (a blank line in .env is not a value). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

/** The URL when `value` is an absolute http(s) URL. */
function httpUrl(value: string): URL | undefined {
  const parsed = URL.canParse(value) ? new URL(value) : undefined
  return parsed?.protocol === 'http:' || parsed?.protocol === 'https:' ? parsed : undefined
}

/** Parses '3600', '90s', '30m', '12h', '7d' into seconds. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value)
  if (!match) return undefined
  return Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 1)
}

export function loadConfig(env: Env): ProxyConfig {
  const problems: ConfigProblem[] = []
  const problem = (variable: string, text: string) => problems.push({ variable, problem: text })

  const production = env.NODE_ENV === 'production'

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(env, name)
    if (raw === undefined) return fallback
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problem(name, `must be a whole number from ${min} to ${max}`)
      return fallback
    }
    return Number(raw)
  }

  const url = (name: string): string | undefined => {
    const raw = read(env, name)
    if (raw === undefined) return undefined
    if (!httpUrl(raw)) {
      problem(name, 'must be an absolute http:// or https:// URL')
      return undefined
    }
    return raw.replace(/\/+$/, '')
  }

  // The pair is checked as a pair: half a pair is always a mistake, never "off".
  const pair = (appidVar: string, secretVar: string): WechatAppCredentials | undefined => {
    const appid = read(env, appidVar)
    const secret = read(env, secretVar)
    if (appid !== undefined && !APPID.test(appid)) {
      problem(appidVar, 'must look like an appid: "wx" followed by 16 hex digits')
    }
    if (secret !== undefined && !SECRET.test(secret)) {
      problem(secretVar, 'must look like an AppSecret: 32 hex digits')
    }
    if (appid !== undefined && secret === undefined) {
      problem(secretVar, `is required when ${appidVar} is set`)
    }
    if (secret !== undefined && appid === undefined) {
      problem(appidVar, `is required when ${secretVar} is set`)
    }
    return appid !== undefined && secret !== undefined ? { appid, secret } : undefined
  }

  const wechatMock = read(env, 'WECHAT_MOCK')
  if (wechatMock !== undefined && wechatMock !== '0' && wechatMock !== '1') {
    problem('WECHAT_MOCK', 'must be 1 or 0')
  }
  const hasMpCredentials =
    read(env, 'WECHAT_APPID') !== undefined || read(env, 'WECHAT_SECRET') !== undefined
  const mock = wechatMock === '1' || (!production && !hasMpCredentials && wechatMock !== '0')

  const mpPair = pair('WECHAT_APPID', 'WECHAT_SECRET')
  const webPair = pair('WECHAT_WEB_APPID', 'WECHAT_WEB_SECRET')
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

  const mockDomains = read(env, 'MOCK_OAUTH_DOMAINS')
    ? list(env.MOCK_OAUTH_DOMAINS)
    : [...DEMO_OAUTH_DOMAINS]
  for (const domain of mockDomains) {
    // A hostname only: WeChat's 网页授权域名 has no scheme, port or path.
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(domain)) {
      problem('MOCK_OAUTH_DOMAINS', 'must be a comma list of hostnames (no scheme, port or path)')
      break
    }
  }

  // The session key: anyone holding it can mint sessions, so production must bring a strong one.
  let sessionSecret = read(env, 'SESSION_SECRET')
  let sessionSecretGenerated = false
  if (sessionSecret !== undefined) {
    if (Buffer.byteLength(sessionSecret) < MIN_SESSION_SECRET_BYTES) {
      problem('SESSION_SECRET', `must be at least ${MIN_SESSION_SECRET_BYTES} bytes`)
    }
  } else if (production && !mock) {
    problem(
      'SESSION_SECRET',
      `is required in production (at least ${MIN_SESSION_SECRET_BYTES} bytes)`,
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

  const checkWechat = read(env, 'SESSION_CHECK_WECHAT')
  if (checkWechat !== undefined && checkWechat !== '0' && checkWechat !== '1') {
    problem('SESSION_CHECK_WECHAT', 'must be 1 or 0')
  }
  const sessionCheckWechat = checkWechat === '1'

  const redisUrl = read(env, 'REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    problem('REDIS_URL', 'must be a redis:// or rediss:// URL')
  }

  const allowedOrigins = list(env.ALLOWED_ORIGINS)
  for (const origin of allowedOrigins) {
    // Compared exactly with the Origin header, so it must be an origin: scheme://host[:port], no path.
    if (httpUrl(origin)?.origin !== origin) {
      problem(
        'ALLOWED_ORIGINS',
        'must be a comma list of origins like https://example.com (no path)',
      )
      break
    }
  }

  const rateLimit = integer('RATE_LIMIT', DEFAULT_RATE_LIMIT, 1, 1_000_000)
  const upstreamTimeoutMs = integer('WECHAT_TIMEOUT_MS', 5000, 100, 120_000)

  const logLevel = read(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel))
    problem('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)

  const trustProxy = parseTrustProxy(read(env, 'TRUST_PROXY'))

  if (problems.length > 0) throw new ConfigError(problems)

  const config: ProxyConfig = {
    production,
    mock,
    mp,
    apiBase,
    openBase,
    mockDomains,
    sessionSecret: sessionSecret ?? '',
    sessionSecretGenerated,
    sessionTtlSeconds,
    sessionCheckWechat,
    allowedOrigins,
    rateLimit,
    port,
    mockPort,
    upstreamTimeoutMs,
    logLevel,
    trustProxy,
  }
  if (web) config.web = web
  if (redisUrl) config.redisUrl = redisUrl
  return config
}

/** Express's `trust proxy` setting: true/false, a hop count, or addresses/subnets as a string. */
function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === 'false' || raw === '0') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  return raw
}

/** What the browser may know: ids and switches, never a secret. */
export function publicConfig(config: ProxyConfig): {
  appid: string
  webAppid?: string
  mock: boolean
  authorizeBase: string
} {
  const result: { appid: string; webAppid?: string; mock: boolean; authorizeBase: string } = {
    appid: config.mp.appid,
    mock: config.mock,
    authorizeBase: config.openBase,
  }
  if (config.web) result.webAppid = config.web.appid
  return result
}
