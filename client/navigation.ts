import type { RouteLocation } from 'vue-router'
import { stripCallback } from './callback'
import type { CallbackCompletion } from './complete-callback'
import type { FlowContext } from './runtime'
import { safeReturnPath } from './safe-return-path'
import type { StartLogin } from './start-login'
import type { WechatAuthStatus } from './store'

/**
 * Deciding a navigation, for the guard (createWechatAuthGuard): it waits for the callback in the
 * URL to complete (or the exchange in flight), then lets the route through, returns to the route
 * the login was started for, or goes to WeChat when the route's requirement is not met.
 */
export function createNavigationDecision(
  { store, router, defaultAuth, fail, hasSession }: FlowContext,
  start: StartLogin,
  { complete, strippable }: CallbackCompletion,
) {
  /** Counts guard runs, so a navigation overtaken while it waited can step aside. */
  let navigations = 0

  /** `path` in place of the current history entry (the one with the callback in it). */
  const replaceWith = (path: string) => ({ ...router().resolve(path), replace: true })

  return async (to: RouteLocation) => {
    const id = ++navigations
    // A failure is shown on the page the user asked for (it is in `error`, so no trip follows).
    const back = await complete().catch(fail)
    // A newer navigation started while this one waited: its decision wins (vue-router would still
    // follow a redirect returned here). Or the page is leaving for WeChat: stay put.
    if (id != navigations || store.status == 'redirecting') return false

    // A tampered pending route must not turn the login into an open redirect.
    if (back && back != to.fullPath) {
      return replaceWith(safeReturnPath(back))
    }
    // The callback is also in the route (history mode, or qrconnect's query inside the hash), or
    // only WeChat's `#wechat_redirect`: replace the route without it, stripped as the page URL was.
    // Only when that removes something: a replacement that changed nothing would be decided again,
    // and again.
    const stripped = stripCallback(to.fullPath)
    if (stripped != to.fullPath && strippable(to.fullPath)) return replaceWith(stripped)

    const required = to.meta.wechatAuth ?? defaultAuth
    // No automatic retry after a failure: re-authorizing on every error is how login loops start.
    // With the embedded QR code the page itself offers the login.
    if (required && !hasSession(required) && !store.error && store.loginMode != 'pc-embedded') {
      await start({ target: to })
    }
    // Leaving for WeChat: stay put. A failed start shows its error on the page instead.
    return (store.status as WechatAuthStatus) != 'redirecting'
  }
}
