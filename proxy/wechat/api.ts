import {
  isTokenResponse,
  parseBody,
  readBasicToken,
  readTicket,
  unexpectedShape,
  userinfoOf,
} from './answers.js'
import { errorFromErrcode } from './errcodes.js'
import type { WechatCall } from './errcodes.js'
import { retryWhenBusy } from './retry.js'
import { createTransport } from './transport.js'
import type { WechatAnswer } from './transport.js'
import type {
  CredentialSettings,
  WechatApi,
  WechatApiOptions,
  WechatTokenResponse,
} from './types.js'

export type {
  BasicToken,
  CredentialSettings,
  JsapiTicket,
  WechatApi,
  WechatApiOptions,
  WechatTokenResponse,
  WechatUserinfo,
} from './types.js'

/** The WeChat API client: one method per call the proxy makes (docs/wechat.md). */

interface CallOptions {
  settings?: CredentialSettings
  /** What kind of call, for the errcodes that differ by kind. @default 'user' */
  call?: WechatCall
  /** Sent as a JSON POST body; without it the call is a GET. */
  body?: object
}

export function createWechatApi(options: WechatApiOptions): WechatApi {
  const transport = createTransport(options.apiBase, options.timeoutMs)
  const busyRetry = retryWhenBusy(options.retry)

  /** One call (again while WeChat says -1); the JSON body, or the ProxyError its errcode maps to. */
  function call(
    path: string,
    params: Record<string, string>,
    callOptions: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    return busyRetry(() => callOnce(path, params, callOptions))
  }

  async function callOnce(
    path: string,
    params: Record<string, string>,
    { settings, call: kind, body }: CallOptions,
  ): Promise<Record<string, unknown>> {
    const answer: WechatAnswer = body
      ? await transport.post(path, params, body)
      : await transport.get(path, params)
    const json = parseBody(answer.status, answer.body)
    if (typeof json.errcode === 'number' && json.errcode !== 0) {
      throw errorFromErrcode(json.errcode, settings, { call: kind, errmsg: json.errmsg })
    }
    return json
  }

  function tokens(json: Record<string, unknown>): WechatTokenResponse {
    if (!isTokenResponse(json)) throw unexpectedShape()
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
      return tokens(await call('/sns/oauth2/access_token', params, { settings }))
    },
    async refreshToken(appid, refreshToken, settings) {
      const params = { appid, grant_type: 'refresh_token', refresh_token: refreshToken }
      return tokens(await call('/sns/oauth2/refresh_token', params, { settings }))
    },
    async userinfo(accessToken, openid, lang) {
      const json = await call('/sns/userinfo', { access_token: accessToken, openid, lang })
      const profile = userinfoOf(json)
      if (!profile) throw unexpectedShape()
      return profile
    },
    async checkToken(accessToken, openid) {
      // Success is `{"errcode":0,"errmsg":"ok"}`; any other errcode has been thrown by `call`.
      const json = await call('/sns/auth', { access_token: accessToken, openid })
      if (json.errcode !== 0) throw unexpectedShape()
    },
    async stableToken(app, forceRefresh, settings) {
      // The secret travels in the body, never in a URL (docs/wechat.md#basic-access-token).
      const body = {
        grant_type: 'client_credential',
        appid: app.appid,
        secret: app.secret,
        force_refresh: forceRefresh,
      }
      return readBasicToken(
        await call('/cgi-bin/stable_token', {}, { settings, call: 'token', body }),
      )
    },
    async classicToken(app, settings) {
      const params = { grant_type: 'client_credential', appid: app.appid, secret: app.secret }
      return readBasicToken(await call('/cgi-bin/token', params, { settings, call: 'token' }))
    },
    async jsapiTicket(accessToken) {
      const params = { access_token: accessToken, type: 'jsapi' }
      return readTicket(await call('/cgi-bin/ticket/getticket', params, { call: 'basic' }))
    },
  }
}
