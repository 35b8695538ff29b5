/**
 * 32 random bytes from `crypto.getRandomValues`, as 64 lowercase hex characters: alphanumeric
 * (WeChat's `state` allows only `a-zA-Z0-9`), unbiased, and within its 128-character limit.
 */
export const randomString = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
    (b | 256).toString(16).slice(1),
  ).join('')
