import { createHash, timingSafeEqual } from 'node:crypto'
import type { MockApp } from './demo-apps.js'
import { isAllowedRedirect } from './params.js'
import type { ShareApi } from './jssdk-records.js'
import { SHARE_APIS } from './jssdk-records.js'
import type { MockState } from './state.js'

/** What the stand-in's `wx.config` posts: the page's config plus the URL its platform checks. */
export interface ConfigCheck {
  appId?: unknown
  timestamp?: unknown
  nonceStr?: unknown
  signature?: unknown
  url?: unknown
}

/**
 * docs/wechat.md#signature: the four fields sorted by name, joined as `k=v` with `&`, values not
 * escaped, SHA-1 as lower-case hex.
 */
export function jssdkSignature(fields: {
  ticket: string
  nonceStr: string
  timestamp: string
  url: string
}): string {
  const { ticket, nonceStr, timestamp, url } = fields
  const plain = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`
  return createHash('sha1').update(plain).digest('hex')
}

/** The page's URL as signed: without `#` and what follows (docs/wechat.md#signed-url). */
export function withoutFragment(url: string): string {
  const at = url.indexOf('#')
  return at === -1 ? url : url.slice(0, at)
}

/**
 * WeChat's verdict on a `wx.config` (docs/wechat.md#js-sdk-signing): `config:ok`, or
 * `config:invalid url domain`, `config:invalid signature`, and `config:fail` for an appId that is
 * no official account here or before any jsapi_ticket was issued to it. Any ticket of the app that
 * is still valid counts: a page may have been signed just before the ticket was renewed.
 */
export function verifyConfig(
  state: MockState,
  apps: readonly MockApp[],
  domains: readonly string[],
  check: ConfigCheck,
): string {
  const app = apps.find((candidate) => candidate.appid === check.appId && candidate.kind === 'mp')
  if (!app) return 'config:fail'
  // The JS接口安全域名 compare like the 网页授权域名: exact host, the port ignored by the mock.
  const url = typeof check.url === 'string' ? withoutFragment(check.url) : ''
  if (!isAllowedRedirect(url, domains)) return 'config:invalid url domain'
  const tickets = state.basic.validTickets(app.appid)
  if (tickets.length === 0) return 'config:fail'
  const signature = typeof check.signature === 'string' ? check.signature : ''
  const nonceStr = scalar(check.nonceStr)
  const timestamp = scalar(check.timestamp)
  const signed = tickets.some((ticket) =>
    sameText(jssdkSignature({ ticket, nonceStr, timestamp, url }), signature),
  )
  return signed ? 'config:ok' : 'config:invalid signature'
}

/** A share call as the page reports it. */
export interface ShareReport {
  api?: unknown
  title?: unknown
  desc?: unknown
  link?: unknown
  imgUrl?: unknown
  configured?: unknown
}

/**
 * Records a share call and returns WeChat's answer for what only the server knows: the `link`
 * must be on a JS接口安全域名 (docs/wechat.md#js-sdk-signing). The page decides the rest (config
 * done, API listed) itself. Undefined for an unknown API.
 */
export function recordShare(
  state: MockState,
  domains: readonly string[],
  report: ShareReport,
): string | undefined {
  const api = SHARE_APIS.find((candidate) => candidate === report.api)
  if (!api) return undefined
  const link = text(report.link)
  state.jssdk.addShare({
    api,
    title: text(report.title),
    desc: text(report.desc),
    link,
    imgUrl: text(report.imgUrl),
    configured: report.configured === true,
  })
  return isAllowedRedirect(link, domains) ? `${api}:ok` : shareLinkRefused(api)
}

/** The mock's wording: WeChat's own for this case is not documented. */
function shareLinkRefused(api: ShareApi): string {
  return `${api}:fail, the link is not on a JS interface domain`
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** timestamp may arrive as a number or a string; WeChat signs its decimal text. */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
