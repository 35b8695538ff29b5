import type { RouteLocationRaw } from 'vue-router'
import { buildLoginUrl } from './authorize-url'
import { stripCallback } from './callback'
import { WechatAuthError } from './errors'
import type { WechatAuthRequirement } from './options'
import type { PendingLogin } from './pending-login'
import { randomString } from './random'
import type { FlowContext, FlowState } from './runtime'
import type { WechatScope, WechatSessionScope } from './wire'

export interface StartLoginOptions {
  /** The route to log in for, restored after the login. @default the current route */
  target?: RouteLocationRaw
  /** @default loginScope() of the target's requirement and the session held */
  scope?: WechatScope
  /** A fresh login because WeChat refused the last code: a refusal of this one's is shown. */
  again?: boolean
  /** For `<WechatQrLogin>`: resolve to the URL of the website app's QR page instead of leaving. */
  embedded?: boolean
}

/**
 * Starts a login; resolves to the QR page's URL when `embedded`. Never rejects: a failure is shown
 * in `error`.
 */
export type StartLogin = (options?: StartLoginOptions) => Promise<string | void>

/**
 * The scope a login asks for: `snsapi_userinfo` when the route needs it, and while the store holds
 * a userinfo session, so that a login never asks WeChat for less than the user already granted.
 * The scope of the session it makes is the proxy's to decide (it knows the grant it keeps).
 */
export const loginScope = (
  required: WechatAuthRequirement,
  held: WechatSessionScope | null,
): WechatScope =>
  required == 'userinfo' || held == 'snsapi_userinfo' ? 'snsapi_userinfo' : 'snsapi_base'

/**
 * Starting a login: saves a pending login for the target, then sends the browser to WeChat,
 * replacing the page so that WeChat's URL never enters the history and back never bounces the
 * user forward through it.
 */
export function createStartLogin({
  flowState,
  store,
  tab,
  win,
  now,
  router,
  defaultAuth,
  trips,
  setStatus,
  fail,
  ensureReady,
}: FlowContext): StartLogin {
  return async ({ target, scope, again, embedded } = {}) => {
    try {
      await ensureReady()
      const { app } = flowState
      // Outside WeChat the official account's login ends on WeChat's dead-end page: never go there.
      // The QR code is for desktops: a phone cannot scan its own screen.
      if (store.loginMode == 'unavailable' || (embedded && app == 'mp')) {
        throw new WechatAuthError('outside_wechat')
      }
      const to = router().resolve(target ?? router().currentRoute.value)
      scope ??= loginScope(to.meta.wechatAuth ?? defaultAuth, store.scope)
      // A QR code in the page is no trip: nothing happens until someone scans it.
      if (!embedded) trips.count()
      const state = randomString()
      // This tab's pending login, one per tab: a tab is on one trip at a time, and the newest start
      // (or the QR code on screen) is the one that can come back. An older one's callback is ignored,
      // like any callback this tab did not start.
      tab.set('pending', {
        route: to.fullPath,
        scope,
        app,
        again,
        state,
        verifier: randomString(),
        createdAt: now(),
      } satisfies PendingLogin)
      const url = buildLoginUrl({
        // The app, its appid and authorize base, and the official account's relay: all set by now.
        ...(flowState as Required<FlowState>),
        // The page URL for `to` in any history mode; hash mode keeps the current path and query.
        redirectUri: stripCallback(new URL(to.href, win!.location.href).href),
        scope,
        state,
      })
      if (embedded) return url
      setStatus('redirecting')
      win!.location.replace(url)
    } catch (err) {
      fail(err)
    }
  }
}
