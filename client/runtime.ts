import { inject, type App, type InjectionKey } from 'vue'
import type { RouteLocationRaw, Router } from 'vue-router'
import { createProxyClient, toWechatAuthError, type ProxyCall } from './api'
import { createCallbackCompletion } from './complete-callback'
import { WechatAuthError } from './errors'
import { loopBreaker, type LoopBreaker } from './loop-breaker'
import { createNavigationDecision } from './navigation'
import type { WechatAuthOptions, WechatAuthRequirement, WechatAuthWindow } from './options'
import { createEnsureReady } from './ready'
import { safeStorage, type SafeStorage } from './safe-storage'
import { SESSION_PREFIX, type CachedSession } from './session-cache'
import { createStartLogin } from './start-login'
import { signedOut, useWechatAuthStore, type WechatAuthStatus, type WechatAuthStore } from './store'
import type { WechatApp, WechatScope } from './wire'

/**
 * What the phases of one app's login flow (docs/architecture.md) share and change. A phase's own
 * state stays in its closure: the loading of the config in ready.ts, the exchange in flight and
 * the callback seen in complete-callback.ts, the count of guard runs in navigation.ts.
 */
export interface FlowState {
  /**
   * The app this browser logs in with: the official account, until `ensureReady()` picks the
   * website app (PC QR-code login) on a desktop.
   */
  app: WechatApp
  /**
   * That app's appid (it keys the session cache: an openid belongs to one appid): the option, else
   * the proxy's config; once ready, the website app's when `app` is `web`.
   */
  appid?: string
  /** WeChat's authorize base: the option, else the proxy's config. */
  authorizeBase?: string
  /** The relay the official account's logins come back through: the option, else the proxy's config. */
  relayUrl?: string
  /** The scope the user refused, asked for again by the next `login()`. */
  denied?: WechatScope
}

/** What every phase of the flow gets: built once per app by createWechatAuthRuntime. */
export interface FlowContext {
  flowState: FlowState
  store: WechatAuthStore
  /** The session cache: localStorage, under SESSION_PREFIX, shared by the tabs. */
  local: SafeStorage
  /** This tab's storage: it survives the trip to WeChat, and is not shared with other tabs. */
  tab: SafeStorage
  api: ProxyCall
  /** The page (options.window); `ensureReady()` fails without one, so past it there is one. */
  win: WechatAuthWindow | undefined
  /**
   * The URL the page landed on (its last real load), as `app.use()` found it, before any navigation
   * stripped a callback from it: iOS WeChat checks JS-SDK signatures against this URL
   * (docs/wechat.md#signed-url). A page load makes a new runtime, and so a new landing URL.
   */
  landing: string | undefined
  now: () => number
  /** The app's router (installed after the plugin, so looked up when needed). */
  router: () => Router
  defaultAuth: WechatAuthRequirement
  trips: LoopBreaker
  /** Any status but `error`/`denied` clears the error. */
  setStatus(next: WechatAuthStatus, err?: WechatAuthError | null): void
  /** Shows a failure: status `error`, and the failure as a WechatAuthError. */
  fail(err: unknown): void
  /** A new session (the profile of the previous one is dropped), or none. */
  setSession(next?: CachedSession): void
  /** Forgets the session in this browser (cache and store). */
  forget(): void
  /** Whether the store holds an unexpired session good enough for `required`; drops an expired one. */
  hasSession(required: WechatAuthRequirement): boolean
  /** Loads the config and the cached session, once (see createEnsureReady). */
  ensureReady(): Promise<void>
}

/**
 * The login flow of one app: completes callbacks, starts logins, decides navigations. The plugin
 * provides it to the guard and the composable.
 */
export function createWechatAuthRuntime(
  {
    appid,
    authorizeBase,
    relayUrl,
    webAppid,
    pcLogin = 'redirect',
    defaultAuth = 'base',
    window: win = globalThis.window as WechatAuthWindow | undefined,
    now = Date.now,
    ...proxy
  }: WechatAuthOptions,
  { config: { globalProperties: globals } }: App,
) {
  const local = safeStorage(() => win?.localStorage, SESSION_PREFIX)
  const tab = safeStorage(() => win?.sessionStorage, 'wechat-h5-auth:v1:')
  const api = createProxyClient(proxy)
  // Pinia first: the store lives there.
  if (!globals.$pinia) throw new WechatAuthError('config_error')
  const store = useWechatAuthStore(globals.$pinia)
  const flowState: FlowState = { app: 'mp', appid, authorizeBase, relayUrl }

  function setStatus(next: WechatAuthStatus, err: WechatAuthError | null = null): void {
    store.status = next
    store.error = err
  }
  const fail = (err: unknown) => setStatus('error', toWechatAuthError(err))
  function setSession(next?: CachedSession): void {
    // A CachedSession is the store's session fields; anything else an entry carries (an older
    // entry's `v` and `appid`) rides along unexposed.
    Object.assign(store, signedOut(), next)
    setStatus(next ? 'authenticated' : 'idle')
  }
  function forget(): void {
    local.remove(flowState.appid!)
    setSession()
  }
  function hasSession(required: WechatAuthRequirement): boolean {
    if (!store.session) return false
    // Also true for NaN: a session with an unreadable expiry is not trusted.
    if (!(store.expiresAt! > now())) {
      forget()
      return false
    }
    // userinfo covers base, and so does the website app's snsapi_login (its token reads the
    // profile). A snapshot user passes: re-authorizing would only loop to another snapshot.
    return required != 'userinfo' || store.scope != 'snsapi_base' || store.snapshotUser
  }

  const shared: Omit<FlowContext, 'ensureReady'> = {
    flowState,
    store,
    local,
    tab,
    api,
    win,
    landing: win?.location.href,
    now,
    router: () => globals.$router,
    defaultAuth,
    trips: loopBreaker(tab, now),
    setStatus,
    fail,
    setSession,
    forget,
    hasSession,
  }
  const ctx: FlowContext = {
    ...shared,
    ensureReady: createEnsureReady(shared, { webAppid, pcLogin }),
  }
  const start = createStartLogin(ctx)
  const completion = createCallbackCompletion(ctx, start)

  return {
    store,

    /** The guard's decision for a navigation (see createWechatAuthGuard). */
    guard: createNavigationDecision(ctx, start, completion),

    /** An explicit login (a retry button): clears the error and the loop breaker, then goes. */
    login(target?: RouteLocationRaw): Promise<void> {
      const scope = flowState.denied
      flowState.denied = undefined
      setStatus('idle')
      ctx.trips.reset()
      return start({ target, scope }) as Promise<void>
    },

    /** `POST /logout` (best effort: its failure changes nothing), then forgets the session here. */
    async logout(): Promise<void> {
      const { session } = store
      // Forgotten first, so the page is signed out even if the proxy is slow or down.
      forget()
      if (session) await api({ path: '/logout', method: 'post', session }).catch(() => {})
    },

    /**
     * What the optional entries (`wechat-h5-auth/profile`, `/qr-login`) build on: the context every
     * phase gets, and starting a login. No public API.
     */
    flow: { ...ctx, start },
  }
}

export type WechatAuthRuntime = ReturnType<typeof createWechatAuthRuntime>

// Symbol.for: the optional entries (qr-login) find the runtime even when bundled apart from the kit.
export const WECHAT_AUTH_KEY: InjectionKey<WechatAuthRuntime> = Symbol.for('wechat-h5-auth')

/** The runtime of the current app (components, or guards: vue-router runs them in the app's context). */
export function useRuntime(): WechatAuthRuntime {
  const rt = inject(WECHAT_AUTH_KEY, null)
  if (!rt) throw new WechatAuthError('config_error')
  return rt
}
