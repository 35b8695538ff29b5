import express from 'express'
import type { Logger } from 'pino'
import type { ProxyConfig } from '../config.js'
import { createWechatProxy } from '../http/router.js'
import type { WechatProxyRouter } from '../http/router.js'
import { securityHeaders } from './page-headers.js'
import type { RedisConnection, Store } from '../store/index.js'
import { createMockWechat, DEMO_MP_APP, DEMO_WEB_APP, type MockApp } from '../mock-wechat/index.js'

/** Where the proxy and the mock are mounted; part of the public contract (docs/architecture.md#the-http-api). */
export const PROXY_PATH = '/api/wechat'
export const MOCK_PATH = '/mock-wechat'

/** The apps the mock WeChat accepts: exactly the credentials the proxy is configured with. */
export function mockAppsOf(config: ProxyConfig): MockApp[] {
  // The demo apps keep their display names; configured credentials are shown by appid.
  const named = (app: MockApp): MockApp => {
    const demo = [DEMO_MP_APP, DEMO_WEB_APP].find((d) => d.appid === app.appid)
    return demo?.name ? { ...app, name: demo.name } : app
  }
  const apps: MockApp[] = [named({ ...config.mp, kind: 'mp' })]
  if (config.web) apps.push(named({ ...config.web, kind: 'web' }))
  return apps
}

/**
 * The mock WeChat for exactly this configuration (its apps, including the website app `GET /config`
 * offers desktop visitors, its authorization and JS-SDK domains, its IP whitelist), to be mounted at
 * MOCK_PATH whenever `config.mock` is true: the same rule the proxy follows when it sends logins there.
 */
export function createMockWechatRouter(config: ProxyConfig): express.Router {
  return createMockWechat({
    apps: mockAppsOf(config),
    domains: config.mockDomains,
    jssdkDomains: config.mockJssdkDomains,
    ...(config.mockIpWhitelist ? { ipWhitelist: config.mockIpWhitelist } : {}),
  }).router
}

/**
 * The proxy (and, with WECHAT_MOCK=1, the mock WeChat) as one Express app without static files.
 * Both `npm start` (server.ts) and `npm run dev` (the Vite plugin) mount exactly this. With
 * `config.redis` the store and the rate limit are in Redis (shared by every instance), else in
 * memory; `deps.redis` is the client to use then (default: one made from the URL).
 */
export function createWechatApp(
  config: ProxyConfig,
  deps: {
    logger?: Logger
    securityHeaders?: boolean
    scriptHashes?: string[]
    redis?: RedisConnection
    /** The store, instead of the one `config` selects (createWechatProxy's `store`). */
    store?: Store
  } = {},
): express.Express & Pick<WechatProxyRouter, 'close' | 'ready'> {
  const { securityHeaders: pageHeaders, scriptHashes, ...proxyDeps } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.trustProxy)
  if (pageHeaders) {
    // The built SPA's pages. The proxy's JSON answers carry their own fixed set (apiHeaders, HSTS
    // included in production); the mock's pages bring their own (WeChat's are not ours to set).
    const headers = securityHeaders(config, scriptHashes)
    app.use((req, res, next) => {
      const { path } = req
      const api = path === PROXY_PATH || path.startsWith(`${PROXY_PATH}/`)
      if (api || path.startsWith(MOCK_PATH)) next()
      else headers(req, res, next)
    })
  }
  const proxy = createWechatProxy(config, proxyDeps)
  app.use(PROXY_PATH, proxy)
  if (config.mock) app.use(MOCK_PATH, createMockWechatRouter(config))
  // The proxy's store, awaited before listening and closed in a graceful stop (server.ts).
  return Object.assign(app, { close: proxy.close, ready: proxy.ready })
}
