import type { Response } from 'express'
import { errorPage, gatewayErrorPage } from './pages.js'
import { newRid } from './random.js'
import type { ApiEndpoint, MockState } from './state.js'

export type WechatBody = Record<string, unknown>

/** WeChat's errmsg (before the rid suffix) for the errcodes the kit may meet (docs/wechat.md#errcodes). */
const WECHAT_ERRMSG: ReadonlyMap<number, string> = new Map([
  [-1, 'system error'],
  [40001, 'invalid credential, access_token is invalid or not latest'],
  [40002, 'invalid grant_type'],
  [40003, 'invalid openid'],
  [40013, 'invalid appid'],
  [40014, 'invalid access_token'],
  [40029, 'invalid code'],
  [40030, 'invalid refresh_token'],
  [40097, 'invalid args'],
  [40125, 'invalid appsecret'],
  [40163, 'code been used'],
  [41001, 'access_token missing'],
  [41002, 'appid missing'],
  [41003, 'refresh_token missing'],
  [41004, 'appsecret missing'],
  [41008, 'missing code'],
  [41009, 'missing openid'],
  [42001, 'access_token expired'],
  [42002, 'refresh_token expired'],
  [42003, 'code expired'],
  [45009, 'reach max api daily quota limit'],
  [45011, 'api minute-quota reach limit'],
  [47001, 'data format error'],
  [48001, 'api unauthorized'],
  [50001, 'user unauthorized'],
])

/**
 * An api.weixin.qq.com error body: errcode plus WeChat's usual errmsg for it (`unknown error` when
 * not known) with a request id suffix.
 */
export function wechatError(errcode: number): WechatBody {
  const message = WECHAT_ERRMSG.get(errcode) ?? 'unknown error'
  return { errcode, errmsg: `${message}, rid: ${newRid()}` }
}

/** WeChat answers 200 with JSON labelled text/plain, errors included: clients must parse anyway. */
export function sendWechatJson(res: Response, body: WechatBody): void {
  res.status(200).set('Content-Type', 'text/plain').send(JSON.stringify(body))
}

/**
 * Answers one API call: counts it, applies an injected fault if one is armed, else sends what
 * `compute` returns. `compute` does the call's side effects (consuming a code, issuing tokens), so
 * faults that fail before WeChat acts skip it (`errcode` too: the code stays usable), and
 * `consume-then-reset` runs it then drops the line.
 */
export async function answerApiCall(
  state: MockState,
  endpoint: ApiEndpoint,
  res: Response,
  compute: () => WechatBody,
): Promise<void> {
  const fault = state.takeFault(endpoint)
  switch (fault?.mode) {
    case undefined:
      return sendWechatJson(res, compute())
    case 'latency':
      await new Promise((resolve) => setTimeout(resolve, fault.ms))
      return sendWechatJson(res, compute())
    case 'http500':
      res.status(500).type('html').send(gatewayErrorPage(500))
      return
    case 'busy':
      return sendWechatJson(res, wechatError(-1))
    case 'errcode':
      return sendWechatJson(res, wechatError(fault.errcode))
    case 'malformed':
      res.status(200).set('Content-Type', 'text/plain').send('{"access_token":"86_x7Kq2')
      return
    case 'text-html':
      res.status(200).type('html').send(errorPage(-1, '系统繁忙，请稍后再试'))
      return
    case 'reset':
      res.socket?.destroy()
      return
    case 'consume-then-reset':
      compute()
      res.socket?.destroy()
      return
  }
}
