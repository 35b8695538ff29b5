import { randomBytes } from 'node:crypto'

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Uniform random string over `alphabet` (rejection sampling, so no modulo bias). */
export function randomString(length: number, alphabet: string = ALPHANUMERIC): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue
      out += alphabet[byte % alphabet.length]
      if (out.length === length) break
    }
  }
  return out
}

/** A code shaped like WeChat's: 32 chars, a leading `0`, then letters and digits. */
export function newCode(): string {
  return '0' + randomString(31)
}

/** A token shaped like WeChat's: a numeric prefix, `_`, then ~100 chars of base64url. */
export function newToken(): string {
  return '86_' + randomBytes(75).toString('base64url')
}

/** WeChat appends a request id to every errmsg: `rid: 610bd4ad-0b8248fc-0a4d403b`. */
export function newRid(): string {
  const hex = randomBytes(12).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`
}
