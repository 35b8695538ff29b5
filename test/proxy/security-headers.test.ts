import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, publicConfig } from '../../proxy/config.js'
import type { ProxyConfig } from '../../proxy/config.js'
import { createWechatApp } from '../../proxy/host/app.js'
import { createWechatProxy, securityHeaders } from '../../proxy/index.js'
import { get, login, post, setup, teardown } from './support.js'
import { listenOnLoopback } from '../helpers/net.js'
import type { Listening } from '../helpers/net.js'

/** The demo configuration (WECHAT_MOCK=1) each test overrides. */
const MOCK_CONFIG = loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent' })

let listening: Listening | undefined

afterEach(async () => {
  await listening?.close()
  listening = undefined
  await teardown()
})

/** The headers of `path` on `app`, served on a loopback port until the test ends or the next call. */
async function headersAt(app: express.Express, path: string): Promise<Headers> {
  await listening?.close()
  listening = await listenOnLoopback(app)
  return (await fetch(`${listening.origin}${path}`)).headers
}

/** The headers securityHeaders sets on a page of the SPA. */
async function pageHeaders(overrides: Partial<ProxyConfig> = {}): Promise<Headers> {
  const config = { ...MOCK_CONFIG, ...overrides }
  const app = express()
  app.use(securityHeaders(config))
  app.get('/', (_req, res) => void res.type('html').send('<!doctype html>'))
  return headersAt(app, '/')
}

/** The CSP as directive -> sources. */
async function csp(overrides: Partial<ProxyConfig> = {}): Promise<Record<string, string[]>> {
  const header = (await pageHeaders(overrides)).get('content-security-policy') ?? ''
  return Object.fromEntries(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  )
}

describe('securityHeaders: the CSP of the SPA', () => {
  it('runs only our own scripts, no inline script and no eval', async () => {
    const policy = await csp()
    expect(policy['script-src']).toEqual(["'self'"])
    expect(policy['script-src-attr']).toEqual(["'none'"])
    expect(policy['default-src']).toEqual(["'self'"])
  })

  it("allows inline styles for Vue's style bindings", async () => {
    expect((await csp())['style-src']).toEqual(["'self'", "'unsafe-inline'"])
  })

  it("allows WeChat's avatar hosts and data: images", async () => {
    expect((await csp())['img-src']).toEqual(
      expect.arrayContaining([
        "'self'",
        'data:',
        'https://thirdwx.qlogo.cn',
        'https://wx.qlogo.cn',
      ]),
    )
  })

  it("adds the mock's origin to images in mock mode only", async () => {
    const mockBase = 'http://127.0.0.1:3100/mock-wechat'
    expect((await csp({ mock: true, apiBase: mockBase }))['img-src']).toContain(
      'http://127.0.0.1:3100',
    )
    expect((await csp({ mock: false, apiBase: mockBase }))['img-src']).not.toContain(
      'http://127.0.0.1:3100',
    )
  })

  it("allows exactly the JS-SDK script's origin, WeChat's outside mock mode", async () => {
    const policy = await csp({ mock: false, openBase: 'https://open.weixin.qq.com' })
    expect(policy['script-src']).toEqual(["'self'", 'https://res.wx.qq.com'])
  })

  it("allows the mock's stand-in on the mock's origin, and nothing more on our own", async () => {
    const elsewhere = await csp({ mock: true, openBase: 'http://127.0.0.1:3100/mock-wechat' })
    expect(elsewhere['script-src']).toEqual(["'self'", 'http://127.0.0.1:3100'])
    const sameOrigin = await csp({ mock: true, openBase: '/mock-wechat' })
    expect(sameOrigin['script-src']).toEqual(["'self'"])
  })

  it("lets the page reach the mock's stand-in JS-SDK checks, in mock mode only", async () => {
    const mockElsewhere = { mock: true, openBase: 'http://127.0.0.1:3100/mock-wechat' }
    expect((await csp(mockElsewhere))['connect-src']).toEqual(["'self'", 'http://127.0.0.1:3100'])
    const real = { mock: false, openBase: 'https://open.weixin.qq.com' }
    expect((await csp(real))['connect-src']).toEqual(["'self'"])
  })

  it('allows the script named by GET /config, whatever the mode', async () => {
    for (const overrides of [
      { mock: false, openBase: 'https://open.weixin.qq.com' },
      { mock: true, openBase: 'http://127.0.0.1:3100/mock-wechat' },
    ]) {
      const config = { ...MOCK_CONFIG, ...overrides }
      const script = new URL(publicConfig(config).jssdkScript)
      expect((await csp(overrides))['script-src']).toContain(script.origin)
    }
  })

  it('lets the page connect to itself and the allowed origins', async () => {
    const policy = await csp({ allowedOrigins: ['https://api.example.com'] })
    expect(policy['connect-src']).toEqual(["'self'", 'https://api.example.com'])
  })

  it('forbids framing, plugins and foreign base URLs', async () => {
    const policy = await csp()
    expect(policy['frame-ancestors']).toEqual(["'none'"])
    expect(policy['object-src']).toEqual(["'none'"])
    expect(policy['base-uri']).toEqual(["'self'"])
  })

  it('frames exactly the configured open platform: WeChat, a mock on another origin, or none extra', async () => {
    const frames = async (overrides: Partial<ProxyConfig>) => (await csp(overrides))['frame-src']
    expect(await frames({ mock: false, openBase: 'https://open.weixin.qq.com' })).toEqual([
      "'self'",
      'https://open.weixin.qq.com',
    ])
    expect(await frames({ mock: true, openBase: 'http://127.0.0.1:3100/mock-wechat' })).toEqual([
      "'self'",
      'http://127.0.0.1:3100',
    ])
    expect(await frames({ mock: true, openBase: '/mock-wechat' })).toEqual(["'self'"])
  })

  it('lets forms go only to us and to WeChat', async () => {
    expect((await csp())['form-action']).toEqual(["'self'", 'https://open.weixin.qq.com'])
  })
})

describe('securityHeaders: other headers', () => {
  it('sends no Referer anywhere, so the code in the callback URL does not leak', async () => {
    expect((await pageHeaders()).get('referrer-policy')).toBe('no-referrer')
  })

  it('sends HSTS in production', async () => {
    const headers = await pageHeaders({ production: true })
    expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  })

  it('sends no HSTS in development', async () => {
    expect((await pageHeaders({ production: false })).get('strict-transport-security')).toBeNull()
  })

  it('sets nosniff', async () => {
    expect((await pageHeaders()).get('x-content-type-options')).toBe('nosniff')
  })
})

describe("the proxy's own answers", () => {
  it.each(['/config', '/session', '/nowhere'])(
    'carry nosniff and no-referrer: %s',
    async (path) => {
      const h = await setup()
      const r = await get(h, path)
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('referrer-policy')).toBe('no-referrer')
      expect(r.headers.get('cache-control')).toBe('no-store')
    },
  )
})

describe("the proxy's own answers: the fixed API set", () => {
  it.each(['/config', '/session', '/nowhere'])(
    'forbid any content and framing with CSP and stay same-origin resources: %s',
    async (path) => {
      const h = await setup()
      const r = await get(h, path)
      expect(r.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      )
      expect(r.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    },
  )

  it('are on the empty answer of a logout too', async () => {
    const h = await setup()
    const { session } = await login(h)
    const r = await post(h, '/logout', session)
    expect(r.status).toBe(204)
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('sends no ETag: an answer that is never cached needs no validator', async () => {
    const h = await setup()
    expect((await get(h, '/config')).headers.get('etag')).toBeNull()
  })
})

describe('createWechatApp: API answers and pages', () => {
  async function appHeaders(path: string, production: boolean): Promise<Headers> {
    const app = createWechatApp({ ...MOCK_CONFIG, production }, { securityHeaders: true })
    const page = (_req: unknown, res: express.Response) =>
      void res.type('html').send('<!doctype html>')
    app.get('/', page)
    app.get('/api/wechatx', page)
    return headersAt(app, path)
  }

  it("gives API answers the API's CSP, not the page's", async () => {
    const headers = await appHeaders('/api/wechat/config', false)
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    )
  })

  it('gives API answers HSTS in production', async () => {
    const headers = await appHeaders('/api/wechat/config', true)
    expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  })

  it('gives API answers the same HSTS as the pages, subdomains included', async () => {
    const api = (await appHeaders('/api/wechat/config', true)).get('strict-transport-security')
    const page = (await appHeaders('/', true)).get('strict-transport-security')
    expect(api).toBe('max-age=15552000; includeSubDomains')
    expect(api).toBe(page)
  })

  it('gives API answers no HSTS in development', async () => {
    const headers = await appHeaders('/api/wechat/config', false)
    expect(headers.get('strict-transport-security')).toBeNull()
  })

  it("still gives pages the SPA's CSP", async () => {
    const headers = await appHeaders('/', false)
    expect(headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it("gives a path that only starts like the API's the SPA's headers", async () => {
    const headers = await appHeaders('/api/wechatx', false)
    expect(headers.get('content-security-policy')).toContain("script-src 'self'")
  })
})

describe('the router mounted in an app with headers of its own', () => {
  /** The host sets its site policies, and a Cache-Control, on every answer before the router runs. */
  async function hostHeaders(): Promise<Headers> {
    const config = { ...MOCK_CONFIG, production: true }
    const app = express()
    app.use((_req, res, next) => {
      res.setHeader('Strict-Transport-Security', 'max-age=63072000; includeSubDomains; preload')
      res.setHeader('Content-Security-Policy', "default-src 'self'")
      res.setHeader('Cache-Control', 'public, max-age=600')
      next()
    })
    app.use('/api/wechat', createWechatProxy(config))
    return headersAt(app, '/api/wechat/config')
  }

  it("keeps the host's HSTS and CSP: they are its policy for the whole site", async () => {
    const headers = await hostHeaders()
    expect(headers.get('strict-transport-security')).toBe(
      'max-age=63072000; includeSubDomains; preload',
    )
    expect(headers.get('content-security-policy')).toBe("default-src 'self'")
  })

  it('still never lets an answer be cached', async () => {
    expect((await hostHeaders()).get('cache-control')).toBe('no-store')
  })
})
