import { parse as parseContentType } from 'content-type'
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { WechatApp } from '../../client/wire.js'
import { appCredentials } from '../config.js'
import { httpUrl } from '../config-env.js'
import type { AppCredentials, ProxyConfig } from '../config.js'
import { ProxyError } from '../errors.js'
import { COMPACT_JWS } from '../login/session.js'

/** A valid `POST /openid`, with the credentials of the app it names. */
export interface OpenidRequest {
  code: string
  verifier?: string
  app: WechatApp
  /** The app's credentials: only a configured app gets this far. */
  credentials: AppCredentials
}

// Checked before anything goes to WeChat: a malformed code can only fail there, and passing arbitrary
// text into WeChat's query string would let a caller spend our API quota and pollute our logs.
// WeChat's codes are 32 characters of A-Za-z0-9 in practice; the bound leaves room for a change.
const CODE = /^[A-Za-z0-9_-]{1,64}$/
// WeChat allows a-zA-Z0-9 in state, at most 128 bytes (docs/wechat.md#state). Older kits send it;
// it is checked like every field and then not used: the kit checks state itself, and the verifier
// is what binds a code to its browser.
const STATE = /^[A-Za-z0-9]{1,128}$/
// Long enough that it cannot be guessed (the kit sends 32 random bytes as 64 hex characters).
const VERIFIER = /^[A-Za-z0-9_-]{16,128}$/
const KNOWN_FIELDS = new Set(['code', 'state', 'verifier', 'app'])

function invalid(message: string): ProxyError {
  return new ProxyError('invalid_request', message)
}

/**
 * The fields of a JSON body that must be an object with only `known` fields. Strict: an unknown field
 * is a client bug or a probe, never something to ignore. Own keys only, so `__proto__` or
 * `constructor` in the JSON are refused here like any other stranger.
 */
function fieldsOf(body: unknown, known: ReadonlySet<string>): Map<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The body must be a JSON object')
  }
  const unknown = Object.keys(body).find((key) => !known.has(key))
  if (unknown !== undefined) {
    throw invalid(`Unknown field ${JSON.stringify(unknown.slice(0, 32))}`)
  }
  return new Map(Object.entries(body))
}

/** Checks the body of `POST /openid`; throws `invalid_request` naming the field at fault. */
export function parseOpenidRequest(
  body: unknown,
  config: Pick<ProxyConfig, 'mp' | 'web'>,
): OpenidRequest {
  const fields = fieldsOf(body, KNOWN_FIELDS)
  const code = fields.get('code')
  const state = fields.get('state')
  const verifier = fields.get('verifier')
  const app = fields.has('app') ? fields.get('app') : 'mp'
  if (code === undefined || code === null || code === '') throw invalid('code is required')
  if (typeof code !== 'string' || !CODE.test(code)) {
    throw invalid('code must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -')
  }
  if (state !== undefined && (typeof state !== 'string' || !STATE.test(state))) {
    throw invalid('state must be 1 to 128 characters of A-Z, a-z and 0-9')
  }
  if (verifier !== undefined && (typeof verifier !== 'string' || !VERIFIER.test(verifier))) {
    throw invalid('verifier must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -')
  }
  if (app !== 'mp' && app !== 'web') throw invalid('app must be "mp" or "web"')
  const credentials = appCredentials(config, app)
  if (!credentials) {
    throw invalid('app "web" is not configured (set WECHAT_WEB_APPID and WECHAT_WEB_SECRET)')
  }
  const request: OpenidRequest = { code, app, credentials }
  if (verifier !== undefined) request.verifier = verifier
  return request
}

/** A valid `POST /jssdk`: the URL to sign, and its host for the allow-list. */
export interface JssdkRequest {
  /** The request's url without its fragment: what is signed. */
  url: string
  /** Lower case, as URL gives it. */
  hostname: string
}

const JSSDK_FIELDS = new Set(['url'])
/** Longer than any page URL a phone shows; a bound on what is hashed and answered. */
export const MAX_JSSDK_URL_LENGTH = 2048
// Printable ASCII but the backslash: a browser's location.href percent-encodes everything else, and
// parsers disagree on what a backslash or a control character in a URL means.
const URL_CHARACTERS = /^[\x21-\x5b\x5d-\x7e]+$/

/**
 * Checks the body of `POST /jssdk` (docs/wechat.md#signed-url); throws `invalid_request` naming the
 * field at fault. Which hosts are allowed is the route's decision (they depend on the request).
 */
export function parseJssdkRequest(body: unknown): JssdkRequest {
  const raw = fieldsOf(body, JSSDK_FIELDS).get('url')
  if (raw === undefined || raw === null || raw === '') throw invalid('url is required')
  if (typeof raw !== 'string' || raw.length > MAX_JSSDK_URL_LENGTH || !URL_CHARACTERS.test(raw)) {
    throw invalid(
      `url must be at most ${MAX_JSSDK_URL_LENGTH} characters of printable ASCII, as a browser shows it`,
    )
  }
  // WeChat checks the page without its fragment (docs/wechat.md#signed-url).
  const url = raw.split('#', 1)[0] ?? ''
  const parsed = httpUrl(url)
  if (!parsed) throw invalid('url must be an absolute http:// or https:// URL')
  // Its authority exactly as a browser writes it (lower case, no user info, no default port), so the
  // host checked here is the host any parser, WeChat's included, reads in what is signed:
  // `https://allowed.test@evil.test/`, `https://ALLOWED.test/` or `http:/allowed.test` are refused.
  const rest = url.slice(parsed.origin.length)
  if (!url.startsWith(parsed.origin) || !(rest === '' || rest[0] === '/' || rest[0] === '?')) {
    throw invalid('url must be a page URL as a browser shows it (no user info, lower-case host)')
  }
  return { url, hostname: parsed.hostname }
}

/** Only JSON is accepted, so a cross-site HTML form cannot post to us without a CORS preflight. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  // `req.is` is null when there is no body at all (not even Content-Length: 0): validation then
  // names what is missing.
  if (req.is('application/json') === false || !utf8(req.get('content-type'))) {
    next(
      new ProxyError('invalid_request', 'Content-Type must be application/json (UTF-8)', {
        status: 415,
      }),
    )
    return
  }
  next()
}

/**
 * Whether a body with this Content-Type is read as UTF-8: no charset (JSON is UTF-8) or utf-8
 * itself, read by the parser the body parser uses (content-type), so that what is checked is what
 * will be decoded. UTF-7 and UTF-16 are classic ways to smuggle text past filters, and the kit never
 * sends them; a header the parser cannot read is refused too. No header: no body, see below.
 */
function utf8(header: string | undefined): boolean {
  if (header === undefined) return true
  try {
    const charset = parseContentType(header).parameters.charset?.toLowerCase()
    return charset === undefined || charset === 'utf-8' || charset === 'utf8'
  } catch {
    return false
  }
}

/**
 * A JSON body of at most `limit` (larger ones are refused before parsing: 413), UTF-8 JSON only
 * (415 otherwise).
 */
export function jsonBody(limit: string): RequestHandler[] {
  // inflate: false: a small body is never compressed by a real client, and a compressed one could
  // hide far more than the limit.
  return [requireJson, express.json({ limit, strict: true, inflate: false })]
}

// The scheme is case-insensitive (RFC 9110) and exactly one token follows it: several tokens, other
// schemes or extra text are refused rather than guessed at; the token must look like a JWT.
const BEARER = /^Bearer (\S+)$/i
// The cap keeps a hostile header from reaching the verifier.
const MAX_TOKEN_LENGTH = 4096

/** The session token of an `Authorization: Bearer` header; `unauthorized` when absent or malformed. */
export function bearerToken(header: string | undefined): string {
  const match = header && header.length <= MAX_TOKEN_LENGTH ? BEARER.exec(header) : null
  if (!match?.[1] || !COMPACT_JWS.test(match[1])) {
    throw new ProxyError('unauthorized', 'A session is required (Authorization: Bearer <session>)')
  }
  return match[1]
}
