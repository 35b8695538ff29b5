import type { ProxyErrorCode } from './wire'

/**
 * Stable codes of every error the kit reports. Apps branch on these, never on messages (which are
 * terse on purpose: the code is the contract). The proxy's codes (ProxyErrorCode, in
 * docs/architecture.md) pass through unchanged; the others are the kit's own:
 * - `state_mismatch`: no longer reported. A callback whose state this tab did not save (unknown,
 *   expired, already used: a link that travelled, docs/wechat.md#shared-links) is ignored and never
 *   exchanged; the code stays in this type for apps that still branch on it
 * - `access_denied`: the user refused consent (WeChat came back with a state and no code)
 * - `network_error`: the proxy could not be reached or did not answer JSON
 * - `config_error`: no appid or authorize base, or the kit is not installed correctly
 * - `login_loop`: two trips to WeChat within a minute came back without a session; the kit stops
 *   instead of going a third time (`login()` tries again). Also before any trip in a tab without
 *   sessionStorage, which could neither count its trips nor keep the login they come back to
 * - `outside_wechat`: no login is possible here (a phone browser, WeCom, a desktop without the
 *   website app): the page should say to open it in WeChat; the kit never goes to WeChat from here
 * - `jssdk_config_failed` (`wechat-h5-auth/jssdk`): WeChat's script did not load, or `wx.config`
 *   failed: the message is WeChat's errMsg (`config:invalid signature`, `config:invalid url
 *   domain`, `config:permission denied`), and `cause` WeChat's whole answer
 * - `jssdk_call_failed` (`wechat-h5-auth/jssdk`): a JS-SDK call (a share setting) failed: the
 *   message is WeChat's errMsg, `cause` its answer
 */
export type WechatAuthErrorCode =
  | ProxyErrorCode
  | 'state_mismatch'
  | 'access_denied'
  | 'network_error'
  | 'config_error'
  | 'login_loop'
  | 'outside_wechat'
  | 'jssdk_config_failed'
  | 'jssdk_call_failed'

export class WechatAuthError extends Error {
  declare readonly code: WechatAuthErrorCode
  /** HTTP status of the proxy's answer, when there was one. */
  declare readonly status?: number
  /** WeChat's errcode, when the proxy reported one. */
  declare readonly errcode?: number

  constructor(
    code: WechatAuthErrorCode,
    message: string = code,
    options?: { status?: number; errcode?: number; cause?: unknown },
  ) {
    super(message, options)
    Object.assign(this, options, { code, name: 'WechatAuthError' })
  }
}
