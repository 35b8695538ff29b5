import type { AxiosInstance } from 'axios'

/** A route's WeChat requirement: `'base'` (openid, silent), `'userinfo'` (consent page), `false` (none). */
export type WechatAuthRequirement = 'base' | 'userinfo' | false

declare module 'vue-router' {
  interface RouteMeta {
    /** This route's requirement; routes without it get `defaultAuth`. */
    wechatAuth?: WechatAuthRequirement
  }
}

/** The parts of `window` the kit touches; injectable so tests and SSR never use the real one. */
export interface WechatAuthWindow {
  location: { readonly href: string; replace(url: string): void }
  history: {
    readonly state: unknown
    replaceState(data: unknown, unused: string, url?: string | null): void
  }
  /** Holds the session cache; in memory when absent or unusable (private mode, full). */
  localStorage?: Storage
  /** Holds the pending login, the loop breaker's trips and the config; in memory when unusable. */
  sessionStorage?: Storage
  /** Decides the login mode (see detectEnvironment); none reads as a desktop. */
  navigator?: { readonly userAgent: string }
}

export interface WechatAuthOptions {
  /** Where the token proxy is mounted. @default '/api/wechat' */
  proxyBase?: string
  /** The official account's appid. @default the proxy's `GET /config` */
  appid?: string
  /** `https://open.weixin.qq.com` or the mock's `/mock-wechat`. @default the proxy's `GET /config` */
  authorizeBase?: string
  /**
   * The relay on an authorized domain that official-account logins come back through
   * (`WECHAT_RELAY_URL`; docs/architecture.md#the-relay). @default the proxy's `GET /config` (only
   * read when `appid` or `authorizeBase` is not given)
   */
  relayUrl?: string
  /**
   * The website app's appid, for PC QR-code login. @default the proxy's `GET /config` (only read
   * when `appid` or `authorizeBase` is not given)
   */
  webAppid?: string
  /**
   * PC QR-code login on desktop browsers and PC WeChat, when there is a website app: `'redirect'`,
   * the guard goes to WeChat's QR page; `'embedded'`, the guard lets the page render and the page
   * shows `<WechatQrLogin>` (from `wechat-h5-auth/qr-login`); `false`, off (status `error`,
   * `outside_wechat`). @default 'redirect'
   */
  pcLogin?: 'redirect' | 'embedded' | false
  /** The requirement of routes without `meta.wechatAuth`. @default 'base' */
  defaultAuth?: WechatAuthRequirement
  /** The page, its user agent and its storages (tests and SSR inject their own). @default globalThis.window */
  window?: WechatAuthWindow
  /** @default Date.now */
  now?: () => number
  /** The axios instance for proxy calls. @default axios.create() */
  http?: AxiosInstance
  /** Timeout of each proxy call. @default 15000 */
  timeoutMs?: number
}
