export interface CallbackParams {
  code?: string
  state?: string
}

/** Splits at the first `at`: the part before, and the rest from `at` on ('' when absent). */
function cut(text: string, at: '#' | '?'): [string, string] {
  // -1 (absent) becomes the largest index: everything before, nothing after.
  const i = text.indexOf(at) >>> 0
  return [text.slice(0, i), text.slice(i)]
}

/**
 * Reads WeChat's `code`/`state` from the query before the `#` (oauth2/authorize puts them there even
 * for hash routers) or from a query inside the hash (qrconnect appends at the very end). Both come
 * from one place, the part before the `#` first; null when neither carries them.
 */
export function parseCallback(href: string): CallbackParams | null {
  for (const part of cut(href, '#')) {
    const params = new URLSearchParams(cut(part, '?')[1])
    const code = params.get('code') || undefined
    const state = params.get('state') || undefined
    if (code || state) return { code, state }
  }
  return null
}

/** Drops `code` and `state` from the query of `part`, leaving every other parameter byte for byte. */
function stripQuery(part: string): string {
  const [head, query] = cut(part, '?')
  const kept = query
    .slice(1)
    .split('&')
    .filter((pair) => !/^(code|state)(=|$)/.test(pair))
    .join('&')
  return kept ? `${head}?${kept}` : head
}

/**
 * `href` without `code` and `state`, in both places parseCallback reads. Everything else stays as
 * it was (shared-link params such as `from=singlemessage`, their order and encoding, the hash route),
 * because iOS WeChat and the app's own links depend on the rest of the URL.
 */
export function stripCallback(href: string): string {
  const [beforeHash, hash] = cut(href, '#')
  // Browsers carry the authorize URL's `#wechat_redirect` over to a redirect target without a hash:
  // it is WeChat's marker, never the app's route.
  return stripQuery(beforeHash) + (hash === '#wechat_redirect' ? '' : stripQuery(hash))
}
