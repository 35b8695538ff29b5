import { ProxyError } from '../errors.js'
import type { BasicToken, JsapiTicket, WechatTokenResponse, WechatUserinfo } from './types.js'

/** How WeChat's answers are read: shapes checked field by field, failures mapped to our codes. */

/** Copies exactly the documented fields, so nothing else WeChat might add reaches a response. */
export function userinfoOf(json: Record<string, unknown>): WechatUserinfo | undefined {
  const { openid, nickname, headimgurl, sex, province, city, country, privilege, unionid } = json
  if (
    typeof openid !== 'string' ||
    typeof nickname !== 'string' ||
    typeof headimgurl !== 'string' ||
    typeof sex !== 'number' ||
    typeof province !== 'string' ||
    typeof city !== 'string' ||
    typeof country !== 'string' ||
    !Array.isArray(privilege) ||
    !privilege.every((item) => typeof item === 'string') ||
    (unionid !== undefined && typeof unionid !== 'string')
  ) {
    return undefined
  }
  const profile: WechatUserinfo = {
    openid,
    nickname,
    headimgurl,
    sex,
    province,
    city,
    country,
    privilege: [...(privilege as string[])],
  }
  if (typeof unionid === 'string') profile.unionid = unionid
  return profile
}

export function parseBody(status: number, body: string): Record<string, unknown> {
  if (status < 200 || status >= 300) {
    throw new ProxyError('upstream_error', `WeChat answered HTTP ${status}`)
  }
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw new ProxyError('upstream_error', 'WeChat answered a body that is not JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProxyError('upstream_error', 'WeChat answered a body that is not a JSON object')
  }
  return json as Record<string, unknown>
}

export function isTokenResponse(
  json: Record<string, unknown>,
): json is Record<string, unknown> & WechatTokenResponse {
  return (
    typeof json.access_token === 'string' &&
    json.access_token.length > 0 &&
    typeof json.refresh_token === 'string' &&
    typeof json.openid === 'string' &&
    json.openid.length > 0 &&
    typeof json.scope === 'string' &&
    typeof json.expires_in === 'number' &&
    (json.unionid === undefined || typeof json.unionid === 'string') &&
    (json.is_snapshotuser === undefined || typeof json.is_snapshotuser === 'number')
  )
}

/** A lifetime WeChat could mean: whole seconds, more than none, less than a day. */
function isLifetime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 86_400
}

export function unexpectedShape(): ProxyError {
  return new ProxyError('upstream_error', 'WeChat answered an unexpected shape')
}

/** `{access_token, expires_in}` of the basic-token calls (docs/wechat.md#basic-access-token). */
export function readBasicToken(json: Record<string, unknown>): BasicToken {
  const { access_token: accessToken, expires_in: expiresIn } = json
  if (typeof accessToken !== 'string' || accessToken.length === 0 || !isLifetime(expiresIn)) {
    throw unexpectedShape()
  }
  return { accessToken, expiresIn }
}

/** `{ticket, expires_in}` of getticket (docs/wechat.md#jsapi_ticket). */
export function readTicket(json: Record<string, unknown>): JsapiTicket {
  const { ticket, expires_in: expiresIn } = json
  if (typeof ticket !== 'string' || ticket.length === 0 || !isLifetime(expiresIn)) {
    throw unexpectedShape()
  }
  return { ticket, expiresIn }
}

/**
 * A failure to get an answer at all. Only the error's code is kept as the cause, never the error
 * itself: a transport error can carry the request URL, and with it the AppSecret or a token.
 */
export function transportError(error: unknown): ProxyError {
  const code = (error as { code?: unknown } | null)?.code
  const cause = typeof code === 'string' ? code : undefined
  // Refused, reset, DNS failures: WeChat could not be reached.
  return new ProxyError('upstream_unavailable', 'WeChat could not be reached', { cause })
}
