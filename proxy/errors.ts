import type { ErrorResponse, ProxyErrorCode } from '../client/wire.js'

export type { ErrorResponse, ProxyErrorCode } from '../client/wire.js'

/** The HTTP status of each error code (docs/architecture.md, "Errors"). */
export const HTTP_STATUS: Record<ProxyErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  reauth_required: 401,
  code_invalid: 400,
  code_used: 409,
  code_expired: 400,
  wechat_misconfigured: 500,
  rate_limited: 429,
  not_found: 404,
  upstream_error: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
  internal_error: 500,
  url_not_allowed: 400,
}

export class ProxyError extends Error {
  readonly code: ProxyErrorCode
  readonly status: number
  /** WeChat's errcode when the error came from WeChat. */
  readonly errcode: number | undefined
  /** What the operator's log may say and an answer may not (e.g. the server's own IP address). */
  readonly logDetail: Record<string, string> | undefined

  constructor(
    code: ProxyErrorCode,
    message: string,
    options: {
      errcode?: number
      cause?: unknown
      /** Overrides the code's usual status, e.g. 413 or 415 for an `invalid_request` body. */
      status?: number
      logDetail?: Record<string, string>
    } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'ProxyError'
    this.code = code
    this.status = options.status ?? HTTP_STATUS[code]
    this.errcode = options.errcode
    this.logDetail = options.logDetail
  }

  toJSON(): ErrorResponse {
    const error: ErrorResponse['error'] = {
      code: this.code,
      message: this.message,
    }
    if (this.errcode !== undefined) error.errcode = this.errcode
    return { error }
  }
}
