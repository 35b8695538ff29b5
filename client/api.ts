import type { AxiosInstance } from 'axios'
import { WechatAuthError } from './errors'
import type { ErrorResponse } from './wire'

/** One call to the proxy. */
export interface ProxyRequest {
  /** Under the proxy base, with its query: `/userinfo?lang=en`. */
  path: string
  /** @default 'get' */
  method?: 'get' | 'post'
  /**
   * A string field the answer must have, else the call fails with `network_error`: a dev server's
   * HTML fallback answers 200 too. Without it, any answer counts (`POST /logout`'s empty 204).
   */
  expect?: string
  /** Sent as JSON. */
  body?: object
  /** The proxy's session JWT, sent as `Authorization: Bearer`. */
  session?: string
  /**
   * This very call, already sent (the pre-boot script's exchange): its answer is read as this
   * call's, as axios answers (`{ data }`) or fails (`{ response: { status, data } }`).
   */
  sent?: Promise<unknown>
}

/** Makes one call to the proxy; resolves to the answer's body, rejects with a WechatAuthError. */
export type ProxyCall = <T>(request: ProxyRequest) => Promise<T>

export interface ProxyClientOptions {
  /** @default '/api/wechat' */
  proxyBase?: string
  /** @default axios.create(), with axios imported as a chunk of its own on the kit's first call */
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
  http,
  timeoutMs = 15000,
}: ProxyClientOptions = {}): ProxyCall {
  // axios is imported when the kit first sends a call itself, not with the page, and the instance
  // made then serves every later call: on the callback page the pre-boot script has made the
  // exchange already, so the first screen does not wait for axios's 19 KB (brotli) on a phone network
  // (docs/benchmarks.md#first-login). An app that imports axios itself has it in its own bundle, and
  // the import costs nothing.
  const base = proxyBase.replace(/\/$/, '')
  // No method is a GET: axios' default.
  return ({ path, method, expect, body, session, sent }) => {
    const send = async () =>
      (http ||= (await import('axios')).default.create()).request({
        method,
        url: base + path,
        data: body,
        timeout: timeoutMs,
        headers: { Authorization: session && `Bearer ${session}` },
      })
    // A call already sent (the pre-boot's exchange) stands for this one when it succeeded; on any
    // failure (an error answer, no network, another server's page at a mistaken proxyBase) the kit
    // sends it again through the app's own client, and the proxy answers the same exchange again.
    return (
      (sent as Promise<{ data: Record<string, unknown> | undefined }> | undefined)?.catch(send) ??
      send()
    ).then(
      ({ data }) => {
        // A dev server's HTML fallback answers 200 too: only the expected JSON shape counts.
        if (expect && typeof data?.[expect] != 'string') throw new WechatAuthError('network_error')
        return data as never
      },
      // The call's own failure; what the check above throws is a WechatAuthError already.
      (err: unknown) => {
        throw toWechatAuthError(err)
      },
    )
  }
}
