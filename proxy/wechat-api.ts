import axios from 'axios'
import { errorFromErrcode } from './errcodes.js'
import { ProxyError } from './errors.js'
import { isTokenResponse, parseBody, transportError, userinfoOf } from './wechat-answers.js'
import { retryWhenBusy } from './retry.js'
import type { BusyRetryOptions } from './retry.js'
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
  /** Each call fails with `upstream_timeout` after this long (WECHAT_TIMEOUT_MS). */
  timeoutMs: number
  /** How WeChat's `-1` (busy) is retried. */
  retry?: BusyRetryOptions
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

  const busyRetry = retryWhenBusy(options.retry)

  /** One GET (again while WeChat says -1); the JSON body, or the ProxyError its errcode maps to. */
  function call(
    path: string,
    params: Record<string, string>,
    settings?: CredentialSettings,
  ): Promise<Record<string, unknown>> {
    return busyRetry(() => callOnce(path, params, settings))
  }

  async function callOnce(
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
