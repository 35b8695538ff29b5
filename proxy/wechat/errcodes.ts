import { ProxyError } from '../errors.js'
import type { ProxyErrorCode } from '../errors.js'

interface ErrcodeRule {
  code: ProxyErrorCode
  /** For setup faults: the setting the operator has to fix. */
  setting?: string
  message: string
  /** The access_token was refused: refresh it once and retry once before giving up. */
  refreshable?: boolean
}

/**
 * The ONE table from WeChat errcodes to our codes. Decided by errcode only: errmsg carries a request id
 * whose format WeChat changes over time (docs/wechat.md#errcodes), so matching on it breaks silently.
 */
const ERRCODES: Record<number, ErrcodeRule> = {
  [-1]: { code: 'upstream_unavailable', message: 'WeChat is busy, try again' },
  40029: { code: 'code_invalid', message: 'WeChat does not know this code' },
  40163: { code: 'code_used', message: 'This code was already exchanged' },
  42003: { code: 'code_expired', message: 'This code has expired' },
  41008: { code: 'invalid_request', message: 'WeChat says the code is missing' },
  45011: { code: 'rate_limited', message: 'WeChat API quota reached, try again later' },
  40013: { code: 'wechat_misconfigured', setting: 'WECHAT_APPID', message: 'WeChat rejected' },
  40125: { code: 'wechat_misconfigured', setting: 'WECHAT_SECRET', message: 'WeChat rejected' },
  40164: {
    code: 'wechat_misconfigured',
    setting: 'the IP whitelist',
    message: 'WeChat rejected the server address; check',
  },
  10003: {
    code: 'wechat_misconfigured',
    setting: 'the web authorization domain',
    message: 'WeChat rejected',
  },
  // Access-token failures: the token custody refreshes and retries once; they only surface (as
  // reauth_required) when they persist after that refresh.
  40001: { code: 'reauth_required', message: 'WeChat refused the access token', refreshable: true },
  40014: { code: 'reauth_required', message: 'WeChat refused the access token', refreshable: true },
  42001: { code: 'reauth_required', message: 'The access token expired', refreshable: true },
  40030: { code: 'reauth_required', message: 'WeChat refused the refresh token' },
  42002: { code: 'reauth_required', message: 'The refresh token expired' },
  48001: { code: 'reauth_required', message: 'WeChat refused the API call for this user' },
  50001: { code: 'reauth_required', message: 'The user has not authorized this app' },
}

/**
 * Maps a WeChat errcode to a ProxyError. `settings` renames the settings of a setup fault for the app
 * that made the call (e.g. WECHAT_WEB_SECRET for the website app).
 */
export function errorFromErrcode(
  errcode: number,
  settings: { appid: string; secret: string } = { appid: 'WECHAT_APPID', secret: 'WECHAT_SECRET' },
): ProxyError {
  const rule = ERRCODES[errcode]
  if (!rule)
    return new ProxyError('upstream_error', `WeChat answered errcode ${errcode}`, { errcode })
  if (rule.code !== 'wechat_misconfigured')
    return new ProxyError(rule.code, rule.message, { errcode })
  const setting =
    rule.setting === 'WECHAT_APPID'
      ? settings.appid
      : rule.setting === 'WECHAT_SECRET'
        ? settings.secret
        : rule.setting
  return new ProxyError('wechat_misconfigured', `${rule.message} ${setting} (${errcode})`, {
    errcode,
  })
}

/** True for an error WeChat gave because of the access_token itself (40001, 40014, 42001). */
export function isRefreshable(error: unknown): boolean {
  return (
    error instanceof ProxyError &&
    error.errcode !== undefined &&
    ERRCODES[error.errcode]?.refreshable === true
  )
}
