/** WeChat's callback parameters, as URLSearchParams reads them: null when absent. */
export interface CallbackParams {
  /** Null (or empty) when the user refused consent. */
  code: string | null
  state: string | null
}

/**
 * Reads WeChat's `code`/`state` from the query before the `#` (oauth2/authorize puts them there even
 * for hash routers) or from a query inside the hash (qrconnect appends at the very end). Both come
 * from one place, the part before the `#` first; null when neither carries them.
 */
export function parseCallback(href: string): CallbackParams | null {
  // The part before the first `#` and the rest (the capture keeps later `#`s in it; a third, empty
  // part carries nothing), then each one's query: from its first `?` on (URLSearchParams drops that
  // one `?`), undefined when it has none. `[^]` also matches line breaks, which `.` would not.
  for (const part of href.split(/#([^]*)/)) {
    const params = new URLSearchParams(part.split(/(\?[^]*)/)[1])
    const code = params.get('code')
    const state = params.get('state')
    if (code || state) return { code, state }
  }
  return null
}

/**
 * `href` without WeChat's `code` and `state` (before the `#` and in a query inside it) and without
 * the `#wechat_redirect` marker a browser may carry over from the authorize URL; every other
 * parameter stays byte for byte, in order. Regexes without lookbehind: iOS before 16.4 cannot parse
 * one. Removing a pair leaves its separator, so the next passes fold `?&` and `&&`, then drop a `?`
 * or `&` left dangling before the hash or at the end.
 */
export const stripCallback = (href: string): string =>
  href
    .replace(/^([^#]*)#wechat_redirect$/, '$1')
    .replace(/([?&])(code|state)(=[^&#]*)?(?=[&#]|$)/g, '$1')
    .replace(/([?&])&+/g, '$1')
    .replace(/[?&]+(?=#|$)/g, '')
