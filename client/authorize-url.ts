export type WechatScope = 'snsapi_base' | 'snsapi_userinfo'

export interface AuthorizeUrlParams {
  /** `https://open.weixin.qq.com`, or a same-origin base such as `/mock-wechat`. */
  authorizeBase: string
  appid: string
  /** The page WeChat returns to; encoded here exactly once. */
  redirectUri: string
  scope: WechatScope
  state: string
}

/**
 * WeChat matches this URL with a regex: the parameter order is fixed and `#wechat_redirect` is
 * required (WECHAT.md). String concatenation keeps both exact; URLSearchParams would encode spaces
 * and reserved characters differently.
 */
export function buildAuthorizeUrl({
  authorizeBase,
  appid,
  redirectUri,
  scope,
  state,
}: AuthorizeUrlParams): string {
  return (
    `${authorizeBase.replace(/\/$/, '')}/connect/oauth2/authorize` +
    `?appid=${appid}` +
    `&redirect_uri=${encodeURIComponent(redirectUri)}` +
    `&response_type=code&scope=${scope}&state=${state}` +
    // connect_redirect=1 keeps Android WeChat from delivering the callback twice.
    '&connect_redirect=1#wechat_redirect'
  )
}
