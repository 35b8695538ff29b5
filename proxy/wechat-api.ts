import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
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

/**
 * One GET to WeChat over node:http(s) with a keep-alive agent of our own: no HTTP client library
 * on the path of every login (axios cost more CPU per call than everything else the exchange does).
 * Resolves to the status and the body as text (WeChat often says text/plain for JSON, WECHAT.md);
 * any failure to get a whole answer is a ProxyError.
 */
function createGet(apiBase: string, timeoutMs: number) {
  const base = new URL(apiBase)
  const secure = base.protocol === 'https:'
  const request = secure ? httpsRequest : httpRequest
  // Like Node's global agent (kept-alive, most recent socket first, idle sockets closed after 5 s),
  // but ours: nothing else in the process shares or reconfigures it. No proxy is ever read from the
  // environment (node:http has none): secrets and tokens travel in query strings.
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 }
  const agent = secure ? new HttpsAgent(options) : new HttpAgent(options)
  const prefix = base.pathname.replace(/\/+$/, '')
  // An IPv6 literal comes bracketed from URL; node:http wants the bare address.
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1')
  const headers = { accept: 'application/json, text/plain, */*' }

  return (path: string, params: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      let settled = false
      const fail = (error: ProxyError) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        reject(error)
        // Nothing more is read from a request we gave up on; its socket is not reused.
        req.destroy()
      }
      const req = request({
        protocol: base.protocol,
        hostname,
        port: base.port,
        path: `${prefix}${path}?${new URLSearchParams(params).toString()}`,
        method: 'GET',
        agent,
        headers,
      })
      // The whole call, not just a quiet socket: WeChat answers within its time or not at all.
      const deadline = setTimeout(
        () =>
          fail(
            new ProxyError('upstream_timeout', 'WeChat did not answer in time', {
              cause: 'ETIMEDOUT',
            }),
          ),
        timeoutMs,
      )
      req.on('error', (error) => fail(transportError(error)))
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        let size = 0
        const unusable = (cause: string) => {
          if (settled) return
          fail(new ProxyError('upstream_error', 'WeChat answered an unusable response', { cause }))
        }
        // A redirect is not followed: its 3xx status is the answer, and an error (parseBody).
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_BODY_BYTES) unusable('ERR_BODY_TOO_LARGE')
          else chunks.push(chunk)
        })
        // The connection dropped in the middle of the body (after 'end', `settled` is already set).
        res.on('error', () => unusable('ERR_BAD_RESPONSE'))
        res.on('close', () => unusable('ERR_BAD_RESPONSE'))
        res.on('end', () => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        })
      })
      req.end()
    })
}

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
