/**
 * `bytes` random bytes from `crypto.getRandomValues`, as lowercase hex: alphanumeric (WeChat's
 * `state` allows only `a-zA-Z0-9`), unbiased, and at most 128 characters for the default 32 bytes.
 */
export function randomString(
  bytes = 32,
  crypto: {
    getRandomValues(array: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>
  } = globalThis.crypto,
): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('')
}
