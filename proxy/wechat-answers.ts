import { AxiosError } from 'axios'
import { ProxyError } from './errors.js'
import type { WechatTokenResponse, WechatUserinfo } from './wechat-api.js'

/** How WeChat's answers are read: shapes checked field by field, failures mapped to our codes. */

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT'])

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

export function parseBody(status: number, body: unknown): Record<string, unknown> {
  if (status < 200 || status >= 300) {
    throw new ProxyError('upstream_error', `WeChat answered HTTP ${status}`)
  }
  let json: unknown
  try {
    json = typeof body === 'string' ? JSON.parse(body) : undefined
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

export function transportError(error: unknown): ProxyError {
  // Only the error code is kept as the cause: axios errors carry the request URL, and with it the secret.
  const cause = error instanceof AxiosError ? error.code : undefined
  if (error instanceof AxiosError) {
    if (error.code !== undefined && TIMEOUT_CODES.has(error.code)) {
      return new ProxyError('upstream_timeout', 'WeChat did not answer in time', { cause })
    }
    if (error.code === AxiosError.ERR_BAD_RESPONSE) {
      return new ProxyError('upstream_error', 'WeChat answered an unusable response', { cause })
    }
  }
  // Refused, reset, DNS failures: WeChat could not be reached.
  return new ProxyError('upstream_unavailable', 'WeChat could not be reached', { cause })
}
