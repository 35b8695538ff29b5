import type { ProxyConfig } from '../config.js'

/**
 * HSTS in production, one policy for pages and API answers alike: a browser applies the last one it
 * saw on the host, fetch answers included, so two policies would undo each other.
 */
export const HSTS = { maxAge: 180 * 24 * 3600, includeSubDomains: true }
const HSTS_VALUE = `max-age=${HSTS.maxAge}; includeSubDomains`

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
