import { inject, type App, type InjectionKey } from 'vue'
import type { RouteLocation, RouteLocationRaw, Router } from 'vue-router'
import { createProxyClient, toWechatAuthError } from './api'
import { buildLoginUrl } from './authorize-url'
import { parseCallback, stripCallback, type CallbackParams } from './callback'
import { detectEnvironment } from './detect'
import { WechatAuthError } from './errors'
import type { WechatAuthOptions, WechatAuthRequirement, WechatAuthWindow } from './options'
import { PENDING_TTL_MS, type PendingLogin } from './pending-login'
import { randomString } from './random'
import { safeReturnPath } from './safe-return-path'
import { safeStorage } from './safe-storage'
import { SESSION_PREFIX, loadSession, type CachedSession } from './session-cache'
import { signedOut, useWechatAuthStore, type WechatAuthStatus } from './store'
import type {
  OpenidRequestBody,
  OpenidResponse,
  PublicConfig,
  WechatApp,
  WechatScope,
} from './wire'

/**
 * The loop breaker's window: at most 2 trips to WeChat within it may come back without a session.
 * Also the window in which a second refusal met by `fetchProfile()` is an error, not a trip.
 */
export const WINDOW_MS = 60_000

/**
 * The login flow of one app: completes callbacks, starts logins, decides navigations. The plugin
 * provides it to the guard and the composable.
 */
export function createWechatAuthRuntime(
  {
    appid,
    authorizeBase,
    webAppid,
    pcLogin = 'redirect',
    defaultAuth = 'base',
    window: win = globalThis.window as WechatAuthWindow | undefined,
    now = Date.now,
    ...proxy
  }: WechatAuthOptions,
  { config: { globalProperties: globals } }: App,
) {
  /** The app's router (installed after the plugin, so looked up when needed). */
  const router = (): Router => globals.$router
  const local = safeStorage(() => win?.localStorage, SESSION_PREFIX)
  /** This tab's storage: it survives the trip to WeChat, and is not shared with other tabs. */
  const tab = safeStorage(() => win?.sessionStorage, 'wechat-h5-auth:v1:')
  const api = createProxyClient(proxy)
  // Pinia first: the store lives there.
  if (!globals.$pinia) throw new WechatAuthError('config_error')
  const store = useWechatAuthStore(globals.$pinia)
  /** The exchange in flight; it resolves to the route to continue to, if any. */
  let inFlight: Promise<string | undefined> | undefined
  /** The code of the exchange in flight. */
  let flying: string | undefined
  let ready: Promise<void> | undefined
  /** The last callback seen in the page URL, to strip it from routes too. */
  let callback: CallbackParams | null = null
  /** The scope the user refused, asked for again by the next `login()`. */
  let denied: WechatScope | undefined
  /** Counts guard runs, so a navigation overtaken while it waited can step aside. */
  let navigations = 0
  /**
   * The app this browser logs in with: the official account, or the website app (PC QR code).
   * Once ready, `appid` is that app's.
   */
  let wechatApp: WechatApp = 'mp'

  /** Any status but `error`/`denied` clears the error. */
  function setStatus(next: WechatAuthStatus, err: WechatAuthError | null = null): void {
    store.status = next
    store.error = err
  }
  const fail = (err: unknown) => setStatus('error', toWechatAuthError(err))
  /** A new session (the profile of the previous one is dropped), or none. */
  function setSession(next?: CachedSession): void {
    // A CachedSession is the store's session fields; anything else an entry carries (an older
    // entry's `v` and `appid`) rides along unexposed.
    Object.assign(store, signedOut(), next)
    setStatus(next ? 'authenticated' : 'idle')
  }

  /** The exchanged codes or the trip times this tab keeps. */
  // Anything but an array (missing, corrupt) wraps into one whose entries every reader drops.
  const list = (key: string): unknown[] => [tab.get(key)].flat()

  /**
   * The config (options first, then the proxy's, cached for the tab) and the cached session, once;
   * afterwards `appid`, `authorizeBase` and `win` are set.
   */
  function ensureReady() {
    return (ready ??= (async () => {
      if (!appid || !authorizeBase) {
        // Cached for the tab: the trip to WeChat and back should not cost a second config call.
        let config = tab.get('config') as Partial<PublicConfig> | null
        if (!config?.appid) {
          tab.set(
            'config',
            (config = await api<PublicConfig>({ path: '/config', expect: 'appid' })),
          )
        }
        appid ||= config.appid
        authorizeBase ||= config.authorizeBase
        webAppid ||= config.webAppid
      }
      // Outside a browser (SSR) there is no window: pass options.window.
      if (!appid || !authorizeBase || !win) throw new WechatAuthError('config_error')
      // No user agent at all reads as a desktop.
      const env = detectEnvironment(win.navigator?.userAgent as string)
      if (/desktop|-pc/.test(env) && webAppid && pcLogin) {
        // An openid belongs to one appid: a desktop's sessions are the website app's.
        wechatApp = 'web'
        appid = webAppid
      }
      // The official account's login only works inside WeChat: elsewhere WeChat shows its
      // 请在微信客户端打开链接 page, a dead end. Desktops may use the website app's QR code instead.
      store.loginMode =
        wechatApp == 'web'
          ? `pc-${pcLogin as 'redirect'}`
          : /^(wechat|miniprogram)$/.test(env)
            ? 'mp'
            : 'unavailable'
      const cached = loadSession(local, appid!, now())
      if (cached) setSession(cached)
    })().catch((err: unknown) => {
      // A failed config is retried by the next navigation or login(), not remembered.
      ready = undefined
      throw err
    }))
  }

  /** Forgets the session in this browser (cache and store). */
  function forget(): void {
    local.remove(appid!)
    setSession()
  }

  /** Whether the store holds an unexpired session good enough for `required`; drops an expired one. */
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

  /**
   * Starts a login for `target` (default: the current route): saves a pending login, then sends the
   * browser to WeChat, replacing the page so WeChat's URL never enters the history and back never
   * bounces the user forward through it. `embedded` (for `<WechatQrLogin>`): resolves to the URL of
   * the website app's QR page instead of leaving. The scope is `scope`, else the route's; never base
   * while a userinfo session is held. Never rejects: a failure is shown in `error`.
   */
  async function go(
    target?: RouteLocationRaw,
    scope?: WechatScope,
    again?: boolean,
    embedded?: boolean,
  ): Promise<string | void> {
    try {
      await ensureReady()
      // Outside WeChat the official account's login ends on WeChat's dead-end page: never go there.
      // The QR code is for desktops: a phone cannot scan its own screen.
      if (store.loginMode == 'unavailable' || (embedded && wechatApp == 'mp')) {
        throw new WechatAuthError('outside_wechat')
      }
      const to = router().resolve(target ?? router().currentRoute.value)
      scope ??=
        (to.meta.wechatAuth ?? defaultAuth) == 'userinfo' || store.scope == 'snsapi_userinfo'
          ? 'snsapi_userinfo'
          : 'snsapi_base'
      // A QR code in the page is no trip: nothing happens until someone scans it.
      if (!embedded) {
        const trips = (list('trips') as number[]).filter((t) => now() - t < WINDOW_MS)
        // Loop breaker: trips that keep coming back without a session (a fault, a code WeChat keeps
        // refusing, a page that reloads on error) stop at the third instead of bouncing forever.
        if (trips.length > 1) throw new WechatAuthError('login_loop')
        tab.set('trips', [...trips, now()])
      }
      const state = randomString()
      // One pending login per tab: a tab is on one trip at a time, and the newest start (or the QR
      // code on screen) is the one that can come back. An older one's callback is state_mismatch.
      tab.set('pending', {
        route: to.fullPath,
        scope,
        app: wechatApp,
        again,
        state,
        verifier: randomString(),
        createdAt: now(),
      })
      const url = buildLoginUrl({
        app: wechatApp,
        authorizeBase: authorizeBase!,
        appid: appid!,
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

  /**
   * Completes a login when the page URL carries WeChat's callback, or joins the exchange in flight.
   * Resolves to the route the login was started for, when there is one to return to.
   */
  async function completeCallback(): Promise<string | undefined> {
    await ensureReady()
    const { location, history } = win!
    const found = parseCallback(location.href)
    // Another navigation during an exchange waits for it, but keeps its own target.
    if (!found) return void (await inFlight)
    callback = found
    // Stripped before anything else: a reload or back navigation must never resubmit the code.
    history.replaceState(history.state, '', stripCallback(location.href))
    const { code, state } = found
    // A callback whose exchange already settled (back, a page restored from the cache) is never
    // resent: a second exchange would fail, or start a login nobody asked for.
    if (code && (code == flying || list('codes').includes(code))) return inFlight
    // CSRF check: only the state this tab saved, unexpired and not yet settled, may complete a login.
    // A malformed entry's age is NaN: refused like an expired one.
    const login = tab.get('pending') as PendingLogin | null
    if (!(state && login?.state == state && now() - login.createdAt < PENDING_TTL_MS)) {
      // Not a login this tab started (stale, duplicated or forged): ignored while signed in, else an error.
      if (!hasSession('base')) fail(new WechatAuthError('state_mismatch'))
      return
    }
    // Single use: the login is dropped once its exchange settles. Until then a reload of the same
    // callback (Android loads it twice) sends the same code and verifier again, and the proxy
    // answers it from the exchange already under way instead of asking WeChat a second time.
    const settle = () => {
      // Only this login: a newer one may have started meanwhile (a QR code framed during the exchange).
      if ((tab.get('pending') as PendingLogin | null)?.state == state) tab.remove('pending')
      // Settled whether it worked or not: WeChat codes are single use, so none is ever resent.
      if (code) tab.set('codes', [...list('codes'), code].slice(-20))
    }
    const { route, scope, again, verifier } = login
    if (!code) {
      settle()
      // A denial: shown, never answered with a new trip; the user asked for `route`, so land there.
      denied = scope
      setStatus('denied', new WechatAuthError('access_denied'))
      return route
    }
    // Our own login is always completed, even over a session: it was started because that session
    // was not enough (a stronger scope, or a grant WeChat refused).
    setStatus('exchanging')
    flying = code
    // No `state`: the kit checked it above, and the verifier is what binds the code to this browser.
    // The proxy exchanges with the credentials of the app that issued the code.
    const body: OpenidRequestBody = { code, verifier, app: wechatApp }
    inFlight = api<OpenidResponse>({ path: '/openid', method: 'post', expect: 'session', body })
      .finally(settle)
      .then(
        ({ sessionExpiresAt, ...res }) => {
          const fresh: CachedSession = {
            app: wechatApp,
            ...res,
            expiresAt: Date.parse(sessionExpiresAt),
          }
          // Kept as the proxy answered: it decides the scope (a base login over a userinfo grant it
          // still keeps answers snsapi_userinfo), and the session JWT it signed carries that scope.
          // A snapshot identity is virtual and WeChat throws the snapshot's storage away: memory only.
          if (!fresh.snapshotUser) local.set(appid!, fresh)
          setSession(fresh)
          // A session ends the run of trips the loop breaker counts.
          tab.set('trips', [])
          return route
        },
        async (err: WechatAuthError) => {
          // WeChat refused the code (code_invalid, code_used, code_expired): one fresh login may bring
          // a good one. A refusal of that one too is shown: re-authorizing on every failure loops.
          if (err.code.startsWith('code_') && !again) {
            return void (await go(safeReturnPath(route), scope, true))
          }
          fail(err)
          return route
        },
      )
    return inFlight.finally(() => (inFlight = flying = undefined))
  }

  /**
   * Whether `href` (a route's path) carries the callback this page came back with: found as the
   * page URL's is (parseCallback, the one decision of what a callback is), with the same values,
   * so that an app's own `?state=open` is not taken for WeChat's.
   */
  function carriesCallback(href: string): boolean {
    const found = parseCallback(href)
    return !!found && !!callback && found.code == callback.code && found.state == callback.state
  }

  /** `path` in place of the current history entry (the one with the callback in it). */
  const replaceWith = (path: string) => ({ ...router().resolve(path), replace: true })

  return {
    store,

    /** The guard's decision for a navigation to `to` (see createWechatAuthGuard). */
    async guard(to: RouteLocation) {
      const id = ++navigations
      // A failure is shown on the page the user asked for (it is in `error`, so no trip follows).
      const back = await completeCallback().catch(fail)
      // A newer navigation started while this one waited: its decision wins (vue-router would still
      // follow a redirect returned here). Or the page is leaving for WeChat: stay put.
      if (id != navigations || store.status == 'redirecting') return false

      // A tampered pending route must not turn the login into an open redirect.
      if (back && back != to.fullPath) {
        return replaceWith(safeReturnPath(back))
      }
      // The callback is also in the route (history mode, or qrconnect's query inside the hash):
      // replace the route without it, stripped as the page URL was. Only when that removes
      // something: a replacement that changed nothing would be decided again, and again.
      const stripped = stripCallback(to.fullPath)
      if (stripped != to.fullPath && carriesCallback(to.fullPath)) return replaceWith(stripped)

      const required = to.meta.wechatAuth ?? defaultAuth
      // No automatic retry after a failure: re-authorizing on every error is how login loops start.
      // With the embedded QR code the page itself offers the login.
      if (required && !hasSession(required) && !store.error && store.loginMode != 'pc-embedded') {
        await go(to)
      }
      // Leaving for WeChat: stay put. A failed start shows its error on the page instead.
      return (store.status as WechatAuthStatus) != 'redirecting'
    },

    /** An explicit login (a retry button): clears the error and the loop breaker, then goes. */
    login(target?: RouteLocationRaw): Promise<void> {
      const scope = denied
      denied = undefined
      setStatus('idle')
      tab.set('trips', [])
      return go(target, scope) as Promise<void>
    },

    /**
     * The flow's parts the optional entries build on (`wechat-h5-auth/profile`, `/qr-login`): a
     * tuple, because names would weigh on every app's bundle and these are no public API.
     */
    _: [go, ensureReady, hasSession, api, forget, fail, tab, now] as const,

    /** `POST /logout` (best effort: its failure changes nothing), then forgets the session here. */
    async logout(): Promise<void> {
      const { session } = store
      // Forgotten first, so the page is signed out even if the proxy is slow or down.
      forget()
      if (session) await api({ path: '/logout', method: 'post', session }).catch(() => {})
    },
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
