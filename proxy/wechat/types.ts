import type { WechatLang, WechatProfile } from '../../client/wire.js'
import type { AppCredentials, WechatAppCredentials } from '../config.js'
import type { BusyRetryOptions } from './retry.js'

/** WeChat's answer to a code exchange (docs/wechat.md#code-exchange). */
export interface WechatTokenResponse {
  access_token: string
  expires_in: number
  refresh_token: string
  openid: string
  scope: string
  is_snapshotuser?: number
  unionid?: string
}

/** A basic access_token (docs/wechat.md#basic-access-token), as a token source also gives one. */
export interface BasicToken {
  accessToken: string
  /** Seconds it stays valid from now. */
  expiresIn: number
}

/** A jsapi_ticket (docs/wechat.md#jsapi_ticket). */
export interface JsapiTicket {
  ticket: string
  /** Seconds it stays valid from now. */
  expiresIn: number
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
export type CredentialSettings = AppCredentials['settings']

/**
 * WeChat's `/sns/userinfo` answer (docs/wechat.md#userinfo): field for field the profile the proxy
 * passes on, so it is the wire contract's shape. `sex` is 0 and the region empty since 2021-10-20.
 */
export type WechatUserinfo = WechatProfile

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
  userinfo(accessToken: string, openid: string, lang: WechatLang): Promise<WechatUserinfo>
  /** Resolves when WeChat still accepts the access_token for this openid (`/sns/auth`). */
  checkToken(accessToken: string, openid: string): Promise<void>
  /**
   * `POST /cgi-bin/stable_token`: the current basic access_token, the same one until it expires;
   * `forceRefresh` makes WeChat replace it (about 20 a day, 30 s apart).
   */
  stableToken(
    app: WechatAppCredentials,
    forceRefresh: boolean,
    settings?: CredentialSettings,
  ): Promise<BasicToken>
  /** `GET /cgi-bin/token`: a new basic access_token per call; the previous one dies ~5 min later. */
  classicToken(app: WechatAppCredentials, settings?: CredentialSettings): Promise<BasicToken>
  /** `GET /cgi-bin/ticket/getticket?type=jsapi` with a basic access_token. */
  jsapiTicket(accessToken: string): Promise<JsapiTicket>
}
