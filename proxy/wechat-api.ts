import axios, { AxiosError } from 'axios'
import { errorFromErrcode } from './errcodes.js'
import { ProxyError } from './errors.js'
import type { WechatAppCredentials } from './config.js'

/** WeChat's answer to a code exchange (WECHAT.md, step 2). */
export interface WechatTokenResponse {
  access_token: string
  expires_in: number
  refresh_token: string
  openid: string
  scope: string
  is_snapshotuser?: number
  unionid?: string
}

export interface WechatApiOptions {
  /** Base of api.weixin.qq.com, no trailing slash. */
  apiBase: string
  timeoutMs: number
}

/** Names of the settings behind an app, so a setup fault names what to fix. */
export interface CredentialSettings {
  appid: string
  secret: string
}

/** WeChat's profile of a user (WECHAT.md, step 3); `sex` is 0 and the region empty since 2021-10-20. */
export interface WechatUserinfo {
  openid: string
  nickname: string
  headimgurl: string
  sex: number
  province: string
  city: string
  country: string
  privilege: string[]
  unionid?: string
}

export type UserinfoLang = 'zh_CN' | 'zh_TW' | 'en'

export interface WechatApi {
  exchangeCode(
    app: WechatAppCredentials,
    code: string,
    settings?: CredentialSettings,
  ): Promise<WechatTokenResponse>
  /** Needs only the appid: WeChat's refresh takes no secret. */
  refreshToken(
    appid: string,
    refreshToken: string,
    settings?: CredentialSettings,
  ): Promise<WechatTokenResponse>
  userinfo(accessToken: string, openid: string, lang: UserinfoLang): Promise<WechatUserinfo>
  /** Resolves when WeChat still accepts the access_token for this openid (`/sns/auth`). */
  checkToken(accessToken: string, openid: string): Promise<void>
}

/** WeChat's bodies are tiny; anything bigger is not WeChat and is not read into memory. */
const MAX_BODY_BYTES = 64 * 1024

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT'])

export function createWechatApi(options: WechatApiOptions): WechatApi {
  const http = axios.create({
    baseURL: options.apiBase,
    timeout: options.timeoutMs,
    // WeChat often says text/plain for JSON (WECHAT.md): take the raw text and parse it ourselves.
    responseType: 'text',
    transformResponse: (data: unknown) => data,
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: MAX_BODY_BYTES,
    // Never pick up HTTP(S)_PROXY from the environment: secrets and tokens travel in query strings.
    proxy: false,
  })

  /** One GET; the body as a JSON object, or the ProxyError its errcode maps to. */
  async function call(
    path: string,
    params: Record<string, string>,
    settings?: CredentialSettings,
  ): Promise<Record<string, unknown>> {
    let status: number
    let body: unknown
    try {
      const response = await http.get<string>(path, { params })
      status = response.status
      body = response.data
    } catch (error) {
      throw transportError(error)
    }
    const json = parseBody(status, body)
    if (typeof json.errcode === 'number' && json.errcode !== 0) {
      throw errorFromErrcode(json.errcode, settings)
    }
    return json
  }

  function tokens(json: Record<string, unknown>): WechatTokenResponse {
    if (!isTokenResponse(json)) {
      throw new ProxyError('upstream_error', 'WeChat answered an unexpected shape')
    }
    return json
  }

  return {
    async exchangeCode(app, code, settings) {
      const params = {
        appid: app.appid,
        secret: app.secret,
        code,
        grant_type: 'authorization_code',
      }
      return tokens(await call('/sns/oauth2/access_token', params, settings))
    },
    async refreshToken(appid, refreshToken, settings) {
      const params = { appid, grant_type: 'refresh_token', refresh_token: refreshToken }
      return tokens(await call('/sns/oauth2/refresh_token', params, settings))
    },
    async userinfo(accessToken, openid, lang) {
      const json = await call('/sns/userinfo', { access_token: accessToken, openid, lang })
      const profile = userinfoOf(json)
      if (!profile) throw new ProxyError('upstream_error', 'WeChat answered an unexpected shape')
      return profile
    },
    async checkToken(accessToken, openid) {
      // Success is `{"errcode":0,"errmsg":"ok"}`; any other errcode has been thrown by `call`.
      const json = await call('/sns/auth', { access_token: accessToken, openid })
      if (json.errcode !== 0) {
        throw new ProxyError('upstream_error', 'WeChat answered an unexpected shape')
      }
    },
  }
}

/** Copies exactly the documented fields, so nothing else WeChat might add reaches a response. */
function userinfoOf(json: Record<string, unknown>): WechatUserinfo | undefined {
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

function parseBody(status: number, body: unknown): Record<string, unknown> {
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

function isTokenResponse(
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

function transportError(error: unknown): ProxyError {
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
