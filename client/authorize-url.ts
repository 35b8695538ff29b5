/** The official account's scopes (oauth2/authorize). */
export type WechatScope = 'snsapi_base' | 'snsapi_userinfo'
/** A session's scope: an official-account scope, or the website app's `snsapi_login` (qrconnect). */
export type WechatSessionScope = WechatScope | 'snsapi_login'

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
 * required (WECHAT.md). String concatenation keeps both exact; URLSearchParams would encode spaces
 * and reserved characters differently.
 */
const build = (
  path: string,
  { authorizeBase, appid, redirectUri, state }: QrconnectUrlParams,
  scope: string,
  tail = '',
) =>
  `${authorizeBase.replace(/\/$/, '')}/connect/${path}` +
  `?appid=${appid}` +
  `&redirect_uri=${encodeURIComponent(redirectUri)}` +
  `&response_type=code&scope=${scope}&state=${state}${tail}#wechat_redirect`

/** The official account's `oauth2/authorize` URL (inside WeChat). */
export const buildAuthorizeUrl = (params: AuthorizeUrlParams): string =>
  // connect_redirect=1 keeps Android WeChat from delivering the callback twice.
  build('oauth2/authorize', params, params.scope, '&connect_redirect=1')

/** The website app's full-page `qrconnect` URL (PC QR-code login, scope `snsapi_login`). */
export const buildQrconnectUrl = (params: QrconnectUrlParams): string =>
  build('qrconnect', params, 'snsapi_login')
