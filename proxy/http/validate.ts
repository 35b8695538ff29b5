import type { WechatApp } from '../../client/wire.js'
import { appCredentials } from '../config.js'
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

/** Checks the body of `POST /openid`; throws `invalid_request` naming the field at fault. */
export function parseOpenidRequest(
  body: unknown,
  config: Pick<ProxyConfig, 'mp' | 'web'>,
): OpenidRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The body must be a JSON object')
  }
  // Strict: an unknown field is a client bug or a probe, never something to ignore. Own keys only,
  // so `__proto__` or `constructor` in the JSON are refused here like any other stranger.
  const unknown = Object.keys(body).find((key) => !KNOWN_FIELDS.has(key))
  if (unknown !== undefined) {
    throw invalid(`Unknown field ${JSON.stringify(unknown.slice(0, 32))}`)
  }
  const fields = new Map(Object.entries(body))
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
