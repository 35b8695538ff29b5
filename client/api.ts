import axios, { type AxiosInstance } from 'axios'
import { WechatAuthError } from './errors'
import type { ErrorResponse } from './wire'

/**
 * One call to the proxy: `path` under the proxy base; `key`, a string field the answer must have
 * (a GET; without it, or with `data`, a POST); `session`, sent as Bearer.
 */
export type ProxyCall = <T>(
  path: string,
  key?: string,
  data?: object,
  session?: string,
) => Promise<T>

export interface ProxyClientOptions {
  /** @default '/api/wechat' */
  proxyBase?: string
  /** @default axios.create() */
  http?: AxiosInstance
  /** @default 15000 */
  timeoutMs?: number
}

/** Turns any failure of a proxy call into a WechatAuthError, keeping the proxy's own code and status. */
export function toWechatAuthError(err: unknown): WechatAuthError {
  // The proxy's ErrorResponse, read as any body: a dev server or a gateway may answer instead.
  type AnyBody = { error?: Partial<ErrorResponse['error']> } | undefined
  const res = (err as { response?: { status: number; data?: AnyBody } } | null)?.response
  const body = res?.data?.error
  return err instanceof WechatAuthError
    ? err
    : // Anything without the proxy's JSON error (HTML, a dropped connection) is a network failure.
      new WechatAuthError(body?.code || 'network_error', body?.message, {
        status: res?.status,
        errcode: body?.errcode,
        cause: err,
      })
}

/** The kit's calls to the token proxy (`/config`, `/openid`, `/userinfo`, `/logout`). */
export function createProxyClient({
  proxyBase = '/api/wechat',
  http = axios.create(),
  timeoutMs = 15000,
}: ProxyClientOptions = {}): ProxyCall {
  return (path, key, data, session) =>
    http
      .request({
        method: data || !key ? 'post' : 'get',
        url: proxyBase.replace(/\/$/, '') + path,
        data,
        timeout: timeoutMs,
        headers: { Authorization: session && `Bearer ${session}` },
      })
      .then(({ data: body }: { data: Record<string, unknown> | undefined }) => {
        // A dev server's HTML fallback answers 200 too: only the expected JSON shape counts.
        if (key && typeof body?.[key] != 'string') throw new WechatAuthError('network_error')
        return body as never
      })
      .catch((err: unknown) => {
        throw toWechatAuthError(err)
      })
}
