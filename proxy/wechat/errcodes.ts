import { isIP } from 'node:net'
import { ProxyError } from '../errors.js'
import type { ProxyErrorCode } from '../errors.js'

/**
 * What kind of call met the errcode; a few errcodes mean something else per kind:
 * - `user`: a call with a user's web-authorization tokens (`/sns/*`);
 * - `basic`: a call made with the basic access_token (`/cgi-bin/ticket/getticket`);
 * - `token`: a fetch of the basic access_token itself (`/cgi-bin/token`, `/cgi-bin/stable_token`).
 */
export type WechatCall = 'user' | 'basic' | 'token'

interface ErrcodeRule {
  code: ProxyErrorCode
  /** For setup faults: the setting the operator has to fix. */
  setting?: string
  message: string
  /** The access_token was refused: fetch another once and retry once before giving up. */
  refreshable?: boolean
  /** The message from WeChat's errmsg, for the errcodes whose errmsg names what to fix. */
  /** For the log only: details of errmsg an answer must not carry (see ProxyError.logDetail). */
  logDetail?: (errmsg: unknown) => Record<string, string> | undefined
  /** The rule instead for these kinds of call. */
  calls?: Partial<Record<WechatCall, ErrcodeRule>>
}

/**
 * The basic access_token refused (docs/wechat.md#basic-access-token): no user is at fault, so never
 * reauth_required (the kit would send the user to WeChat again); the credential cache replaces the
 * token once, and a refusal that persists is WeChat's error.
 */
const BASIC_TOKEN_REFUSED: ErrcodeRule = {
  code: 'upstream_error',
  message: 'WeChat refused the basic access token',
  refreshable: true,
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
  45009: {
    code: 'rate_limited',
    message:
      "WeChat's daily quota for this call is used up (45009): it resets at midnight China time, " +
      'or an administrator can reset it in the official account admin',
  },
  40013: { code: 'wechat_misconfigured', setting: 'WECHAT_APPID', message: 'WeChat rejected' },
  40125: { code: 'wechat_misconfigured', setting: 'WECHAT_SECRET', message: 'WeChat rejected' },
  40243: {
    code: 'wechat_misconfigured',
    setting: 'WECHAT_SECRET',
    message: 'WeChat froze the AppSecret; reset it and update',
  },
  // The log names the address to add (never an answer: anyone may call /jssdk); the code is still
  // decided by the errcode.
  40164: {
    code: 'wechat_misconfigured',
    message:
      "WeChat refused this server's IP address: add it to the IP whitelist (IP白名单) of the account; the proxy's log names it (40164)",
    logDetail: whitelistDetail,
  },
  10003: {
    code: 'wechat_misconfigured',
    setting: 'the web authorization domain',
    message: 'WeChat rejected',
  },
  // Access-token failures: the token custody refreshes and retries once; they only surface (as
  // reauth_required) when they persist after that refresh.
  40001: {
    code: 'reauth_required',
    message: 'WeChat refused the access token',
    refreshable: true,
    calls: {
      basic: BASIC_TOKEN_REFUSED,
      // Where the basic token is fetched, 40001 means the AppSecret is wrong.
      token: { code: 'wechat_misconfigured', setting: 'WECHAT_SECRET', message: 'WeChat rejected' },
    },
  },
  40014: {
    code: 'reauth_required',
    message: 'WeChat refused the access token',
    refreshable: true,
    calls: { basic: BASIC_TOKEN_REFUSED },
  },
  42001: {
    code: 'reauth_required',
    message: 'The access token expired',
    refreshable: true,
    calls: { basic: { ...BASIC_TOKEN_REFUSED, message: 'The basic access token expired' } },
  },
  40030: { code: 'reauth_required', message: 'WeChat refused the refresh token' },
  42002: { code: 'reauth_required', message: 'The refresh token expired' },
  48001: { code: 'reauth_required', message: 'WeChat refused the API call for this user' },
  50001: { code: 'reauth_required', message: 'The user has not authorized this app' },
}

/**
 * The address in 40164's errmsg (`invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: …`,
 * docs/wechat.md#basic-access-token), only when it is an IP address: nothing else of errmsg may reach
 * a message.
 */
function rejectedIp(errmsg: unknown): string | undefined {
  const ip =
    typeof errmsg === 'string' ? /^invalid ip ([0-9A-Fa-f.:]+)/.exec(errmsg)?.[1] : undefined
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined
}

function whitelistDetail(errmsg: unknown): Record<string, string> | undefined {
  const ip = rejectedIp(errmsg)
  return ip === undefined ? undefined : { whitelistIp: ip }
}

/**
 * Maps a WeChat errcode to a ProxyError. `settings` renames the settings of a setup fault for the app
 * that made the call (e.g. WECHAT_WEB_SECRET for the website app); `call` says what kind of call it
 * was (default `user`); `errmsg` is read for 40164's address only.
 */
export function errorFromErrcode(
  errcode: number,
  settings: { appid: string; secret: string } = { appid: 'WECHAT_APPID', secret: 'WECHAT_SECRET' },
  context: { call?: WechatCall; errmsg?: unknown } = {},
): ProxyError {
  const general = ERRCODES[errcode]
  const rule = general?.calls?.[context.call ?? 'user'] ?? general
  if (!rule)
    return new ProxyError('upstream_error', `WeChat answered errcode ${errcode}`, { errcode })
  if (rule.setting === undefined) {
    const logDetail = rule.logDetail?.(context.errmsg)
    return new ProxyError(rule.code, rule.message, { errcode, ...(logDetail ? { logDetail } : {}) })
  }
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

/**
 * True for an error WeChat gave because of the access_token itself (40001, 40014, 42001), on a call
 * made with it (a user's, or the basic one).
 */
export function isRefreshable(error: unknown): boolean {
  if (!(error instanceof ProxyError) || error.errcode === undefined) return false
  const rule = ERRCODES[error.errcode]
  // The same errcode on a fetch of the basic token is no refusal of a token (a wrong AppSecret).
  return rule?.refreshable === true && error.code !== 'wechat_misconfigured'
}
