import express from 'express'
import type { Router } from 'express'
import { createAuthorizeRouter } from './authorize.js'
import { createAvatarRouter } from './avatars.js'
import { createCgiRouter } from './cgi.js'
import { createControlRouter } from './control.js'
import { createBasicControlRouter } from './control-basic.js'
import { DEMO_OAUTH_DOMAINS } from './demo-apps.js'
import type { MockApp } from './demo-apps.js'
import { createJssdkRouter } from './jssdk.js'
import { createQrconnectRouter } from './qrconnect.js'
import { createSnsRouter } from './sns.js'
import { MockState } from './state.js'

export { DEMO_MP_APP, DEMO_WEB_APP, DEMO_OAUTH_DOMAINS } from './demo-apps.js'
export type { MockApp } from './demo-apps.js'
export {
  AVATAR_SIZES,
  TEST_USERS,
  avatarIdFor,
  findUser,
  openidFor,
  snapshotOpenidFor,
  snapshotUnionidFor,
  unionidFor,
} from './users.js'
export { withQrconnectParams } from './qrconnect-params.js'
export {
  BASIC_TOKEN_LIFETIME_S,
  CLASSIC_GRACE_S,
  DEFAULT_DAILY_QUOTAS,
  FORCE_REFRESH_GAP_S,
  JSAPI_TICKET_LIFETIME_S,
  RENEW_BEFORE_S,
} from './basic-tokens.js'
export type { DailyQuotas } from './basic-tokens.js'
export { normalizeIp } from './caller-ip.js'
export { SHARE_APIS } from './jssdk-records.js'
export type { ShareApi, ShareRecord } from './jssdk-records.js'
export { ACCESS_TOKEN_LIFETIME_S, CODE_LIFETIME_S, REFRESH_TOKEN_LIFETIME_S } from './state.js'
export type {
  ApiEndpoint,
  ApiFaultMode,
  AuthorizeFaultMode,
  FaultEndpoint,
  FaultMode,
  PageEndpoint,
  Scope,
} from './state.js'
export type { TestUser } from './users.js'

export interface MockWechatOptions {
  /** The apps (appid + secret + kind) the mock knows. */
  apps: MockApp[]
  /** The configured "网页授权域名": hostnames only; the port of a redirect_uri is ignored. */
  domains: string[]
  /** Millisecond clock. @default Date.now — the control `clock` adds an offset on top. */
  now?: () => number
  /**
   * The JS接口安全域名 (docs/wechat.md#signature): hostnames a `wx.config` URL may have.
   * @default ['localhost', '127.0.0.1']
   */
  jssdkDomains?: string[]
  /**
   * The IP白名单 of `/cgi-bin/*`: other callers get 40164 naming their IP. IPv4 or IPv6;
   * `::ffff:1.2.3.4` and `1.2.3.4` are the same. @default undefined — every caller is allowed.
   */
  ipWhitelist?: string[]
}

export interface MockWechat {
  /** Mount it at `/mock-wechat`: `app.use('/mock-wechat', mock.router)`. */
  router: Router
  /**
   * Forgets codes, tokens (basic ones and tickets too), counters, faults, the clock offset, an
   * armed snapshot visit, recorded shares, and unionid binding, quota and IP whitelist overrides
   * (like POST /__control/reset).
   */
  reset(): void
}

/** A local stand-in for WeChat's web-authorization endpoints (open.weixin.qq.com + api.weixin.qq.com). */
export function createMockWechat(options: MockWechatOptions): MockWechat {
  const { apps, domains, now = Date.now, ipWhitelist } = options
  const { jssdkDomains = [...DEMO_OAUTH_DOMAINS] } = options
  const state = new MockState(now)
  state.basic.configure(ipWhitelist)
  const router = express.Router()
  router.use(createAuthorizeRouter({ state, apps, domains }))
  router.use(createQrconnectRouter({ state, apps, domains }))
  router.use(createAvatarRouter())
  router.use(createSnsRouter({ state, apps }))
  router.use(createCgiRouter({ state, apps }))
  router.use(createControlRouter({ state, apps }))
  router.use(createBasicControlRouter({ state, apps }))
  router.use(createJssdkRouter({ state, apps, jssdkDomains }))
  return { router, reset: () => state.reset() }
}
