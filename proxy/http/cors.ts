import cors from 'cors'
import type { RequestHandler } from 'express'
import type { ProxyConfig } from '../config.js'

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
