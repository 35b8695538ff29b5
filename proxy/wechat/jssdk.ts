import { createHash, randomFillSync } from 'node:crypto'

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

const NONCE_BYTES = 16
/** Random bytes for 256 nonces, filled at once: one call into the system's generator, not one each. */
const pool = Buffer.alloc(NONCE_BYTES * 256)
let used = pool.length

/** A nonceStr: 128 random bits as 32 hex digits (letters and digits only, as WeChat takes them). */
export function jssdkNonce(): string {
  if (used === pool.length) {
    randomFillSync(pool)
    used = 0
  }
  used += NONCE_BYTES
  return pool.toString('hex', used - NONCE_BYTES, used)
}
