import type { WechatApp, WechatScope } from './wire'

// Declared with the proxy's API; exported here too, for `wechat-h5-auth/helpers`.
export type { WechatScope, WechatSessionScope } from './wire'

export interface QrconnectUrlParams {
  /** `https://open.weixin.qq.com`, or a same-origin base such as `/mock-wechat`. */
  authorizeBase: string
  appid: string
  /** The page WeChat returns to; encoded here exactly once. */
  redirectUri: string
  state: string
}

export interface AuthorizeUrlParams extends QrconnectUrlParams {
  scope: WechatScope
  /**
   * The relay on one of the official account's 网页授权域名 (`WECHAT_RELAY_URL`,
   * docs/architecture.md#the-relay): WeChat then returns to `relayUrl?to=<redirectUri>`, and the
   * relay sends the code and state on to `redirectUri`.
   */
  relayUrl?: string
}

/** The login URL of either app, for the kit's flow (apps use the two builders below). */
export interface LoginUrlParams extends QrconnectUrlParams {
  /** The app: `web`, the website app's `qrconnect`; `mp`, the official account's `oauth2/authorize`. */
  app: WechatApp
  /** The official account's scope; the website app's is always `snsapi_login`. */
  scope?: WechatScope
  /**
   * The official account's relay (see AuthorizeUrlParams). Never for the website app, whose
   * callback domain (授权回调域) is a setting of its own.
   */
  relayUrl?: string
}

/**
 * WeChat matches these URLs with a regex: the parameter order is fixed and `#wechat_redirect` is
 * required (docs/wechat.md). String concatenation keeps both exact; URLSearchParams would encode
 * spaces and reserved characters differently. On `oauth2/authorize`, `connect_redirect=1` keeps
 * Android WeChat from delivering the callback twice.
 */
export function buildLoginUrl({
  app,
  authorizeBase,
  appid,
  redirectUri,
  relayUrl,
  scope,
  state,
}: LoginUrlParams): string {
  const web = app == 'web'
  // WeChat comes back to the relay, which sends the code and state on to the page.
  if (relayUrl && !web) redirectUri = `${relayUrl}?to=${encodeURIComponent(redirectUri)}`
  return (
    `${authorizeBase.replace(/\/$/, '')}/connect/${web ? 'qrconnect' : 'oauth2/authorize'}` +
    `?appid=${appid}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}` +
    `&response_type=code&scope=${web ? 'snsapi_login' : scope}` +
    `&state=${state}${web ? '' : '&connect_redirect=1'}#wechat_redirect`
  )
}

/** The official account's `oauth2/authorize` URL (inside WeChat). */
export const buildAuthorizeUrl = (params: AuthorizeUrlParams): string =>
  buildLoginUrl({ ...params, app: 'mp' })

/** The website app's full-page `qrconnect` URL (PC QR-code login, scope `snsapi_login`). */
export const buildQrconnectUrl = (params: QrconnectUrlParams): string =>
  buildLoginUrl({ ...params, app: 'web' })
