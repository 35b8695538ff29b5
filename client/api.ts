import axios, { type AxiosInstance } from 'axios'
import type { WechatScope } from './authorize-url'
import { WechatAuthError, isProxyErrorCode } from './errors'

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
  sessionExpiresAt: number | string
}

export interface ProxyClient {
  getConfig(): Promise<ProxyConfig>
  exchange(body: { code: string; state: string; verifier: string }): Promise<ExchangeResult>
}

export interface ProxyClientOptions {
  /** @default '/api/wechat' */
  proxyBase?: string
  /** @default axios.create() */
  http?: AxiosInstance
  /** @default 15000 */
  timeoutMs?: number
}

type Check = (data: Record<string, unknown>) => boolean

const isConfig: Check = (d) =>
  typeof d.appid === 'string' && typeof d.authorizeBase === 'string' && typeof d.mock === 'boolean'

const isExchange: Check = (d) =>
  typeof d.openid === 'string' &&
  (d.scope === 'snsapi_base' || d.scope === 'snsapi_userinfo') &&
  typeof d.session === 'string' &&
  (typeof d.sessionExpiresAt === 'number' || typeof d.sessionExpiresAt === 'string')

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined

/** Turns any failure of a proxy call into a WechatAuthError, keeping the proxy's own code and status. */
export function toWechatAuthError(err: unknown): WechatAuthError {
  if (err instanceof WechatAuthError) return err
  const response = axios.isAxiosError(err) ? err.response : undefined
  const body = asObject(asObject(response?.data)?.error)
  if (!response || !body) {
    return new WechatAuthError('network_error', 'the proxy did not answer with JSON', {
      cause: err,
      ...(response ? { status: response.status } : {}),
    })
  }
  const code = isProxyErrorCode(body.code) ? body.code : 'internal_error'
  const message = typeof body.message === 'string' ? body.message : code
  const errcode = typeof body.errcode === 'number' ? body.errcode : undefined
  return new WechatAuthError(code, message, { status: response.status, errcode, cause: err })
}

/** The kit's calls to the token proxy. */
export function createProxyClient({
  proxyBase = '/api/wechat',
  http = axios.create(),
  timeoutMs = 15000,
}: ProxyClientOptions = {}): ProxyClient {
  async function call<T>(
    method: 'get' | 'post',
    path: string,
    check: Check,
    data?: object,
  ): Promise<T> {
    try {
      const res = await http.request<unknown>({
        method,
        url: proxyBase.replace(/\/$/, '') + path,
        data,
        timeout: timeoutMs,
      })
      const body = asObject(res.data)
      // A dev server's HTML fallback answers 200 too: only the expected JSON shape counts.
      if (body && check(body)) return body as T
    } catch (err) {
      throw toWechatAuthError(err)
    }
    throw new WechatAuthError('network_error', `the proxy answered ${path} with an unexpected body`)
  }

  return {
    getConfig: () => call<ProxyConfig>('get', '/config', isConfig),
    exchange: (body) => call<ExchangeResult>('post', '/openid', isExchange, body),
  }
}
