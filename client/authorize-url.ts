import type { WechatScope } from './wire'

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
}

/**
 * WeChat matches these URLs with a regex: the parameter order is fixed and `#wechat_redirect` is
 * required (docs/wechat.md). String concatenation keeps both exact; URLSearchParams would encode spaces
 * and reserved characters differently. `web`: the website app's full-page `qrconnect` (scope
 * `snsapi_login`, `scope` ignored), else the official account's `oauth2/authorize`, where
 * `connect_redirect=1` keeps Android WeChat from delivering the callback twice. Positional, for the
 * kit's flow; apps use the two builders below.
 */
export const buildUrl = (
  web: boolean,
  authorizeBase: string,
  appid: string,
  redirectUri: string,
  scope: string,
  state: string,
) =>
  `${authorizeBase.replace(/\/$/, '')}/connect/${web ? 'qrconnect' : 'oauth2/authorize'}` +
  `?appid=${appid}` +
  `&redirect_uri=${encodeURIComponent(redirectUri)}` +
  `&response_type=code&scope=${web ? 'snsapi_login' : scope}` +
  `&state=${state}${web ? '' : '&connect_redirect=1'}#wechat_redirect`

/** The official account's `oauth2/authorize` URL (inside WeChat). */
export const buildAuthorizeUrl = ({
  authorizeBase,
  appid,
  redirectUri,
  scope,
  state,
}: AuthorizeUrlParams): string => buildUrl(false, authorizeBase, appid, redirectUri, scope, state)

/** The website app's full-page `qrconnect` URL (PC QR-code login, scope `snsapi_login`). */
export const buildQrconnectUrl = ({
  authorizeBase,
  appid,
  redirectUri,
  state,
}: QrconnectUrlParams): string => buildUrl(true, authorizeBase, appid, redirectUri, '', state)
