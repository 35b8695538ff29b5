import { readonly, toRefs, type Ref } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { useRuntime } from './runtime'
import type { WechatAuthError } from './errors'
import type { WechatAuthStatus, WechatLoginMode } from './store'
import type { WechatApp, WechatProfile, WechatSessionScope } from './wire'

export interface UseWechatAuthState {
  status: Readonly<Ref<WechatAuthStatus>>
  openid: Readonly<Ref<string | null>>
  unionid: Readonly<Ref<string | null>>
  scope: Readonly<Ref<WechatSessionScope | null>>
  /** The app of the session: `mp` (official account) or `web` (website app, PC QR-code login). */
  app: Readonly<Ref<WechatApp | null>>
  /** How this browser logs in; the page shows `<WechatQrLogin>` for `pc-embedded`. */
  loginMode: Readonly<Ref<WechatLoginMode | null>>
  error: Readonly<Ref<WechatAuthError | null>>
  isAuthenticated: Readonly<Ref<boolean>>
  /** A snapshot-page (快照页) visitor: a guest with a virtual openid; never bind or charge it. */
  snapshotUser: Readonly<Ref<boolean>>
  /** The last profile `fetchProfile()` (from `wechat-h5-auth/profile`) loaded. */
  profile: Readonly<Ref<WechatProfile | null>>
  /** The proxy's session JWT, for `Authorization: Bearer` calls to your backend. */
  session: Readonly<Ref<string | null>>
}

export interface UseWechatAuthReturn extends UseWechatAuthState {
  /**
   * Goes to WeChat to log in for `target` (default: the current route), e.g. from a retry button;
   * after a denial, with the scope that was refused. Never rejects: a failure shows up in `error`.
   */
  login(target?: RouteLocationRaw): Promise<void>
  /** Revokes the session at the proxy (best effort) and forgets it here; status becomes `idle`. Never rejects. */
  logout(): Promise<void>
}

/** The login state and actions, inside components (or anything with the app's injection context). */
export function useWechatAuth(): UseWechatAuthReturn {
  const { store, login, logout } = useRuntime()
  return {
    // Read-only: only the flow writes the state (a write is ignored, with a warning in development).
    ...(toRefs(readonly(store)) as unknown as UseWechatAuthState),
    login,
    logout,
  }
}
