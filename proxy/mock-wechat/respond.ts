import type { Response } from 'express'
import { errorPage, gatewayErrorPage } from './pages.js'
import { newRid } from './random.js'
import type { ApiEndpoint, MockState } from './state.js'

export type WechatBody = Record<string, unknown>

/** An api.weixin.qq.com error body: errcode plus an errmsg with a request id suffix. */
export function wechatError(errcode: number, message: string): WechatBody {
  return { errcode, errmsg: `${message}, rid: ${newRid()}` }
}

/** WeChat answers 200 with JSON labelled text/plain, errors included: clients must parse anyway. */
export function sendWechatJson(res: Response, body: WechatBody): void {
  res.status(200).set('Content-Type', 'text/plain').send(JSON.stringify(body))
}

/**
 * Answers one API call: counts it, applies an injected fault if one is armed, else sends what
 * `compute` returns. `compute` does the call's side effects (consuming a code, issuing tokens), so
 * faults that fail before WeChat acts skip it, and `consume-then-reset` runs it then drops the line.
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
      return sendWechatJson(res, wechatError(-1, 'system error'))
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
