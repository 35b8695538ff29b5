import type { NavigationGuard } from 'vue-router'
import { completeCallback, hasSession, startLogin, storeOf, useRuntime } from './auth'
import { toWechatAuthError } from './api'

/**
 * Only same-origin paths are followed after a login: `//evil.com` and `/\evil.com` are read by
 * browsers as other hosts, so a tampered pending route must not turn the login into an open redirect.
 */
const isSafePath = (path: string): boolean => /^\/(?![/\\])/.test(path)

/**
 * The router guard: `router.beforeEach(createWechatAuthGuard())`. It completes a login whose callback
 * is in the URL, lets through routes whose requirement is met, and otherwise goes to WeChat. It never
 * goes to WeChat again after a failure (status `error`/`denied`): that is what `login()` is for.
 */
export function createWechatAuthGuard(): NavigationGuard {
  return async (to) => {
    const [rt, router] = useRuntime()
    const store = storeOf(rt)
    const id = ++rt.navigations
    let back: string | undefined
    try {
      back = await completeCallback(rt)
    } catch (err) {
      store.fail(toWechatAuthError(err))
      return true
    }
    // A newer navigation started while this one waited: its decision wins. vue-router would still
    // follow a redirect returned here, overriding the page the user asked for meanwhile.
    if (id !== rt.navigations) return false

    if (back !== undefined && back !== to.fullPath) {
      const { path, query, hash } = router.resolve(isSafePath(back) ? back : '/')
      return { path, query, hash, replace: true }
    }
    // History mode: the callback is also in the route's query; replace the URL without it. Only
    // WeChat's values are removed: an app's own `?state=open` is none of the kit's business.
    const query = { ...to.query }
    for (const key of ['code', 'state'] as const) {
      if (rt.callback?.[key] && query[key] === rt.callback[key]) delete query[key]
    }
    if (Object.keys(query).length < Object.keys(to.query).length) {
      return { path: to.path, query, hash: to.hash, replace: true }
    }

    const required = to.meta.wechatAuth ?? rt.defaultAuth
    if (!required || hasSession(rt, required)) return true
    // No automatic retry after a failure: re-authorizing on every error is how login loops start.
    if (store.error) return true
    await startLogin(rt, router, to)
    // Leaving for WeChat: stay put. A failed start shows its error on the page instead.
    return store.status !== 'redirecting'
  }
}
