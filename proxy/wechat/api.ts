import { ProxyError } from '../errors.js'
import { isTokenResponse, parseBody, userinfoOf } from './answers.js'
import { errorFromErrcode } from './errcodes.js'
import { retryWhenBusy } from './retry.js'
import { createGet } from './transport.js'
import type {
  CredentialSettings,
  WechatApi,
  WechatApiOptions,
  WechatTokenResponse,
} from './types.js'

export type {
  CredentialSettings,
  WechatApi,
  WechatApiOptions,
  WechatTokenResponse,
  WechatUserinfo,
} from './types.js'

/** The WeChat API client: one method per call the proxy makes (docs/wechat.md). */

export function createWechatApi(options: WechatApiOptions): WechatApi {
  const get = createGet(options.apiBase, options.timeoutMs)
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
    const { status, body } = await get(path, params)
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
