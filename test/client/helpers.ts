import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { createMemoryHistory, createRouter, type RouteRecordRaw } from 'vue-router'
import { vi } from 'vitest'
import {
  createWechatAuth,
  createWechatAuthGuard,
  useWechatAuthStore,
  type WechatAuthOptions,
  type WechatAuthWindow,
} from '../../client/index'
import type { Gate } from '../helpers/gate'
import { UA } from './user-agents'

export const ORIGIN = 'https://h5.example.com'
export const APPID = 'wx1234567890abcdef'
/** The website app (open platform), for PC QR-code login. */
export const WEB_APPID = 'wxweb0000000000001'
export const NOW = Date.UTC(2025, 0, 1)

/** An app with nothing to render: the guard and the composable need an app, not a DOM. */
export const blankApp = () => createApp({ render: () => null })

/** A Web Storage backed by a Map, standing in for localStorage/sessionStorage in Node. */
export function memoryStorage(): Storage {
  const map = new Map<string, string>()
  return {
    get length() {
      return map.size
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
  }
}

/** Every observable effect, in the order it happened. */
export type Event =
  | { type: 'replaceState'; url: string }
  | { type: 'request'; method: string; url: string; data: unknown; authorization?: string }

/** `keepHref`: replaceState leaves location.href as it was (as if the URL could not be rewritten). */
export function fakeWindow(href: string, events: Event[], keepHref = false) {
  const win = {
    location: { href, replace: vi.fn<(url: string) => void>() },
    history: {
      state: { router: 'state' } as unknown,
      replaceState: vi.fn((_data: unknown, _unused: string, url?: string | null) => {
        events.push({ type: 'replaceState', url: String(url) })
        if (url && !keepHref) win.location.href = new URL(url, win.location.href).href
      }),
    },
  } satisfies WechatAuthWindow
  return win
}

export type Reply = { status: number; data: unknown }

/**
 * An axios instance whose adapter records calls and answers from `reply`: in a later task, as a
 * network answer arrives, or once `gate` is open.
 */
export function fakeProxy(
  events: Event[],
  reply: (config: InternalAxiosRequestConfig) => Reply,
  gate?: Gate,
) {
  return axios.create({
    adapter: async (config) => {
      const data: unknown = typeof config.data === 'string' ? JSON.parse(config.data) : config.data
      const authorization = config.headers.get('Authorization')
      events.push({
        type: 'request',
        method: config.method ?? '',
        url: config.url ?? '',
        data,
        ...(typeof authorization === 'string' ? { authorization } : {}),
      })
      await (gate ? gate.pass() : new Promise((r) => setTimeout(r)))
      const { status, data: body } = reply(config)
      const response: AxiosResponse = {
        status,
        statusText: String(status),
        data: body,
        headers: new AxiosHeaders(),
        config,
      }
      if (status >= 400) throw new AxiosError('failed', 'ERR_BAD_RESPONSE', config, null, response)
      return response
    },
  })
}

export const okExchange = (extra: object = {}): Reply => ({
  status: 200,
  data: {
    openid: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0',
    scope: 'snsapi_base',
    snapshotUser: false,
    session: 'header.payload.signature',
    sessionExpiresAt: new Date(NOW + 7 * 24 * 3600 * 1000).toISOString(),
    ...extra,
  },
})

/** A proxy error answer. */
export const proxyError = (status: number, code: string): Reply => ({
  status,
  data: { error: { code, message: code } },
})

/** Answers by path (the part of the URL after the proxy base, query included); 404 otherwise. */
export const byPath =
  (replies: Record<string, () => Reply>) =>
  (config: InternalAxiosRequestConfig): Reply =>
    replies[(config.url ?? '').replace('/api/wechat', '')]?.() ?? proxyError(404, 'not_found')

export const routes: RouteRecordRaw[] = [
  { path: '/', component: {} },
  { path: '/orders', component: {} },
  { path: '/profile', component: {}, meta: { wechatAuth: 'userinfo' } },
  { path: '/public', component: {}, meta: { wechatAuth: false } },
]

export interface Env {
  local: Storage
  session: Storage
  events: Event[]
  now: () => number
}

export function createEnv(): Env {
  return { local: memoryStorage(), session: memoryStorage(), events: [], now: () => NOW }
}

/** A page's window in `env`: the env's storages, and a user agent (WeChat on an iPhone by default). */
export function envWindow(
  env: Env,
  href: string,
  userAgent: string = UA.wechatIos,
  keepHref = false,
) {
  return {
    ...fakeWindow(href, env.events, keepHref),
    navigator: { userAgent },
    localStorage: env.local,
    sessionStorage: env.session,
  }
}

/** How a test page is set up; every field has a default. */
export interface PageOptions {
  /** The fake proxy's answer. @default okExchange() */
  reply?: (c: InternalAxiosRequestConfig) => Reply
  /** Holds the fake proxy's answers until the test opens it (test/helpers/gate.ts). */
  gate?: Gate
  /** The memory history's base (`'/#'` for a hash router). */
  base?: string
  /** Over the kit's options the pages share (APPID, WeChat's authorize base, the env's clock). */
  options?: WechatAuthOptions
  keepHref?: boolean
  /** @default WeChat on an iPhone: the official-account flow */
  userAgent?: string
}

/** The kit's plugin on `win` as the test pages install it: the env's clock and a fake proxy. */
export const wechatAuthPlugin = (
  env: Env,
  win: WechatAuthWindow,
  { reply = () => okExchange(), gate, options = {} }: PageOptions = {},
) =>
  createWechatAuth({
    appid: APPID,
    authorizeBase: 'https://open.weixin.qq.com',
    window: win,
    now: env.now,
    http: fakeProxy(env.events, reply, gate),
    ...options,
  })

/**
 * One page load: a fresh app, pinia and memory-history router sharing the env's storage (as a real
 * reload or a return from WeChat would), with a fake window at `href` and a fake proxy.
 */
export function loadPage(env: Env, href: string, page: PageOptions = {}) {
  const win = envWindow(env, href, page.userAgent, page.keepHref)
  const pinia = createPinia()
  const router = createRouter({ history: createMemoryHistory(page.base), routes })
  router.beforeEach(createWechatAuthGuard())
  const app = blankApp()
  app.use(pinia)
  app.use(wechatAuthPlugin(env, win, page))
  app.use(router)
  const store = useWechatAuthStore(pinia)
  const requests = () => env.events.filter((e) => e.type === 'request')
  return { app, win, router, store, requests }
}

/** The URL the page was sent to (WeChat's), or '' when it stayed. */
export const tripUrl = ({ win }: Pick<ReturnType<typeof loadPage>, 'win'>): string =>
  win.location.replace.mock.calls[0]?.[0] ?? ''

/** The `state` of the authorize URL the page was sent to. */
export function stateOf(authorizeUrl: string): string {
  const state = /[?&]state=([^&#]*)/.exec(authorizeUrl)?.[1]
  if (!state) throw new Error(`no state in ${authorizeUrl}`)
  return state
}

export const PENDING_KEY = 'wechat-h5-auth:v1:pending'
export const SESSION_KEY = `wechat-h5-auth:v1:session:${APPID}`

/** The pending login this tab holds, if it is the one saved for `state`. */
export function pendingLogin(env: Env, state: string): Record<string, unknown> | undefined {
  const login = JSON.parse(env.session.getItem(PENDING_KEY) ?? 'null') as Record<string, unknown>
  return login?.state === state ? login : undefined
}

/** Saves a pending login as if this tab had gone to WeChat with `state`. */
export function savePending(env: Env, login: { state: string; route: string; scope: string }) {
  env.session.setItem(PENDING_KEY, JSON.stringify({ verifier: 'V1', createdAt: NOW, ...login }))
}

/** Caches a session as a previous login in this browser would have. */
export function saveSession(env: Env, scope = 'snsapi_base', extra: object = {}) {
  env.local.setItem(
    SESSION_KEY,
    JSON.stringify({
      openid: 'oCached0000000000000000000000',
      scope,
      app: 'mp',
      session: 'x.y.z',
      expiresAt: NOW + 60_000,
      ...extra,
    }),
  )
}
