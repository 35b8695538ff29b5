/**
 * The proxy's HTTP API as JSON (docs/architecture.md, "The wire contract"): declared once, here, and
 * imported as types by the kit and by the proxy alike. Types only: nothing here reaches a bundle.
 * A change to a shape is a change to the public contract: the proxy, the kit, the docs and the
 * CHANGELOG move together.
 */

/** Which WeChat app a login used: the official account, or the website app (PC QR-code login). */
export type WechatApp = 'mp' | 'web'

/** The official account's scopes (oauth2/authorize). */
export type WechatScope = 'snsapi_base' | 'snsapi_userinfo'

/** A session's scope: an official-account scope, or the website app's `snsapi_login` (qrconnect). */
export type WechatSessionScope = WechatScope | 'snsapi_login'

/** The language of a profile's region fields (`GET /userinfo?lang=`). */
export type WechatLang = 'zh_CN' | 'zh_TW' | 'en'

/** The proxy's stable error codes. Apps and the kit branch on these, never on messages. */
export type ProxyErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'reauth_required'
  | 'code_invalid'
  | 'code_used'
  | 'code_expired'
  | 'wechat_misconfigured'
  | 'rate_limited'
  | 'not_found'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'internal_error'
  | 'url_not_allowed'

/** Every failure: `{"error": {...}}`, never a stack trace. */
export interface ErrorResponse {
  error: {
    code: ProxyErrorCode
    message: string
    /** WeChat's errcode, when the failure came from WeChat. */
    errcode?: number
  }
}

/** `GET /config`: what the browser may know (ids and switches, never a secret). */
export interface PublicConfig {
  /** The official account's appid. */
  appid: string
  /** The website app's appid, when PC QR-code login is configured. */
  webAppid?: string
  /** The mock WeChat is serving (development). */
  mock: boolean
  /** `https://open.weixin.qq.com`, or the mock's `/mock-wechat`; no trailing slash. */
  authorizeBase: string
  /**
   * The JS-SDK's script: `https://res.wx.qq.com/open/js/jweixin-1.6.0.js`, or the mock's stand-in
   * (`/mock-wechat/open/js/jweixin-1.6.0.js`) in mock mode. The pages' CSP allows exactly its origin.
   */
  jssdkScript: string
  /**
   * The relay this site logs in through (WECHAT_RELAY_URL): a proxy's `GET /relay` on one of the
   * official account's 网页授权域名. The kit then sends WeChat `relayUrl?to=<its callback URL>` as
   * `redirect_uri` (official-account logins only; docs/architecture.md#the-relay). Absent: none.
   */
  relayUrl?: string
}

/** `POST /openid` request body. */
export interface OpenidRequestBody {
  /** WeChat's code from the callback URL. */
  code: string
  /**
   * Accepted and checked for older kits, never read: the kit checks `state` itself, and the
   * verifier is what binds a code to its browser. Kits since 0.2 do not send it.
   * @deprecated
   */
  state?: string
  /** The pending login's secret: only the browser that sent it first may see the code's answer. */
  verifier?: string
  /** @default 'mp' */
  app?: WechatApp
}

/** `POST /openid` success. */
export interface OpenidResponse {
  openid: string
  unionid?: string
  scope: WechatSessionScope
  /** A snapshot-page (快照页) visitor: a virtual identity, to be treated as a guest. */
  snapshotUser: boolean
  /** The session JWT, for `Authorization: Bearer`. */
  session: string
  /** When `session` expires, ISO 8601: the same instant `GET /session` calls `expiresAt`. */
  sessionExpiresAt: string
}

/** `GET /session` success. */
export interface SessionResponse {
  openid: string
  unionid?: string
  scope: WechatSessionScope
  /** When the session expires, ISO 8601: `sessionExpiresAt` of the `POST /openid` that made it. */
  expiresAt: string
}

/** `GET /userinfo` success: WeChat's profile (sex is 0 and the region empty for everyone since 2021). */
export interface WechatProfile {
  openid: string
  nickname: string
  /** The last path segment is the size (0 = 640x640, 46, 64, 96, 132); empty without an avatar. */
  headimgurl: string
  sex: number
  province: string
  city: string
  country: string
  privilege: string[]
  unionid?: string
}

/** `POST /jssdk` request body: the page to sign `wx.config` for. */
export interface JssdkRequestBody {
  /**
   * The page's absolute http(s) URL, as the browser has it (at most 2,048 characters); anything from
   * `#` on is cut. Its host must be one the proxy signs for (`WECHAT_JSSDK_DOMAINS`, by default the
   * hosts it serves pages on), else `400 url_not_allowed`.
   */
  url: string
}

/** `POST /jssdk` success: the fields `wx.config` takes, plus the URL they are signed for. */
export interface JssdkResponse {
  /** The official account's appid. */
  appId: string
  /** Seconds since the epoch. */
  timestamp: number
  /** Random letters and digits. */
  nonceStr: string
  /** SHA-1, lower-case hex, of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`. */
  signature: string
  /** The URL signed: the request's `url` without its fragment. */
  url: string
}

/** `GET /healthz` success. */
export interface HealthResponse {
  ok: true
  store: string
}
