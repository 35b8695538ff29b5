import axios, { type AxiosInstance } from 'axios'
import type { WechatScope } from './authorize-url'
import { WechatAuthError, type WechatAuthErrorCode } from './errors'

/** `GET /config`: the proxy's public settings. */
export interface ProxyConfig {
  appid: string
  webAppid?: string
  mock: boolean
  authorizeBase: string
}

/** `POST /openid` success. */
export interface ExchangeResult {
  openid: string
  unionid?: string
  scope: WechatScope
  snapshotUser: boolean
  session: string
  /** ISO 8601. */
  sessionExpiresAt: string
}

/** `GET /userinfo` success: WeChat's profile (sex is 0 and the region empty for everyone since 2021). */
export interface WechatProfile {
  openid: string
  nickname: string
  /** The last path segment is the size (0 = 640x640, 46, 64, 96, 132); empty without an avatar. */
  headimgurl: string
  sex: number
  province: string
  city: string
  country: string
  privilege: string[]
  unionid?: string
}

export type WechatLang = 'zh_CN' | 'zh_TW' | 'en'

export interface ProxyClient {
  getConfig(): Promise<ProxyConfig>
  exchange(body: { code: string; state: string; verifier: string }): Promise<ExchangeResult>
  userinfo(session: string, lang: WechatLang): Promise<WechatProfile>
  logout(session: string): Promise<unknown>
}

export interface ProxyClientOptions {
  /** @default '/api/wechat' */
  proxyBase?: string
  /** @default axios.create() */
  http?: AxiosInstance
  /** @default 15000 */
  timeoutMs?: number
}

interface ErrorBody {
  error?: { code?: WechatAuthErrorCode; message?: string; errcode?: number }
}

/** Turns any failure of a proxy call into a WechatAuthError, keeping the proxy's own code and status. */
export function toWechatAuthError(err: unknown): WechatAuthError {
  if (err instanceof WechatAuthError) return err
  const res = (err as { response?: { status: number; data?: ErrorBody } } | null)?.response
  const body = res?.data?.error
  // Anything without the proxy's JSON error (HTML, a dropped connection) is a network failure.
  return new WechatAuthError(
    typeof body?.code === 'string' ? body.code : 'network_error',
    body?.message,
    { status: res?.status, errcode: body?.errcode, cause: err },
  )
}

/** The kit's calls to the token proxy. */
export function createProxyClient({
  proxyBase = '/api/wechat',
  http = axios.create(),
  timeoutMs = 15000,
}: ProxyClientOptions = {}): ProxyClient {
  /** `key`: a string field the answer must have. */
  async function call<T>(path: string, key?: string, data?: object, session?: string): Promise<T> {
    let body: Record<string, unknown> | undefined
    try {
      body = (
        await http.request<Record<string, unknown>>({
          method: data || !key ? 'post' : 'get',
          url: proxyBase.replace(/\/$/, '') + path,
          data,
          timeout: timeoutMs,
          headers: session ? { Authorization: `Bearer ${session}` } : {},
        })
      ).data
    } catch (err) {
      throw toWechatAuthError(err)
    }
    // A dev server's HTML fallback answers 200 too: only the expected JSON shape counts.
    if (key && typeof body?.[key] !== 'string') throw new WechatAuthError('network_error', path)
    return body as T
  }

  return {
    getConfig: () => call('/config', 'appid'),
    exchange: (body) => call('/openid', 'session', body),
    userinfo: (session, lang) => call(`/userinfo?lang=${lang}`, 'openid', undefined, session),
    logout: (session) => call('/logout', undefined, undefined, session),
  }
}
