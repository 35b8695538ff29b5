import { createHash } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Request, Router } from 'express'
import { HSTS } from '../headers.js'
import type { RouteContext } from './context.js'

/**
 * `GET /relay` (WECHAT_RELAY_ORIGINS; docs/architecture.md#the-relay): WeChat comes back here, to
 * `/relay?to=<page URL>&code=..&state=..`, because only this host is one of the official account's
 * 网页授权域名, and the relay sends the browser on to `to` with `code` and `state` added where WeChat
 * adds them (before the fragment), or `state` alone on a denial. Only a `to` on an allowed origin
 * (scheme, host and port exactly) ever gets a redirect: anything else gets a page, never a
 * redirect, for an open relay would hand codes to anyone. The relay never exchanges, keeps or logs
 * a code: the page's own proxy does the exchange, with the page's own state and verifier checks.
 */

/** At most as long as a URL `POST /jssdk` signs: enough for any page URL, not for a payload. */
const MAX_TO_LENGTH = 2048
/** As WeChat's code and the kit's state look (validate.ts checks them so for `POST /openid`). */
const CODE = /^[A-Za-z0-9_-]{1,64}$/
const STATE = /^[A-Za-z0-9]{0,128}$/
/** Printable ASCII only: a browser's `location.href` is always percent-encoded so. */
const PRINTABLE = /^[\x21-\x7e]+$/

/** Why a relay request is refused: logged (never the query) and set on the page for tests. */
export type RelayRefusal = 'bad_request' | 'bad_target' | 'origin_not_allowed'

/**
 * The page URL the callback goes on to: `to` with `code` (when there is one) and `state` appended to
 * its query before any `#`, as WeChat appends them, so hash-router URLs keep their route after
 * them. Every other byte of `to` stays as it came.
 */
export function relayTarget(to: string, state: string, code: string | undefined): string {
  const hashAt = to.indexOf('#')
  const head = hashAt === -1 ? to : to.slice(0, hashAt)
  const tail = hashAt === -1 ? '' : to.slice(hashAt)
  const added = (code ? `code=${code}&` : '') + `state=${state}`
  const separator = !head.includes('?') ? '?' : /[?&]$/.test(head) ? '' : '&'
  return head + separator + added + tail
}

/**
 * Where a relay request may go, or why not. `rawQuery` is the query as sent (each name read
 * exactly once: a repeated `to`, `code` or `state` is refused, whatever a parser would pick).
 */
export function checkRelay(
  rawQuery: string,
  allowed: ReadonlySet<string>,
): { ok: true; location: string } | { ok: false; reason: RelayRefusal } {
  const query = new URLSearchParams(rawQuery)
  const [to, ...moreTo] = query.getAll('to')
  const [code, ...moreCode] = query.getAll('code')
  const [state, ...moreState] = query.getAll('state')
  if (
    to === undefined ||
    state === undefined ||
    moreTo.length + moreCode.length + moreState.length > 0 ||
    !STATE.test(state) ||
    (code !== undefined && code !== '' && !CODE.test(code))
  ) {
    return { ok: false, reason: 'bad_request' }
  }
  if (to.length > MAX_TO_LENGTH || !PRINTABLE.test(to) || to.includes('\\')) {
    return { ok: false, reason: 'bad_target' }
  }
  let url: URL
  try {
    url = new URL(to)
  } catch {
    return { ok: false, reason: 'bad_target' }
  }
  // The origin as parsed must be allowed, and `to` must also begin with it and a `/` as written:
  // whatever a parser makes of user@, ports, dots or slashes, the browser that follows the
  // redirect reads the same authority, byte for byte, as the allow-list names.
  if (!allowed.has(url.origin) || !to.startsWith(`${url.origin}/`)) {
    return { ok: false, reason: 'origin_not_allowed' }
  }
  // A `to` that already carries a code or state (before the `#`, where the page reads them first)
  // would hand the page someone else's: the kit never sends one.
  const head = new URLSearchParams(url.search)
  if (head.has('code') || head.has('state')) return { ok: false, reason: 'bad_target' }
  return { ok: true, location: relayTarget(to, state, code || undefined) }
}

const STYLE =
  'body{margin:0;background:#ededed;color:#191919;font:16px/1.6 -apple-system,"PingFang SC",' +
  '"Microsoft YaHei",sans-serif}main{max-width:420px;min-height:100vh;margin:0 auto;' +
  'background:#fff;padding:48px 24px;text-align:center}h1{font-size:20px;font-weight:500}' +
  'p{color:#4c4c4c}'
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

/** The refusal page: in Chinese for the people who meet it; it repeats nothing from the request. */
function refusalPage(reason: RelayRefusal): string {
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>登录链接无效</title><style>${STYLE}</style></head><body>` +
    `<main data-testid="relay-refused" data-reason="${reason}"><h1>登录链接无效</h1>` +
    '<p>这个登录链接要前往的网址不在允许的范围内，无法继续登录。</p>' +
    '<p>请回到原来的页面重新打开。如果问题一直存在，请联系网站管理员。</p></main></body></html>'
  )
}

/** What both answers carry: nothing cached, no Referer with the code in it, no sniffing. */
const COMMON = [
  'Cache-Control',
  'no-store',
  'Referrer-Policy',
  'no-referrer',
  'X-Content-Type-Options',
  'nosniff',
]

function send(res: ServerResponse, status: number, headers: string[], body = ''): void {
  res.writeHead(status, [...headers, 'Content-Length', String(Buffer.byteLength(body))])
  res.end(body)
}

/** Mounts `GET /relay` when WECHAT_RELAY_ORIGINS is set; without it the path is the API's 404. */
export function mountRelayRoute(router: Router, { config, logger }: RouteContext): void {
  if (!config.relayOrigins) return
  const allowed = new Set(config.relayOrigins)
  // The API's HSTS in production (headers.ts): these answers are the host's as much as the JSON is.
  const common = config.production
    ? [...COMMON, 'Strict-Transport-Security', `max-age=${HSTS.maxAge}; includeSubDomains`]
    : COMMON
  router.get('/relay', (req: Request, res) => {
    const at = req.originalUrl.indexOf('?')
    const check = checkRelay(at === -1 ? '' : req.originalUrl.slice(at + 1), allowed)
    if (check.ok) return send(res, 302, [...common, 'Location', check.location])
    // The reason only: the query carries a code, and a refused `to` is whatever a stranger wrote.
    logger.warn({ reason: check.reason }, 'relay refused a request')
    return send(
      res,
      400,
      [
        ...common,
        'Content-Type',
        'text/html; charset=utf-8',
        'Content-Security-Policy',
        `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; frame-ancestors 'none'`,
      ],
      refusalPage(check.reason),
    )
  })
}
