import { createHash, randomBytes } from 'node:crypto'

/** What `wx.config` is signed over (docs/wechat.md#signature). */
export interface JssdkSignatureInput {
  ticket: string
  nonceStr: string
  /** Seconds since the epoch. */
  timestamp: number
  /** The page's URL without its fragment, exactly as the browser has it. */
  url: string
}

/**
 * WeChat's JS-SDK signature (docs/wechat.md#signature): the four fields sorted by name, joined as
 * `k=v` pairs with `&`, values raw (never escaped: WeChat hashes the URL as the page has it), SHA-1
 * in lower-case hex.
 */
export function jssdkSignature({ ticket, nonceStr, timestamp, url }: JssdkSignatureInput): string {
  const text = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`
  return createHash('sha1').update(text).digest('hex')
}

/** A nonceStr: 128 random bits as 32 hex digits (letters and digits only, as WeChat takes them). */
export function jssdkNonce(): string {
  return randomBytes(16).toString('hex')
}
