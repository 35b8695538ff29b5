import cors from 'cors'
import { rateLimit } from 'express-rate-limit'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { RequestHandler } from 'express'
import helmet from 'helmet'
import type { ProxyConfig } from './config.js'
import { ProxyError } from './errors.js'

/** Where WeChat serves avatars (`headimgurl`). */
const WECHAT_AVATAR_HOSTS = ['https://thirdwx.qlogo.cn', 'https://wx.qlogo.cn']
const WECHAT_OPEN = 'https://open.weixin.qq.com'
/**
 * HSTS in production, one policy for pages and API answers alike: a browser applies the last one it
 * saw on the host, fetch answers included, so two policies would undo each other.
 */
const HSTS = { maxAge: 180 * 24 * 3600, includeSubDomains: true }
const HSTS_VALUE = `max-age=${HSTS.maxAge}; includeSubDomains`

function originOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).origin : undefined
}

type SecurityConfig = Pick<ProxyConfig, 'production' | 'mock' | 'apiBase' | 'allowedOrigins'>

/**
 * Security headers for the built SPA (and anything else the host app serves), with a CSP that fits it:
 * scripts only from our own files (no eval, no inline script but the ones the build declared by hash:
 * `scriptHashes`, the pre-boot redirect), so an injected string cannot run.
 */
export function securityHeaders(
  config: SecurityConfig,
  scriptHashes: string[] = [],
): RequestHandler {
  // The mock serves avatars from the address the proxy calls it at, which may be another origin.
  const mockOrigin = config.mock ? originOf(config.apiBase) : undefined
  const extra = (...values: (string | undefined)[]) =>
    values.filter((value): value is string => value !== undefined)
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...scriptHashes.map((hash) => `'${hash}'`)],
        // Vue's :style bindings write style attributes, which CSP counts as inline style.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // data: for the QR code of the open-in-WeChat page.
        imgSrc: ["'self'", 'data:', ...WECHAT_AVATAR_HOSTS, ...extra(mockOrigin)],
        connectSrc: ["'self'", ...config.allowedOrigins],
        fontSrc: ["'self'"],
        // Nobody may frame the login pages (clickjacking the consent flow).
        frameAncestors: ["'none'"],
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

/** Header lists in the flat [name, value, ...] form that `res.writeHead` takes. */
export interface ApiHeaders {
  /** Properties of our answers themselves: always sent, over anything set before. */
  always: readonly string[]
  /**
   * Site-wide policies: sent unless the app the router is mounted in already set its own (its HSTS
   * and CSP are its decision for the whole host, and an answer of ours must not undo them).
   */
  unlessSet: readonly string[]
}

/**
 * Headers of every answer of the proxy's own API, computed once: they do not depend on the request.
 * An API answer is JSON, never a page, so it gets the few headers that matter for JSON instead of the
 * SPA's whole helmet set, rebuilt per request.
 */
export function apiHeaders(config: Pick<ProxyConfig, 'production'>): ApiHeaders {
  return {
    always: [
      // Sessions and identities must not be kept by browsers or shared caches, whatever the host
      // app sets for its other routes.
      'Cache-Control',
      'no-store',
      // A JSON answer is never to be sniffed into HTML or script.
      'X-Content-Type-Options',
      'nosniff',
      'Referrer-Policy',
      'no-referrer',
      // Other sites may not embed our answers as no-cors subresources (CORS reads are not affected).
      'Cross-Origin-Resource-Policy',
      'same-origin',
    ],
    unlessSet: [
      // Should an answer ever be rendered as a document: no script, no subresource, no framing
      // (frame-ancestors is what browsers honour against framing; X-Frame-Options would repeat it).
      'Content-Security-Policy',
      "default-src 'none'; frame-ancestors 'none'",
      // HTTPS only, the pages' policy (securityHeaders); only in production, so plain-http
      // development on localhost is never pinned to https.
      ...(config.production ? ['Strict-Transport-Security', HSTS_VALUE] : []),
    ],
  }
}

/**
 * CORS for exactly the ALLOWED_ORIGINS; any other origin gets no Access-Control-Allow-Origin at all,
 * so a foreign page cannot read our answers. Credentials stay off: the session travels in the
 * Authorization header, never in a cookie, so no ambient authority is ever sent cross-site.
 *
 * A request without an Origin header or from an origin not on the list passes on untouched, as the
 * cors package itself treats an origin it refuses (no header at all, not even Vary); only an allowed
 * origin runs it. Without ALLOWED_ORIGINS (the same-origin default) there is nothing to run at all.
 */
export function corsFor(config: Pick<ProxyConfig, 'allowedOrigins'>): RequestHandler | undefined {
  if (config.allowedOrigins.length === 0) return undefined
  const allowed = new Set(config.allowedOrigins)
  const allow = cors({
    origin: true,
    credentials: false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  })
  return (req, res, next) => {
    const { origin } = req.headers
    if (origin === undefined || !allowed.has(origin)) next()
    else allow(req, res, next)
  }
}

/**
 * The per-IP limit on `/openid` (RATE_LIMIT per minute), answered with `429 rate_limited` and the
 * RateLimit-* headers. The default is generous because of carrier-grade NAT: on mobile networks many
 * phones share one public IP, and a tight limit would lock them out together; it still stops one
 * script from spending WeChat's API quota through us.
 *
 * The client IP is `req.ip`, so the host app's `trust proxy` must match the deployment (TRUST_PROXY):
 * behind nginx without it every user has nginx's IP and shares one budget.
 */
export function openidRateLimit(
  config: Pick<ProxyConfig, 'rateLimit'>,
  store?: RateLimitStore,
): RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    handler: (_req, _res, next) => {
      next(new ProxyError('rate_limited', 'Too many sign-in attempts from this address; wait'))
    },
  })
  // A limiter store that fails (e.g. Redis down) is a 503 like any other store failure, not a 500.
  return (req, res, next) => {
    void limiter(req, res, (error?: unknown) => {
      if (error === undefined || error instanceof ProxyError) next(error)
      else next(new ProxyError('upstream_unavailable', 'The rate limit store is not reachable'))
    })
  }
}
