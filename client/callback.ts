export interface CallbackParams {
  code?: string
  state?: string
}

const CALLBACK_KEYS = ['code', 'state']
const WECHAT_MARKER = '#wechat_redirect'

/** Splits `a?b` at the first `?`: the part before, and the query (undefined when there is no `?`). */
function splitQuery(part: string): [string, string | undefined] {
  const i = part.indexOf('?')
  return i < 0 ? [part, undefined] : [part.slice(0, i), part.slice(i + 1)]
}

/** `[before '#', the hash including '#' or '']` */
function splitHash(href: string): [string, string] {
  const i = href.indexOf('#')
  return i < 0 ? [href, ''] : [href.slice(0, i), href.slice(i)]
}

function readParams(query: string | undefined): CallbackParams | null {
  if (!query) return null
  const params = new URLSearchParams(query)
  const code = params.get('code') || undefined
  const state = params.get('state') || undefined
  if (!code && !state) return null
  const found: CallbackParams = {}
  if (code) found.code = code
  if (state) found.state = state
  return found
}

/**
 * Reads WeChat's `code`/`state` from the query before the `#` (oauth2/authorize puts them there even
 * for hash routers) or from a query inside the hash (qrconnect appends at the very end). Both come
 * from one place, the part before the `#` first; null when neither carries them.
 */
export function parseCallback(href: string): CallbackParams | null {
  const [beforeHash, hash] = splitHash(href)
  return readParams(splitQuery(beforeHash)[1]) ?? readParams(splitQuery(hash)[1])
}

/** Drops `code` and `state` from a raw query, leaving every other parameter byte for byte. */
function stripQuery(part: string): string {
  const [head, query] = splitQuery(part)
  if (query === undefined) return part
  const kept = query.split('&').filter((pair) => !CALLBACK_KEYS.includes(pair.split('=')[0] ?? ''))
  return kept.length > 0 ? `${head}?${kept.join('&')}` : head
}

/**
 * `href` without `code` and `state`, in both places parseCallback reads. Everything else stays as
 * it was (shared-link params such as `from=singlemessage`, their order and encoding, the hash route),
 * because iOS WeChat and the app's own links depend on the rest of the URL.
 */
export function stripCallback(href: string): string {
  const [beforeHash, hash] = splitHash(href)
  // Browsers carry the authorize URL's `#wechat_redirect` over to a redirect target without a hash:
  // it is WeChat's marker, never the app's route.
  return stripQuery(beforeHash) + (hash === WECHAT_MARKER ? '' : stripQuery(hash))
}
