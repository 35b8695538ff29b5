/** The proxy's stable error codes (DESIGN.md), passed through unchanged. */
export type ProxyErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'reauth_required'
  | 'code_invalid'
  | 'code_used'
  | 'code_expired'
  | 'wechat_misconfigured'
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'not_found'
  | 'internal_error'

/**
 * Stable codes of every error the kit reports. Apps branch on these, never on messages (which are
 * terse on purpose: the code is the contract).
 * - `state_mismatch`: the callback's state is unknown, expired or already used (possible CSRF)
 * - `access_denied`: the user refused consent (WeChat came back with a state and no code)
 * - `network_error`: the proxy could not be reached or did not answer JSON
 * - `config_error`: no appid or authorize base, or the kit is not installed correctly
 */
export type WechatAuthErrorCode =
  ProxyErrorCode | 'state_mismatch' | 'access_denied' | 'network_error' | 'config_error'

export class WechatAuthError extends Error {
  override readonly name = 'WechatAuthError'
  /** HTTP status of the proxy's answer, when there was one. */
  readonly status: number | undefined
  /** WeChat's errcode, when the proxy reported one. */
  readonly errcode: number | undefined

  constructor(
    readonly code: WechatAuthErrorCode,
    message: string = code,
    options: { status?: number; errcode?: number; cause?: unknown } = {},
  ) {
    super(message, options)
    this.status = options.status
    this.errcode = options.errcode
  }
}
