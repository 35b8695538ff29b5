import { computed, inject, type ComputedRef } from 'vue'
import { useRouter, type RouteLocationRaw } from 'vue-router'
import { WECHAT_AUTH_KEY, logout, startLogin, storeOf } from './auth'
import type { WechatScope } from './authorize-url'
import { WechatAuthError } from './errors'
import type { WechatAuthStatus } from './store'

export interface UseWechatAuthReturn {
  status: ComputedRef<WechatAuthStatus>
  openid: ComputedRef<string | null>
  unionid: ComputedRef<string | null>
  scope: ComputedRef<WechatScope | null>
  error: ComputedRef<WechatAuthError | null>
  isAuthenticated: ComputedRef<boolean>
  /** The proxy's session JWT, for `Authorization: Bearer` calls to your backend. */
  session: ComputedRef<string | null>
  /**
   * Goes to WeChat to log in for `target` (default: the current route), e.g. from a retry button.
   * Never rejects: a failure shows up in `error`.
   */
  login(target?: RouteLocationRaw): Promise<void>
  /** Forgets the session in this browser; status becomes `idle`. */
  logout(): void
}

/** The login state and actions, inside components (or anything with the app's injection context). */
export function useWechatAuth(): UseWechatAuthReturn {
  const rt = inject(WECHAT_AUTH_KEY, null)
  const router = useRouter()
  if (!rt || !router) {
    throw new WechatAuthError(
      'config_error',
      'useWechatAuth() needs app.use(createPinia()).use(createWechatAuth()).use(router)',
    )
  }
  const store = storeOf(rt)
  return {
    status: computed(() => store.status),
    openid: computed(() => store.openid),
    unionid: computed(() => store.unionid),
    scope: computed(() => store.scope),
    error: computed(() => store.error),
    isAuthenticated: computed(() => store.isAuthenticated),
    session: computed(() => store.session),
    login: (target = router.currentRoute.value.fullPath) =>
      // Clearing a previous error first is what lets a retry leave the no-loop `error` state.
      (store.setStatus('idle'), startLogin(rt, router, router.resolve(target))),
    logout: () => logout(rt),
  }
}
