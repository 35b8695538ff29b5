import type { RequestHandler } from 'express'
import helmet from 'helmet'
import { jssdkScriptUrl } from '../config.js'
import type { ProxyConfig } from '../config.js'
import { httpUrl } from '../config-env.js'
import { HSTS } from '../http/headers.js'

/** Where WeChat serves avatars (`headimgurl`). */
const WECHAT_AVATAR_HOSTS = ['https://thirdwx.qlogo.cn', 'https://wx.qlogo.cn']
const WECHAT_OPEN = 'https://open.weixin.qq.com'

type SecurityConfig = Pick<
  ProxyConfig,
  'production' | 'mock' | 'apiBase' | 'openBase' | 'allowedOrigins'
>

/**
 * Security headers for the built SPA (and anything else the host app serves), with a CSP that fits it:
 * scripts only from our own files and the JS-SDK's (no eval, no inline script but the ones the build
 * declared by hash: `scriptHashes`, the pre-boot redirect), so an injected string cannot run.
 */
export function securityHeaders(
  config: SecurityConfig,
  scriptHashes: string[] = [],
): RequestHandler {
  // The mock serves avatars from the address the proxy calls it at, which may be another origin.
  const mockOrigin = config.mock ? httpUrl(config.apiBase)?.origin : undefined
  // The JS-SDK's script (GET /config's jssdkScript): exactly its origin, none when it is our own
  // (the mock's stand-in served on the page's origin).
  const jssdkOrigin = httpUrl(jssdkScriptUrl(config))?.origin
  // The open platform the embedded PC QR login frames (`/connect/qrconnect`): WeChat's, or a mock on
  // another origin (WECHAT_OPEN_BASE); none extra when the mock is on the page's own origin.
  const openOrigin = httpUrl(config.openBase)?.origin
  const extra = (...values: (string | undefined)[]) =>
    values.filter((value): value is string => value !== undefined)
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...extra(jssdkOrigin), ...scriptHashes.map((hash) => `'${hash}'`)],
        // Vue's :style bindings write style attributes, which CSP counts as inline style.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // data: for the QR code of the open-in-WeChat page.
        imgSrc: ["'self'", 'data:', ...WECHAT_AVATAR_HOSTS, ...extra(mockOrigin)],
        // The mock's stand-in JS-SDK posts its wx.config checks to the mock that served it.
        connectSrc: [
          "'self'",
          ...config.allowedOrigins,
          ...extra(config.mock ? jssdkOrigin : undefined),
        ],
        fontSrc: ["'self'"],
        // Nobody may frame the login pages (clickjacking the consent flow) ...
        frameAncestors: ["'none'"],
        // ... and they frame only the QR page of the configured open platform.
        frameSrc: ["'self'", ...extra(openOrigin)],
        formAction: ["'self'", WECHAT_OPEN],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        scriptSrcAttr: ["'none'"],
        // Only in production against real WeChat: the mock's avatars are plain http.
        ...(config.production && !config.mock ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // The callback URL carries the code: no page may send it to another site in a Referer header.
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only in production: on localhost it would pin plain-http development to https.
    strictTransportSecurity: config.production ? HSTS : false,
  })
}
