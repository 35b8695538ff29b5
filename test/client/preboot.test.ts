import { runInNewContext } from 'node:vm'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { prebootScript, type PrebootOptions } from '../../proxy/host/vite-plugin'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/demo-apps'
import { detectEnvironment } from '../../client/detect'
import {
  PENDING_KEY,
  createEnv,
  loadPage,
  memoryStorage,
  okExchange,
  savePending,
  type Env,
} from './helpers'
import { UA } from './user-agents'

const APPID = DEMO_MP_APP.appid
const NOW = 1_750_000_000_000
const KEY = 'wechat-h5-auth:v1:'

/** The helpers' Web Storage fake, seeded with JSON entries. */
function seeded(entries: Record<string, unknown> = {}): Storage {
  const storage = memoryStorage()
  for (const [key, value] of Object.entries(entries)) storage.setItem(key, JSON.stringify(value))
  return storage
}

interface Visit {
  href?: string
  userAgent?: string
  local?: Record<string, unknown>
  tab?: Record<string, unknown>
  options?: PrebootOptions
  base?: string
  /** The build's environment. @default { WECHAT_MOCK: '1' } */
  env?: Record<string, string>
}

/** Runs the exact script the plugin inlines against a fake page; returns where it went and what it kept. */
function visit({
  href = 'https://h5.example.com/orders?id=7#top',
  userAgent = UA.wechatIos,
  local = {},
  tab = {},
  options = {},
  base = '/',
  env = { WECHAT_MOCK: '1' },
}: Visit = {}) {
  const { script } = prebootScript(env, base, options)
  const url = new URL(href)
  const replaced: string[] = []
  let stopped = false
  const sessionStorage = seeded(tab)
  const fetched: {
    url: string
    init: { method: string; body: string; referrerPolicy?: string }
  }[] = []
  const page: Record<string, unknown> = {
    fetch: (to: string, init: { method: string; body: string }) => {
      fetched.push({ url: to, init })
      return Promise.resolve({
        ok: true,
        status: 200,
        json: () => Promise.resolve({ openid: 'o' }),
      })
    },
    URLSearchParams,
    AbortSignal,
  }
  page.window = page
  runInNewContext(
    script,
    Object.assign(page, {
      location: {
        href,
        pathname: url.pathname,
        search: url.search,
        hash: url.hash,
        replace: (to: string) => replaced.push(to),
      },
      navigator: { userAgent },
      localStorage: seeded(local),
      sessionStorage,
      crypto: globalThis.crypto,
      stop: () => (stopped = true),
      Date: { now: () => NOW },
    }),
  )
  const read = (key: string): unknown => JSON.parse(sessionStorage.getItem(KEY + key) ?? 'null')
  const handoff = page.__wechatAuthExchange as Record<string, Promise<unknown>> | undefined
  return { to: replaced[0], trips: replaced.length, stopped, read, fetched, handoff }
}

const session = (fields: Record<string, unknown> = {}) => ({
  [`${KEY}session:${APPID}`]: {
    openid: 'o'.repeat(28),
    scope: 'snsapi_base',
    app: 'mp',
    session: 'jwt',
    expiresAt: NOW + 60_000,
    ...fields,
  },
})

describe('the pre-boot script', () => {
  it("sends a WeChat visitor without a session to WeChat's authorize URL in the kit's exact format", () => {
    const { to, read } = visit()
    const pending = read('pending') as { state: string }
    expect(to).toBe(
      `/mock-wechat/connect/oauth2/authorize?appid=${APPID}` +
        `&redirect_uri=${encodeURIComponent('https://h5.example.com/orders?id=7#top')}` +
        `&response_type=code&scope=snsapi_base&state=${pending?.state}` +
        '&connect_redirect=1#wechat_redirect',
    )
  })

  it('saves a pending login as the kit does: 64-hex state and verifier, route, scope, time', () => {
    const { read } = visit()
    expect(read('pending')).toEqual({
      route: '/orders?id=7#top',
      scope: 'snsapi_base',
      app: 'mp',
      state: expect.stringMatching(/^[0-9a-f]{64}$/),
      verifier: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: NOW,
    })
    const p = read('pending') as { state: string; verifier: string }
    expect(p.state).not.toBe(p.verifier)
  })

  it("replaces the tab's older pending login, as the kit does", () => {
    const other = { state: 'a'.repeat(64), verifier: 'b'.repeat(64), route: '/', createdAt: NOW }
    const { read, to } = visit({ tab: { [`${KEY}pending`]: other } })
    expect(read('pending')).toMatchObject({ route: '/orders?id=7#top' })
    expect(to).toContain(`&state=${(read('pending') as { state: string }).state}&`)
  })

  it('counts the trip for the loop breaker', () => {
    expect(visit({ tab: { [`${KEY}trips`]: [NOW - 90_000, NOW - 1000] } }).read('trips')).toEqual([
      NOW - 1000,
      NOW,
    ])
  })

  it("caches the proxy's public config for the tab, as the kit does", () => {
    expect(visit().read('config')).toEqual({
      appid: APPID,
      mock: true,
      authorizeBase: '/mock-wechat',
      webAppid: expect.any(String),
      // The JS-SDK entry reads its script from this cache too.
      jssdkScript: '/mock-wechat/open/js/jweixin-1.6.0.js',
    })
  })

  it('stops the page so the app scripts already asked for are not downloaded', () => {
    expect(visit().stopped).toBe(true)
  })

  it('leaves a visitor with an unexpired session for this appid where they are', () => {
    expect(visit({ local: session() }).trips).toBe(0)
  })

  it('caches the config for a visitor it leaves where they are: the kit then starts without a call', async () => {
    const held = session({ session: 'header.payload.signature' })
    const { read, trips } = visit({ local: held, href: 'https://h5.example.com/' })
    expect(trips).toBe(0)
    expect(read('config')).toMatchObject({ appid: APPID, authorizeBase: '/mock-wechat' })
    // The kit on that page, in a new tab (only what the pre-boot cached), options without an appid.
    const env = createEnv()
    env.session.setItem(`${KEY}config`, JSON.stringify(read('config')))
    env.local.setItem(`${KEY}session:${APPID}`, JSON.stringify(held[`${KEY}session:${APPID}`]))
    env.now = () => NOW
    const page = loadPage(env, 'https://h5.example.com/', {
      options: { appid: undefined, authorizeBase: undefined },
    })
    await page.router.push('/')
    expect(page.requests()).toEqual([])
    expect(page.store.status).toBe('authenticated')
  })

  /**
   * The kit's page back from WeChat with the code of a login this tab started; `sent`, what the
   * pre-boot left for it. Resolves once the guard has run.
   */
  async function backFromWechat(env: Env, sent?: Record<string, Promise<unknown>>) {
    savePending(env, { state: 'S1', route: '/', scope: 'snsapi_base' })
    const expiry = new Date(NOW + 60_000).toISOString()
    const page = loadPage(env, 'https://h5.example.com/?code=C1&state=S1', {
      options: { appid: APPID },
      reply: () => okExchange({ sessionExpiresAt: expiry }),
    })
    if (sent) (page.win as unknown as Record<string, unknown>).__wechatAuthExchange = sent
    await page.router.push('/?code=C1&state=S1')
    return page
  }

  it('leaves a visitor with the session the kit cached after a login where they are', async () => {
    const env = createEnv()
    await backFromWechat(env)
    const key = `${KEY}session:${APPID}`
    const cached: unknown = JSON.parse(env.local.getItem(key) ?? 'null')
    expect(cached).toMatchObject({ session: expect.any(String) })
    expect(visit({ local: { [key]: cached } }).trips).toBe(0)
  })

  it('takes the answer of the exchange the pre-boot sent, sending none of its own', async () => {
    const answer = okExchange({ sessionExpiresAt: new Date(NOW + 60_000).toISOString() })
    const page = await backFromWechat(createEnv(), { C1: Promise.resolve(answer) })
    expect(page.requests()).toEqual([])
    expect(page.store.status).toBe('authenticated')
  })

  it("sends the exchange itself when the pre-boot's failed (no network, a wrong proxyBase)", async () => {
    const failed = Promise.reject(new TypeError('Failed to fetch'))
    failed.catch(() => {})
    const page = await backFromWechat(createEnv(), { C1: failed })
    expect(page.requests()).toMatchObject([{ url: '/api/wechat/openid', data: { code: 'C1' } }])
    expect(page.store.status).toBe('authenticated')
  })

  it('sends its own exchange when the pre-boot sent another code', async () => {
    const other = Promise.reject(new Error('not this one'))
    other.catch(() => {})
    const page = await backFromWechat(createEnv(), { C0: other })
    expect(page.requests()).toMatchObject([{ url: '/api/wechat/openid', data: { code: 'C1' } }])
  })

  it('saves a pending login the kit completes when WeChat comes back', async () => {
    const pending = visit().read('pending') as { state: string; verifier: string }
    const env: Env = createEnv()
    env.session.setItem(PENDING_KEY, JSON.stringify(pending))
    const back = `/orders?id=7&code=C1&state=${pending.state}#top`
    const page = loadPage(env, `https://h5.example.com${back}`, { options: { appid: APPID } })
    await page.router.push(back)
    expect(page.requests()).toMatchObject([
      { url: '/api/wechat/openid', data: { code: 'C1', verifier: pending.verifier } },
    ])
    expect(page.store.status).toBe('authenticated')
  })

  it.each([
    ['no session string', { session: 42 }],
    ['no openid', { openid: undefined }],
    ['an unknown scope', { scope: 'snsapi_privateinfo' }],
    ['a snapshot identity', { snapshotUser: true }],
  ])('goes when the cached entry has %s, as the kit would refuse it', (_name, fields) => {
    expect(visit({ local: session(fields) }).trips).toBe(1)
  })

  it('goes when the cached session has expired or belongs to another appid', () => {
    expect(visit({ local: session({ expiresAt: NOW }) }).trips).toBe(1)
    const other = { [`${KEY}session:wx0000000000000000`]: session()[`${KEY}session:${APPID}`] }
    expect(visit({ local: other }).trips).toBe(1)
  })

  it('goes for a profile scope when only a base session is cached', () => {
    const { to } = visit({ local: session(), options: { scope: 'snsapi_userinfo' } })
    expect(to).toContain('&scope=snsapi_userinfo&')
  })

  it.each([
    ['a callback in the query', 'https://h5.example.com/?code=abc&state=def'],
    ['a callback in the hash', 'https://h5.example.com/#/x?code=abc&state=def'],
  ])('leaves %s to the kit', (_name, href) => {
    expect(visit({ href }).trips).toBe(0)
  })

  it.each(Object.entries(UA))(
    'goes from %s exactly when the kit would log in with the official account there',
    (_name, userAgent) => {
      const kitGoes = /^(wechat|miniprogram)$/.test(detectEnvironment(userAgent))
      expect(visit({ userAgent }).trips).toBe(kitGoes ? 1 : 0)
    },
  )

  describe("on WeChat's callback: the early exchange", () => {
    const pending = (fields: Record<string, unknown> = {}) => ({
      [`${KEY}pending`]: {
        state: 'S1',
        verifier: 'V1',
        route: '/',
        createdAt: NOW - 1000,
        ...fields,
      },
    })
    const callback = 'https://h5.example.com/orders?id=7&code=C1&state=S1'

    it("sends the code and this tab's verifier to the proxy at once, for the kit to take over", async () => {
      const { fetched, handoff, trips } = visit({ href: callback, tab: pending() })
      expect(trips).toBe(0)
      expect(fetched).toHaveLength(1)
      expect(fetched[0]!.url).toBe('/api/wechat/openid')
      expect(fetched[0]!.init.method).toBe('POST')
      expect(JSON.parse(fetched[0]!.init.body)).toEqual({ code: 'C1', verifier: 'V1', app: 'mp' })
      // Keyed by the code, shaped as axios answers.
      expect(Object.keys(handoff ?? {})).toEqual(['C1'])
      await expect(handoff!.C1).resolves.toEqual({ data: { openid: 'o' } })
    })

    it('sends WeChat back through the relay when the build names one (WECHAT_RELAY_URL)', () => {
      const relay = 'https://auth.example.com/api/wechat/relay'
      const { to, read } = visit({ env: { WECHAT_MOCK: '1', WECHAT_RELAY_URL: relay } })
      const pending = read('pending') as { state: string }
      const page = 'https://h5.example.com/orders?id=7#top'
      expect(to).toBe(
        `/mock-wechat/connect/oauth2/authorize?appid=${APPID}` +
          `&redirect_uri=${encodeURIComponent(`${relay}?to=${encodeURIComponent(page)}`)}` +
          `&response_type=code&scope=snsapi_base&state=${pending.state}` +
          '&connect_redirect=1#wechat_redirect',
      )
    })

    it('calls the proxy where the app mounts it (proxyBase)', () => {
      const options = { proxyBase: '/wx/' }
      expect(visit({ href: callback, tab: pending(), options }).fetched[0]!.url).toBe('/wx/openid')
    })

    it.each([
      ['a state this tab did not save', pending({ state: 'S2' })],
      ['an expired pending login', pending({ createdAt: NOW - 11 * 60_000 })],
      ['no pending login', {}],
      ['a code this tab exchanged already', { ...pending(), [`${KEY}code`]: 'C1' }],
    ])('sends nothing for %s (the kit ignores it)', (_name, tab) => {
      const { fetched, handoff, trips } = visit({ href: callback, tab })
      expect([fetched.length, handoff, trips]).toEqual([0, undefined, 0])
    })

    it('sends a code other than the one this tab exchanged last', () => {
      const tab = { ...pending(), [`${KEY}code`]: 'C0' }
      expect(visit({ href: callback, tab }).fetched).toHaveLength(1)
    })

    it('sends nothing for a denial (a state without a code)', () => {
      const href = 'https://h5.example.com/orders?state=S1'
      expect(visit({ href, tab: pending() }).fetched).toEqual([])
    })

    it('asks for no Referer: the code is still in the address bar', () => {
      const { fetched } = visit({ href: callback, tab: pending() })
      expect(fetched[0]!.init).toMatchObject({ referrerPolicy: 'no-referrer' })
    })
  })

  it('leaves excluded paths and the pages under them, but not paths that only share a prefix', () => {
    const options = { exclude: ['/public/', '/login'] }
    const at = (path: string) => visit({ href: `https://h5.example.com${path}`, options }).trips
    expect([at('/public'), at('/public/faq'), at('/login?x=1')]).toEqual([0, 0, 0])
    expect(at('/publications')).toBe(1)
  })

  it('routes within the app under a base path, and leaves pages outside it', () => {
    const inApp = visit({ href: 'https://h5.example.com/shop/cart?a=1', base: '/shop/' })
    expect((inApp.read('pending') as { route: string }).route).toBe('/cart?a=1')
    expect(visit({ href: 'https://h5.example.com/other', base: '/shop/' }).trips).toBe(0)
  })

  it('leaves the third trip within a minute to the loop breaker of the kit', () => {
    expect(visit({ tab: { [`${KEY}trips`]: [NOW - 2000, NOW - 1000] } }).trips).toBe(0)
  })

  it('does nothing when storage is unreadable', () => {
    const { trips } = visit({ tab: { [`${KEY}trips`]: { not: 'a list' } } })
    expect(trips).toBe(0)
  })
})

describe('prebootScript', () => {
  it('stays a small inline script (about 1.2 KB gzip: the redirect and the early exchange)', () => {
    expect(prebootScript({ WECHAT_MOCK: '1' }, '/').script.length).toBeLessThan(2400)
  })

  it("gives the script's CSP hash", () => {
    const { script, hash } = prebootScript({ WECHAT_MOCK: '1' }, '/')
    expect(hash).toBe(`sha256-${createHash('sha256').update(script).digest('base64')}`)
  })

  it('builds for production from the appid alone, and puts no secret in the page', () => {
    const secret = 'feedfacecafebeef0123456789abcdef'
    const env = {
      NODE_ENV: 'production',
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_SECRET: secret,
      SESSION_SECRET: 'build-env-session-secret-0123456789-abcdefghij',
    }
    const { script } = prebootScript(env, '/')
    expect(script).toContain('wx0123456789abcdef')
    expect(script).toContain('https://open.weixin.qq.com')
    expect(script).not.toContain(secret)
    expect(script).not.toContain(env.SESSION_SECRET)
    expect(
      prebootScript({ NODE_ENV: 'production', WECHAT_APPID: env.WECHAT_APPID }, '/').script,
    ).toBe(script)
    // The session key file is the running proxy's: a build machine without it builds the same page.
    expect(
      prebootScript(
        { ...env, SESSION_SECRET: '', SESSION_JWKS_FILE: '/nonexistent/session-keys.json' },
        '/',
      ).script,
    ).toBe(script)
  })

  it('refuses a production build without an appid', () => {
    expect(() => prebootScript({ NODE_ENV: 'production' }, '/')).toThrow(/WECHAT_APPID/)
  })

  it('refuses a relative base and an exclude that is not a path', () => {
    expect(() => prebootScript({ WECHAT_MOCK: '1' }, './')).toThrow(/base/)
    expect(() => prebootScript({ WECHAT_MOCK: '1' }, '/', { exclude: ['public'] })).toThrow(
      /exclude/,
    )
  })
})
