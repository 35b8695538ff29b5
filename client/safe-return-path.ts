/**
 * `input` when it is a path on this origin, else `fallback`. For the route restored after a login
 * and for any `redirect`/`returnTo` query a login page takes, which anyone can put in a link:
 *
 * ```ts
 * router.replace(safeReturnPath(route.query.redirect))
 * ```
 *
 * Refused: anything but a string starting with one `/`; `//host` and `/\host` (browsers read both as
 * another host), any `//` before the query (`/..//host` normalizes to `//host`), backslashes,
 * control characters (browsers drop tabs and newlines, turning `/\t/host` into `//host`) and
 * whitespace at the ends. The same holds after every round of percent-decoding, because whoever
 * reads the path next may decode it (`/%2F%2Fhost`, `/%252F%252Fhost`).
 */
export function safeReturnPath(input: unknown, fallback = '/'): string {
  // Each round shortens the string, so this ends.
  for (let s = input; typeof s == 'string';) {
    // No lookbehind (the last character is matched instead): iOS before 16.4 cannot parse one, and
    // WeChat there is the system WebKit.
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    if (!/^(?![^?#]*\/\/)\/([^\\\0-\x1f\x7f]*[^\\\s\0-\x1f\x7f])?$/.test(s)) break
    // unescape, not decodeURIComponent: it never throws, so a malformed sequence cannot stop the
    // decoding early and hide what follows.
    const decoded = unescape(s)
    if (decoded == s) return input as string
    s = decoded
  }
  return fallback
}
