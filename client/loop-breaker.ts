import { WechatAuthError } from './errors'
import type { SafeStorage } from './safe-storage'

/**
 * The loop breaker's window: at most 2 trips to WeChat within it may come back without a session.
 * Also the window in which a second refusal met by `fetchProfile()` is an error, not a trip.
 */
export const WINDOW_MS = 60_000

/**
 * Trips to WeChat that keep coming back without a session (a fault, a code WeChat keeps refusing,
 * a page that reloads on error) stop at the third instead of bouncing forever. The trips are
 * counted in this tab's storage, which survives them.
 */
export interface LoopBreaker {
  /**
   * Counts a trip about to start; throws `login_loop` instead when two within WINDOW_MS did, or
   * when this tab cannot keep the count (no sessionStorage).
   */
  count(): void
  /** Ends the run of trips: a session came back, or the user asked again (`login()`). */
  reset(): void
}

export function loopBreaker(tab: SafeStorage, now: () => number): LoopBreaker {
  return {
    count() {
      // Anything but a list of times (missing, corrupt) wraps into a list whose entries the filter drops.
      const trips = ([tab.get('trips')].flat() as number[]).filter((t) => now() - t < WINDOW_MS)
      // A trip this tab cannot record (its storage is in memory) could not be counted, and its
      // pending login would not survive it: every return would look like a link that travelled
      // (ignored, docs/wechat.md#shared-links) and start another trip, without end.
      if (trips.length > 1 || tab.set('trips', [...trips, now()])) {
        throw new WechatAuthError('login_loop')
      }
    },
    reset: () => tab.set('trips', []),
  }
}
