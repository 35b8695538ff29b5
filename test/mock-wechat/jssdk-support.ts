import { createHash } from 'node:crypto'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import { getTicket, stableToken } from './cgi-support.js'

/** WeChat's signature, computed here independently of the mock (docs/wechat.md#signature). */
export function sign(ticket: string, nonceStr: string, timestamp: string, url: string): string {
  const plain = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`
  return createHash('sha1').update(plain).digest('hex')
}

/** A jsapi_ticket for the demo official account, fetched as a server would. */
export async function freshTicket(baseUrl: string): Promise<string> {
  const token = await stableToken(baseUrl)
  return String((await getTicket(baseUrl, token.access_token)).ticket)
}

export interface SignedConfig {
  appId: string
  timestamp: string
  nonceStr: string
  signature: string
}

/** A `wx.config` signed for `url` with `ticket`. */
export function signedConfig(ticket: string, url: string): SignedConfig {
  const timestamp = '1414587457'
  const nonceStr = 'Wm3WZYTPz0wzccnW'
  return {
    appId: DEMO_MP_APP.appid,
    timestamp,
    nonceStr,
    signature: sign(ticket, nonceStr, timestamp, url),
  }
}

/** What the stand-in posts for a `wx.config` checked against `url`: the mock's `{errMsg}`. */
export async function checkConfig(baseUrl: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${baseUrl}/__jssdk/config`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify(body),
  })
  return ((await response.json()) as { errMsg: string }).errMsg
}
