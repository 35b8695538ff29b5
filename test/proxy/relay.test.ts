/**
 * The relay past WeChat's two 网页授权域名 (`GET /relay`, WECHAT_RELAY_ORIGINS), over a real loopback
 * port: only exact allowed origins ever get a redirect, WeChat's code and state land where WeChat
 * puts them, and nothing of the query reaches the log. Also the configuration of both sides
 * (WECHAT_RELAY_ORIGINS, WECHAT_RELAY_URL) and `GET /config`'s `relayUrl`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, publicConfig } from '../../proxy/config.js'
import { builtForAnother } from '../../proxy/host/page-scripts.js'
import { createLogger } from '../../proxy/logger.js'
import { configProblems } from '../helpers/config.js'
import { startProxy, type RunningProxy } from '../helpers/proxy-server.js'

const ALLOWED = ['https://a.example.com', 'http://127.0.0.1:8080']
const CODE = '061AbCdE2xYz3w0Qr1F4Gh5Ij6Kl7Mn'
const STATE = 'f'.repeat(64)
const APPID = 'wx0123456789abcdef'
const SECRET = '0123456789abcdef0123456789abcdef'
const PRODUCTION = {
  NODE_ENV: 'production',
  WECHAT_APPID: APPID,
  WECHAT_SECRET: SECRET,
  SESSION_SECRET: 's'.repeat(32),
}

let running: RunningProxy[] = []
let logs = ''

afterEach(async () => {
  await Promise.all(running.map((proxy) => proxy.close()))
  running = []
  logs = ''
})

async function relayProxy(relayOrigins: string[] | null = ALLOWED): Promise<RunningProxy> {
  // Nothing of the relay calls WeChat: the mock is never reached.
  const logger = createLogger({ logLevel: 'trace' }, { write: (line) => void (logs += line) })
  const proxy = await startProxy(
    { apiBase: 'http://127.0.0.1:9', relayOrigins: relayOrigins ?? undefined },
    { logger },
  )
  running.push(proxy)
  return proxy
}

/** GET /relay with `query` as written (not re-encoded), never following a redirect. */
async function relay(proxy: RunningProxy, query: string): Promise<Response> {
  return fetch(`${proxy.baseUrl}/relay?${query}`, {
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  })
}

const to = (url: string) => `to=${encodeURIComponent(url)}`

describe('GET /relay forwards to allowed origins', () => {
  it.each([
    // history router, with the site's own parameters kept in order
    [
      'https://a.example.com/shop/item?id=7&from=singlemessage',
      'https://a.example.com/shop/item?id=7&from=singlemessage&code=C&state=S',
    ],
    // hash router: before the fragment, which keeps its route and its own query
    ['https://a.example.com/#/orders?tab=2', 'https://a.example.com/?code=C&state=S#/orders?tab=2'],
    ['https://a.example.com/app/?v=1#/me', 'https://a.example.com/app/?v=1&code=C&state=S#/me'],
    // a trailing ? or & gets no second separator
    ['https://a.example.com/p?', 'https://a.example.com/p?code=C&state=S'],
    ['https://a.example.com/p?x=1&', 'https://a.example.com/p?x=1&code=C&state=S'],
    // a plain-http loopback origin with its port (development)
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/?code=C&state=S'],
  ])('%s', async (target, expected) => {
    const proxy = await relayProxy()
    const res = await relay(proxy, `${to(target)}&code=${CODE}&state=${STATE}`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(
      expected.replace('code=C', `code=${CODE}`).replace('state=S', `state=${STATE}`),
    )
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('passes state alone on a denial (no code, or an empty one)', async () => {
    const proxy = await relayProxy()
    for (const extra of ['', '&code=']) {
      const res = await relay(proxy, `${to('https://a.example.com/#/me')}${extra}&state=${STATE}`)
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe(`https://a.example.com/?state=${STATE}#/me`)
    }
  })

  it('passes an empty state on (WeChat sends `state=` when the authorize URL had none)', async () => {
    const proxy = await relayProxy()
    const res = await relay(proxy, `${to('https://a.example.com/')}&code=${CODE}&state=`)
    expect(res.headers.get('location')).toBe(`https://a.example.com/?code=${CODE}&state=`)
  })

  it('logs neither the code, the state nor the target', async () => {
    const proxy = await relayProxy()
    await relay(proxy, `${to('https://a.example.com/secret-path')}&code=${CODE}&state=${STATE}`)
    await relay(proxy, `${to('https://evil.example/x')}&code=${CODE}&state=${STATE}`)
    // The request lines are written when the answers finish: wait for the second.
    for (let i = 0; i < 100 && logs.split('"msg":"request"').length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(logs).toContain('"path":"/api/wechat/relay"')
    expect(logs).toContain('relay refused a request')
    for (const secret of [CODE, STATE, 'secret-path', 'evil.example']) {
      expect(logs).not.toContain(secret)
    }
  })
})

describe('GET /relay refuses everything else with a page, never a redirect', () => {
  const hostile: [string, string][] = [
    ['another host', to('https://evil.com/')],
    ['a look-alike suffix', to('https://a.example.com.evil.com/')],
    ['a look-alike prefix', to('https://evil-a.example.com/')],
    ['a parent domain', to('https://example.com/')],
    ['a sub-domain', to('https://x.a.example.com/')],
    ['credentials before the host', to('https://user@a.example.com/')],
    ['credentials with a password', to('https://user:pw@a.example.com/')],
    ['the allowed host as credentials', to('https://a.example.com@evil.com/')],
    ['the allowed host as credentials with a port', to('https://a.example.com:443@evil.com/')],
    ['protocol-relative', to('//evil.com/')],
    ['protocol-relative to the allowed host', to('//a.example.com/')],
    ['a relative path', to('/path')],
    ['javascript:', to('javascript:alert(document.domain)//https://a.example.com/')],
    ['data:', to('data:text/html,<script>alert(1)</script>')],
    ['another port', to('https://a.example.com:8443/')],
    ['the default port written out', to('https://a.example.com:443/')],
    ['another port of an allowed loopback origin', to('http://127.0.0.1:8081/')],
    ['http instead of https', to('http://a.example.com/')],
    ['https instead of http', to('https://127.0.0.1:8080/')],
    ['another scheme', to('ftp://a.example.com/')],
    ['an upper-case host', to('https://A.EXAMPLE.COM/')],
    ['no path after the origin', to('https://a.example.com')],
    ['the origin followed by something else', to('https://a.example.com.')],
    ['a backslash', to('https://a.example.com\\@evil.com/')],
    ['backslashes as slashes', to('https:\\\\evil.com\\')],
    ['a tab in the scheme', to('ht\ttps://a.example.com/')],
    ['a line break', to('https://a.example.com/\r\nSet-Cookie: x=1')],
    ['a space', to(' https://a.example.com/')],
    ['non-ASCII', to('https://a.example.com/页面')],
    ['a full-width dot', to('https://a.example\u3002com/')],
    ['an encoded scheme (decoded once only)', to('https%3A%2F%2Fa.example.com%2F')],
    ['an encoded @ in the authority', to('https://a.example.com%40evil.com/')],
    ['a target that carries a code', to('https://a.example.com/?code=planted')],
    ['a target that carries a state', to('https://a.example.com/?x=1&state=planted')],
    ['an overlong target', to(`https://a.example.com/${'a'.repeat(2048)}`)],
    ['no target', ''],
    ['an empty target', 'to='],
    ['two targets', `${to('https://a.example.com/')}&${to('https://evil.com/')}`],
    [
      'two targets, the allowed one last',
      `${to('https://evil.com/')}&${to('https://a.example.com/')}`,
    ],
    ['a target written as an array', `to[]=${encodeURIComponent('https://a.example.com/')}`],
  ]

  it.each(hostile)('%s', async (_name, query) => {
    const proxy = await relayProxy()
    const res = await relay(proxy, `${query}${query ? '&' : ''}code=${CODE}&state=${STATE}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-/,
    )
    expect(res.headers.get('cache-control')).toBe('no-store')
    const page = await res.text()
    expect(page).toContain('登录链接无效')
    expect(page).toMatch(/data-reason="(bad_request|bad_target|origin_not_allowed)"/)
    // The page repeats nothing from the request.
    expect(page).not.toContain(CODE)
    expect(page).not.toContain('evil')
  })

  it.each([
    ['no state', `${to('https://a.example.com/')}&code=${CODE}`],
    ['two codes', `${to('https://a.example.com/')}&code=${CODE}&code=other&state=${STATE}`],
    ['two states', `${to('https://a.example.com/')}&code=${CODE}&state=${STATE}&state=x`],
    ['a code with other characters', `${to('https://a.example.com/')}&code=a%26b&state=${STATE}`],
    ['a state with other characters', `${to('https://a.example.com/')}&code=${CODE}&state=a%23b`],
    ['an overlong state', `${to('https://a.example.com/')}&code=${CODE}&state=${'a'.repeat(129)}`],
  ])('%s', async (_name, query) => {
    const proxy = await relayProxy()
    const res = await relay(proxy, query)
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('data-reason="bad_request"')
  })

  it('is not there without WECHAT_RELAY_ORIGINS (the API 404)', async () => {
    const proxy = await relayProxy(null)
    const res = await relay(proxy, `${to('https://a.example.com/')}&code=${CODE}&state=${STATE}`)
    expect(res.status).toBe(404)
    expect(res.headers.get('location')).toBeNull()
  })
})

describe('relay configuration', () => {
  it('reads exact origins and the relay URL, and names the URL in GET /config', () => {
    const relay = loadConfig({
      WECHAT_RELAY_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
    })
    expect(relay.relayOrigins).toEqual(['https://a.example.com', 'https://b.example.com:8443'])
    expect(publicConfig(relay).relayUrl).toBeUndefined()
    const site = loadConfig({ WECHAT_RELAY_URL: 'https://auth.example.com/api/wechat/relay' })
    expect(site.relayUrl).toBe('https://auth.example.com/api/wechat/relay')
    expect(publicConfig(site).relayUrl).toBe('https://auth.example.com/api/wechat/relay')
  })

  it('answers relayUrl in GET /config', async () => {
    const proxy = await startProxy({
      apiBase: 'http://127.0.0.1:9',
      relayUrl: 'http://127.0.0.1:1/api/wechat/relay',
    })
    running.push(proxy)
    const res = await fetch(`${proxy.baseUrl}/config`)
    expect(((await res.json()) as { relayUrl?: string }).relayUrl).toBe(
      'http://127.0.0.1:1/api/wechat/relay',
    )
  })

  it.each([
    'https://a.example.com/',
    'https://a.example.com/path',
    'https://*.example.com',
    '*',
    'a.example.com',
    'https://A.example.com',
    'https://a.example.com:443',
    'https://user@a.example.com',
    'javascript:alert(1)',
    ',',
  ])('refuses WECHAT_RELAY_ORIGINS=%s', (value) => {
    expect(configProblems({ WECHAT_RELAY_ORIGINS: value })).toEqual(['WECHAT_RELAY_ORIGINS'])
  })

  it.each([
    '/api/wechat/relay',
    'auth.example.com/api/wechat/relay',
    'https://auth.example.com/api/wechat/relay?x=1',
    'https://auth.example.com/api/wechat/relay#x',
    'https://user@auth.example.com/api/wechat/relay',
    'https://AUTH.example.com/api/wechat/relay',
    'ftp://auth.example.com/relay',
  ])('refuses WECHAT_RELAY_URL=%s', (value) => {
    expect(configProblems({ WECHAT_RELAY_URL: value })).toEqual(['WECHAT_RELAY_URL'])
  })

  it('wants https in production, except on loopback or against the mock', () => {
    expect(
      configProblems({
        ...PRODUCTION,
        WECHAT_RELAY_URL: 'http://auth.example.com/api/wechat/relay',
      }),
    ).toEqual(['WECHAT_RELAY_URL'])
    expect(configProblems({ ...PRODUCTION, WECHAT_RELAY_ORIGINS: 'http://a.example.com' })).toEqual(
      ['WECHAT_RELAY_ORIGINS'],
    )
    expect(
      configProblems({
        ...PRODUCTION,
        WECHAT_RELAY_URL: 'http://127.0.0.1:3000/api/wechat/relay',
        WECHAT_RELAY_ORIGINS: 'http://localhost:5173,http://127.0.0.1:3000',
      }),
    ).toEqual([])
    expect(
      configProblems({
        NODE_ENV: 'production',
        WECHAT_MOCK: '1',
        WECHAT_RELAY_URL: 'http://dev.test/api/wechat/relay',
      }),
    ).toEqual([])
    // Outside production any http host will do (a LAN test machine).
    expect(configProblems({ WECHAT_RELAY_URL: 'http://dev.test/api/wechat/relay' })).toEqual([])
  })

  it('takes both on one proxy only when the relay is its own (its origin is allowed)', () => {
    const own = {
      WECHAT_RELAY_ORIGINS: 'https://auth.example.com,https://b.example.com',
      WECHAT_RELAY_URL: 'https://auth.example.com/api/wechat/relay',
    }
    expect(configProblems(own)).toEqual([])
    expect(
      configProblems({ ...own, WECHAT_RELAY_URL: 'https://other.example.com/api/wechat/relay' }),
    ).toEqual(['WECHAT_RELAY_URL'])
  })
})

describe('a build whose pre-boot script names a relay', () => {
  const served = { appid: APPID, authorizeBase: 'https://open.weixin.qq.com' }
  const relayUrl = 'https://auth.example.com/api/wechat/relay'

  it('is served only by a proxy with the same WECHAT_RELAY_URL', () => {
    const built = (extra: object = {}) => ({ scriptHashes: [], built: { ...served, ...extra } })
    expect(builtForAnother(built({ relayUrl }), { ...served, relayUrl })).toBeUndefined()
    expect(builtForAnother(built(), served)).toBeUndefined()
    expect(builtForAnother(built({ relayUrl }), served)).toMatch(/WECHAT_RELAY_URL/)
    expect(builtForAnother(built(), { ...served, relayUrl })).toMatch(/WECHAT_RELAY_URL/)
    expect(builtForAnother(built({ relayUrl }), { ...served, relayUrl: `${relayUrl}2` })).toMatch(
      /WECHAT_RELAY_URL/,
    )
  })
})
