import type { Request, RequestHandler, Router } from 'express'
import type { JssdkResponse } from '../../../client/wire.js'
import type { ProxyConfig } from '../../config.js'
import { ProxyError } from '../../errors.js'
import { jssdkNonce, jssdkSignature } from '../../wechat/jssdk.js'
import { jsonBody, parseJssdkRequest } from '../validate.js'
import type { RouteContext } from './context.js'

/** Room for a URL of MAX_JSSDK_URL_LENGTH characters and the JSON around it. */
const MAX_BODY = '3kb'

/**
 * Whether `/jssdk` signs pages on `hostname` (compared in lower case, any port): those of
 * WECHAT_JSSDK_DOMAINS, else the hosts of ALLOWED_ORIGINS and, in development or against the mock,
 * the request's own host (`req.hostname`, through TRUST_PROXY).
 */
export function jssdkHostCheck(
  config: Pick<ProxyConfig, 'jssdkDomains' | 'allowedOrigins' | 'production' | 'mock'>,
): (req: Request, hostname: string) => boolean {
  if (config.jssdkDomains) {
    const domains = new Set(config.jssdkDomains)
    return (_req, hostname) => domains.has(hostname)
  }
  const origins = new Set(config.allowedOrigins.map((origin) => new URL(origin).hostname))
  // The request's own host is its Host header, which any client writes: in production against
  // real WeChat it would sign whatever host a caller names, so there only configured hosts count.
  if (config.production && !config.mock) return (_req, hostname) => origins.has(hostname)
  return (req, hostname) => origins.has(hostname) || hostname === req.hostname.toLowerCase()
}

/**
 * `POST /jssdk`: the `wx.config` fields for a page (docs/wechat.md#js-sdk-signing), signed with the
 * official account's jsapi_ticket. No session: public pages share too. `limit` is the per-IP rate
 * limit, run before the body is read; a URL that is malformed or on a host we do not sign for is
 * refused before the ticket is even looked up.
 */
export function mountJssdkRoute(router: Router, ctx: RouteContext, limit: RequestHandler): void {
  const { config, logger, now } = ctx
  const allowed = jssdkHostCheck(config)
  if (config.production && !config.mock && !config.jssdkDomains && !config.allowedOrigins.length) {
    logger.warn(
      { route: 'jssdk' },
      'WECHAT_JSSDK_DOMAINS is not set: POST /jssdk signs no page until it names your hosts',
    )
  }

  router.post('/jssdk', limit, ...jsonBody(MAX_BODY), async (req, res) => {
    const { url, hostname } = parseJssdkRequest(req.body)
    // Our ticket signs only our own pages: a signature for any other host would make the proxy a
    // signing service for whoever asks.
    if (!allowed(req, hostname)) {
      throw new ProxyError(
        'url_not_allowed',
        "The url's host is not one this proxy signs pages for (WECHAT_JSSDK_DOMAINS)",
      )
    }
    let ticket: string
    try {
      ticket = await ctx.basic.jsapiTicket()
    } catch (error) {
      if (error instanceof ProxyError) {
        logger.warn({ route: 'jssdk', outcome: error.code, errcode: error.errcode }, error.message)
      }
      throw error
    }
    const timestamp = Math.floor(now() / 1000)
    const nonceStr = jssdkNonce()
    const body: JssdkResponse = {
      appId: config.mp.appid,
      timestamp,
      nonceStr,
      signature: jssdkSignature({ ticket, nonceStr, timestamp, url }),
      url,
    }
    ctx.respond.json(res, 200, body)
  })
}
