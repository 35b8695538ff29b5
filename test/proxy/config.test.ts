import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, publicConfig } from '../../proxy/config.js'
import { DEMO_MP_APP, DEMO_WEB_APP, DEMO_OAUTH_DOMAINS } from '../../proxy/mock-wechat/demo-apps.js'
import { createWechatProxy } from '../../proxy/http/router.js'
import { createLogger } from '../../proxy/logger.js'

const APPID = 'wx0123456789abcdef'
const SECRET = '0123456789abcdef0123456789abcdef'
const WEB_APPID = 'wxfedcba9876543210'
const WEB_SECRET = 'fedcba9876543210fedcba9876543210'
const SESSION_SECRET = 's'.repeat(32)

function problemsOf(
  env: Record<string, string | undefined>,
): { variable: string; problem: string }[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('loadConfig did not throw')
}

function variablesOf(env: Record<string, string | undefined>): string[] {
  return problemsOf(env).map((p) => p.variable)
}

function messageOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('loadConfig did not throw')
}

describe('loadConfig: mock mode', () => {
  it('uses the mock with the demo apps in development when no credentials are set', () => {
    const config = loadConfig({})
    expect(config.mock).toBe(true)
    expect(config.mp).toEqual({ appid: DEMO_MP_APP.appid, secret: DEMO_MP_APP.secret })
    expect(config.web).toEqual({ appid: DEMO_WEB_APP.appid, secret: DEMO_WEB_APP.secret })
  })

  it('points the proxy at the mock on its own port and the browser at a relative mock base', () => {
    const config = loadConfig({ PORT: '4000' })
    expect(config.apiBase).toBe('http://127.0.0.1:4000/mock-wechat')
    expect(config.openBase).toBe('/mock-wechat')
  })

  it('uses the real credentials with the mock when WECHAT_MOCK=1 and credentials are set', () => {
    const config = loadConfig({ WECHAT_MOCK: '1', WECHAT_APPID: APPID, WECHAT_SECRET: SECRET })
    expect(config.mock).toBe(true)
    expect(config.mp).toEqual({ appid: APPID, secret: SECRET })
  })

  it('does not use the mock in development when credentials are set', () => {
    const config = loadConfig({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET })
    expect(config.mock).toBe(false)
    expect(config.apiBase).toBe('https://api.weixin.qq.com')
    expect(config.openBase).toBe('https://open.weixin.qq.com')
  })

  it('does not use the mock in production without WECHAT_MOCK=1', () => {
    expect(variablesOf({ NODE_ENV: 'production' })).toEqual(
      expect.arrayContaining(['WECHAT_APPID', 'WECHAT_SECRET', 'SESSION_SECRET']),
    )
  })

  it('uses the mock in production when WECHAT_MOCK=1', () => {
    const config = loadConfig({ NODE_ENV: 'production', WECHAT_MOCK: '1' })
    expect(config.production).toBe(true)
    expect(config.mock).toBe(true)
  })

  it('requires credentials in development when WECHAT_MOCK=0', () => {
    expect(variablesOf({ WECHAT_MOCK: '0' })).toEqual(['WECHAT_APPID', 'WECHAT_SECRET'])
  })

  it('accepts the mock domains as a comma list and defaults to the demo domains', () => {
    expect(loadConfig({}).mockDomains).toEqual(DEMO_OAUTH_DOMAINS)
    expect(loadConfig({ MOCK_OAUTH_DOMAINS: 'a.test, b.test' }).mockDomains).toEqual([
      'a.test',
      'b.test',
    ])
  })

  it('rejects a mock domain with a scheme or port', () => {
    expect(variablesOf({ MOCK_OAUTH_DOMAINS: 'http://a.test:8080' })).toEqual([
      'MOCK_OAUTH_DOMAINS',
    ])
  })
})

describe('loadConfig: credentials', () => {
  it('names the missing secret when only the appid is set', () => {
    expect(variablesOf({ WECHAT_APPID: APPID })).toEqual(['WECHAT_SECRET'])
  })

  it('names the missing appid when only the secret is set', () => {
    expect(variablesOf({ WECHAT_SECRET: SECRET })).toEqual(['WECHAT_APPID'])
  })

  it('rejects an appid of the wrong shape', () => {
    expect(variablesOf({ WECHAT_APPID: 'gh_0123456789ab', WECHAT_SECRET: SECRET })).toEqual([
      'WECHAT_APPID',
    ])
  })

  it('rejects a secret of the wrong shape', () => {
    expect(variablesOf({ WECHAT_APPID: APPID, WECHAT_SECRET: 'not-a-secret' })).toEqual([
      'WECHAT_SECRET',
    ])
  })

  it('names the missing half of the website app pair', () => {
    expect(variablesOf({ WECHAT_WEB_APPID: WEB_APPID })).toEqual(['WECHAT_WEB_SECRET'])
    expect(variablesOf({ WECHAT_WEB_SECRET: WEB_SECRET })).toEqual(['WECHAT_WEB_APPID'])
  })

  it('configures the website app from its pair', () => {
    const config = loadConfig({
      WECHAT_APPID: APPID,
      WECHAT_SECRET: SECRET,
      WECHAT_WEB_APPID: WEB_APPID,
      WECHAT_WEB_SECRET: WEB_SECRET,
    })
    expect(config.web).toEqual({ appid: WEB_APPID, secret: WEB_SECRET })
  })

  it('leaves the website app off without its pair outside mock mode', () => {
    expect(loadConfig({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET }).web).toBeUndefined()
  })
})

describe('loadConfig: session', () => {
  it('requires SESSION_SECRET in production', () => {
    expect(
      variablesOf({ NODE_ENV: 'production', WECHAT_APPID: APPID, WECHAT_SECRET: SECRET }),
    ).toEqual(['SESSION_SECRET'])
  })

  it('rejects a SESSION_SECRET shorter than 32 bytes anywhere', () => {
    expect(variablesOf({ SESSION_SECRET: 'short' })).toEqual(['SESSION_SECRET'])
  })

  it('uses a SESSION_SECRET of 32 bytes', () => {
    const config = loadConfig({ SESSION_SECRET })
    expect(config.sessionSecret).toBe(SESSION_SECRET)
    expect(config.sessionSecretGenerated).toBe(false)
  })

  it('generates a random session secret per start in development', () => {
    const first = loadConfig({})
    const second = loadConfig({})
    expect(first.sessionSecretGenerated).toBe(true)
    expect(Buffer.from(first.sessionSecret, 'base64url')).toHaveLength(32)
    expect(first.sessionSecret).not.toBe(second.sessionSecret)
  })

  it('defaults the session lifetime to 7 days', () => {
    expect(loadConfig({}).sessionTtlSeconds).toBe(7 * 86400)
  })

  it.each([
    ['3600', 3600],
    ['90s', 90],
    ['30m', 1800],
    ['12h', 43200],
    ['7d', 604800],
    ['365d', 365 * 86400],
  ])('reads SESSION_TTL %s as %i seconds', (value, seconds) => {
    expect(loadConfig({ SESSION_TTL: value }).sessionTtlSeconds).toBe(seconds)
  })

  it.each(['59', '366d', '1w', '-5m', 'soon'])('rejects SESSION_TTL %s', (value) => {
    expect(variablesOf({ SESSION_TTL: value })).toEqual(['SESSION_TTL'])
  })

  it('does not ask WeChat on GET /session by default', () => {
    expect(loadConfig({}).sessionCheckWechat).toBe(false)
  })

  it.each([
    ['1', true],
    ['0', false],
  ])('reads SESSION_CHECK_WECHAT %s as %s', (value, on) => {
    expect(loadConfig({ SESSION_CHECK_WECHAT: value }).sessionCheckWechat).toBe(on)
  })

  it.each(['yes', 'true', '2'])('rejects SESSION_CHECK_WECHAT %s', (value) => {
    expect(variablesOf({ SESSION_CHECK_WECHAT: value })).toEqual(['SESSION_CHECK_WECHAT'])
  })
})

describe('loadConfig: other settings', () => {
  it('has documented defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      production: false,
      rateLimit: 600,
      sessionRateLimit: 10,
      wechatCacheSeconds: 30,
      port: 3000,
      mockPort: 3100,
      upstreamTimeoutMs: 5000,
      logLevel: 'info',
      trustProxy: false,
      allowedOrigins: [],
      memoryMaxRevocations: 1_000_000,
    })
    expect(config.redisUrl).toBeUndefined()
  })

  it('strips the trailing slash from the WeChat bases', () => {
    const config = loadConfig({
      WECHAT_API_BASE: 'http://127.0.0.1:3100/mock-wechat/',
      WECHAT_OPEN_BASE: 'https://open.example.test/',
    })
    expect(config.apiBase).toBe('http://127.0.0.1:3100/mock-wechat')
    expect(config.openBase).toBe('https://open.example.test')
  })

  it('rejects WeChat bases that are not http(s) URLs', () => {
    expect(variablesOf({ WECHAT_API_BASE: 'ftp://x.test', WECHAT_OPEN_BASE: 'not a url' })).toEqual(
      ['WECHAT_API_BASE', 'WECHAT_OPEN_BASE'],
    )
  })

  it('reads the allowed origins as a comma list', () => {
    expect(
      loadConfig({ ALLOWED_ORIGINS: 'https://a.test, http://localhost:5173' }).allowedOrigins,
    ).toEqual(['https://a.test', 'http://localhost:5173'])
  })

  it('rejects an allowed origin with a path', () => {
    expect(variablesOf({ ALLOWED_ORIGINS: 'https://a.test/app' })).toEqual(['ALLOWED_ORIGINS'])
  })

  it('reads MEMORY_MAX_REVOCATIONS', () => {
    expect(loadConfig({ MEMORY_MAX_REVOCATIONS: '5000' }).memoryMaxRevocations).toBe(5000)
  })

  it.each(['0', '16000001', '1e6'])('rejects MEMORY_MAX_REVOCATIONS %s', (value) => {
    expect(variablesOf({ MEMORY_MAX_REVOCATIONS: value })).toEqual(['MEMORY_MAX_REVOCATIONS'])
  })

  it.each([
    'PORT',
    'MOCK_PORT',
    'RATE_LIMIT',
    'SESSION_RATE_LIMIT',
    'WECHAT_CACHE_SECONDS',
    'WECHAT_TIMEOUT_MS',
  ])('rejects a non-number %s', (name) => {
    expect(variablesOf({ [name]: '12abc' })).toEqual([name])
  })

  it('reads SESSION_RATE_LIMIT and WECHAT_CACHE_SECONDS, 0 turning the cache off', () => {
    const config = loadConfig({ SESSION_RATE_LIMIT: '4', WECHAT_CACHE_SECONDS: '0' })
    expect(config).toMatchObject({ sessionRateLimit: 4, wechatCacheSeconds: 0 })
  })

  it('rejects a SESSION_RATE_LIMIT of 0 and a WECHAT_CACHE_SECONDS over 300', () => {
    expect(variablesOf({ SESSION_RATE_LIMIT: '0', WECHAT_CACHE_SECONDS: '301' })).toEqual([
      'SESSION_RATE_LIMIT',
      'WECHAT_CACHE_SECONDS',
    ])
  })

  it('rejects an unknown log level and accepts silent', () => {
    expect(variablesOf({ LOG_LEVEL: 'loud' })).toEqual(['LOG_LEVEL'])
    expect(loadConfig({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent')
  })

  it('rejects a REDIS_URL that is not a redis URL', () => {
    expect(variablesOf({ REDIS_URL: 'http://cache' })).toEqual(['REDIS_URL'])
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }).redisUrl).toBe('redis://cache:6379')
  })

  it.each([
    ['true', true],
    ['false', false],
    ['2', 2],
    ['loopback', 'loopback'],
  ])('reads TRUST_PROXY %s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected)
  })
})

describe('ConfigError', () => {
  it('lists every problem at once', () => {
    expect(
      variablesOf({ NODE_ENV: 'production', PORT: 'x', SESSION_TTL: 'x', LOG_LEVEL: 'x' }),
    ).toEqual(
      expect.arrayContaining([
        'WECHAT_APPID',
        'WECHAT_SECRET',
        'SESSION_SECRET',
        'PORT',
        'SESSION_TTL',
        'LOG_LEVEL',
      ]),
    )
  })

  it('names each variable in its message as VARIABLE: problem', () => {
    const message = messageOf({ WECHAT_APPID: APPID, SESSION_TTL: 'x' })
    expect(message).toMatch(/WECHAT_SECRET: /)
    expect(message).toMatch(/SESSION_TTL: /)
  })

  it('never contains the values it rejects', () => {
    const values = {
      WECHAT_APPID: 'wxSECRETLEAKappid',
      WECHAT_SECRET: 'leakysecretvalue',
      WECHAT_WEB_APPID: 'webLEAKappid',
      SESSION_SECRET: 'shortLEAKsession',
      SESSION_TTL: 'LEAKttl',
      WECHAT_API_BASE: 'LEAKbase',
      ALLOWED_ORIGINS: 'LEAKorigin',
      REDIS_URL: 'LEAKredis',
      PORT: 'LEAKport',
      LOG_LEVEL: 'LEAKlevel',
    }
    const message = messageOf(values)
    const problems = JSON.stringify(problemsOf(values))
    for (const value of Object.values(values)) {
      expect(message).not.toContain(value)
      expect(problems).not.toContain(value)
    }
  })
})

describe('publicConfig', () => {
  it('gives the browser the appids, the mock switch and the authorize base, never a secret', () => {
    const config = loadConfig({ WECHAT_MOCK: '1' })
    const result = publicConfig(config)
    expect(result).toEqual({
      appid: DEMO_MP_APP.appid,
      webAppid: DEMO_WEB_APP.appid,
      mock: true,
      authorizeBase: '/mock-wechat',
      jssdkScript: '/mock-wechat/open/js/jweixin-1.6.0.js',
    })
    expect(JSON.stringify(result)).not.toContain(config.mp.secret)
    expect(JSON.stringify(result)).not.toContain(config.sessionSecret)
  })

  it("names WeChat's JS-SDK script outside mock mode", () => {
    const config = loadConfig({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET })
    expect(publicConfig(config).jssdkScript).toBe('https://res.wx.qq.com/open/js/jweixin-1.6.0.js')
  })

  it("names the mock's stand-in on the mock's own origin when it is elsewhere", () => {
    const config = loadConfig({
      WECHAT_MOCK: '1',
      WECHAT_OPEN_BASE: 'http://127.0.0.1:3100/mock-wechat',
    })
    expect(publicConfig(config).jssdkScript).toBe(
      'http://127.0.0.1:3100/mock-wechat/open/js/jweixin-1.6.0.js',
    )
  })
})

describe('loadConfig: the JS-SDK', () => {
  it('fetches the stable basic token by default and the classic one when told to', () => {
    expect(loadConfig({}).tokenMode).toBe('stable')
    expect(loadConfig({ WECHAT_TOKEN_MODE: 'classic' }).tokenMode).toBe('classic')
  })

  it('rejects an unknown WECHAT_TOKEN_MODE', () => {
    expect(variablesOf({ WECHAT_TOKEN_MODE: 'central' })).toEqual(['WECHAT_TOKEN_MODE'])
  })

  it('signs for the hosts the proxy serves unless WECHAT_JSSDK_DOMAINS names them', () => {
    expect(loadConfig({}).jssdkDomains).toBeUndefined()
    expect(
      loadConfig({ WECHAT_JSSDK_DOMAINS: 'Shop.example.com, m.example.com' }).jssdkDomains,
    ).toEqual(['shop.example.com', 'm.example.com'])
  })

  it.each([
    'https://shop.example.com',
    'shop.example.com:8443',
    'shop.example.com/app',
    '*.example.com',
  ])('rejects %s in WECHAT_JSSDK_DOMAINS (hostnames only)', (value) => {
    expect(variablesOf({ WECHAT_JSSDK_DOMAINS: value })).toEqual(['WECHAT_JSSDK_DOMAINS'])
  })

  it("reads the mock's JS interface domains, localhost and 127.0.0.1 by default", () => {
    expect(loadConfig({}).mockJssdkDomains).toEqual(['localhost', '127.0.0.1'])
    expect(loadConfig({ MOCK_JSSDK_DOMAINS: 'dev.test' }).mockJssdkDomains).toEqual(['dev.test'])
    expect(variablesOf({ MOCK_JSSDK_DOMAINS: 'http://dev.test' })).toEqual(['MOCK_JSSDK_DOMAINS'])
  })

  it("reads the mock's IP whitelist, unset (any caller) by default", () => {
    expect(loadConfig({}).mockIpWhitelist).toBeUndefined()
    expect(loadConfig({ MOCK_IP_WHITELIST: '10.0.0.1, ::1' }).mockIpWhitelist).toEqual([
      '10.0.0.1',
      '::1',
    ])
    expect(variablesOf({ MOCK_IP_WHITELIST: '10.0.0.300' })).toEqual(['MOCK_IP_WHITELIST'])
  })
})

describe('mock mode, said at start-up', () => {
  const warnings = (env: Record<string, string | undefined>) => {
    let logs = ''
    const logger = createLogger({ logLevel: 'info' }, { write: (line) => void (logs += line) })
    createWechatProxy(loadConfig(env), { logger })
    return logs.split('\n').filter((line) => line.includes('mock WeChat on'))
  }

  it('says where logins go whenever the proxy uses the mock: WECHAT_MOCK=1 or no credentials in development', () => {
    for (const env of [
      { NODE_ENV: 'production', WECHAT_MOCK: '1', SESSION_SECRET },
      { NODE_ENV: 'development' },
    ]) {
      const lines = warnings(env)
      expect(lines, JSON.stringify(env)).toHaveLength(1)
      expect(JSON.parse(lines[0]!)).toMatchObject({ authorizeBase: '/mock-wechat' })
    }
  })

  it('says nothing of the mock with credentials', () => {
    const env = { WECHAT_APPID: APPID, WECHAT_SECRET: SECRET }
    expect(warnings(env)).toEqual([])
  })
})
