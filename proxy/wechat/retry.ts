import { setTimeout as delay } from 'node:timers/promises'
import { ProxyError } from '../errors.js'

export interface BusyRetryOptions {
  /** Retries after the first call. @default 2 */
  retries?: number
  /** Delay before the first retry; it doubles for each next one (plus jitter). @default 100 */
  baseMs?: number
  /** @default setTimeout as a promise */
  sleep?: (ms: number) => Promise<void>
  /** A number in [0, 1), for the jitter. @default Math.random */
  random?: () => number
}

/** True for WeChat's `-1 system error`: WeChat is busy and says a retry may work (docs/wechat.md#errcodes). */
function isBusy(error: unknown): boolean {
  return error instanceof ProxyError && error.errcode === -1
}

/**
 * Wraps calls so that WeChat's `-1` is retried a bounded number of times with exponential backoff and
 * jitter (half the delay fixed, half random, so that many clients told "busy" at once do not come
 * back at once); after the last retry the `-1` error (503 upstream_unavailable) stands.
 *
 * Only `-1` is retried: WeChat answered and did not act. Timeouts, dropped connections and 5xx are
 * NEVER retried here: WeChat may have consumed the code or rotated the refresh_token before the answer
 * was lost, and a second call would turn a recoverable fault into 40163 / 40030. The caller decides
 * instead (the exchange releases the code so the same browser may try again).
 */
export function retryWhenBusy(
  options: BusyRetryOptions = {},
): <T>(call: () => Promise<T>) => Promise<T> {
  const { retries = 2, baseMs = 100, sleep = delay, random = Math.random } = options
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call()
      } catch (error) {
        if (!isBusy(error) || attempt >= retries) throw error
        const backoff = baseMs * 2 ** attempt
        await sleep(backoff / 2 + (random() * backoff) / 2)
      }
    }
  }
}
