import type { Pinia } from 'pinia'
import { inject, type InjectionKey } from 'vue'
import { useRouter, type RouteLocation, type Router } from 'vue-router'
import type { ProxyConfig, WechatLang, WechatProfile } from './api'
import { toWechatAuthError } from './api'
import { buildAuthorizeUrl, type WechatScope } from './authorize-url'
import { parseCallback, stripCallback, type CallbackParams } from './callback'
import { WechatAuthError } from './errors'
import {
  resolveOptions,
  type WechatAuthOptions,
  type WechatAuthRequirement,
  type WechatAuthWindow,
} from './options'
import { createPendingLogins, type PendingLogin } from './pending-login'
import { createSessionCache, type CachedSession, type SessionCache } from './session-cache'
import { useWechatAuthStore, type WechatAuthStore } from './store'

const PREFIX = 'wechat-h5-auth:v1:'
/** Within this time of a consent trip started by `fetchProfile()`, a second refusal is an error, not a trip. */
const REAUTH_WINDOW_MS = 60_000

/** What the plugin provides: resolved options, storage, the proxy client, exchanges in flight. */
export function createWechatAuthRuntime(options: WechatAuthOptions, pinia: Pinia) {
  const resolved = resolveOptions(options)
  return {
    ...resolved,
    pinia,
    pending: createPendingLogins({ storage: resolved.session, now: resolved.now }),
    /** One exchange per code; each resolves to the route to continue to, if any. */
    inFlight: new Map<string, Promise<string | undefined>>(),
    config: undefined as Promise<Ready> | undefined,
    cache: undefined as SessionCache | undefined,
    /** The last callback seen in the page URL, to strip it from routes too. */
    callback: null as CallbackParams | null,
    /** The scope the user refused, asked for again by the next `login()`. */
    denied: undefined as WechatScope | undefined,
    /** Counts guard runs, so a navigation overtaken while it waited can step aside. */
    navigations: 0,
  }
}

export type WechatAuthRuntime = ReturnType<typeof createWechatAuthRuntime>

export const WECHAT_AUTH_KEY: InjectionKey<WechatAuthRuntime> = Symbol('wechat-h5-auth')

/** The runtime and router of the current app (components, or guards: vue-router runs them in the app's context). */
export function useRuntime(): [WechatAuthRuntime, Router] {
  const rt = inject(WECHAT_AUTH_KEY, null)
  const router = useRouter()
  if (!rt || !router)
    throw new WechatAuthError('config_error', 'install createWechatAuth and router')
  return [rt, router]
}

export const storeOf = (rt: WechatAuthRuntime): WechatAuthStore => useWechatAuthStore(rt.pinia)

interface Ready {
  appid: string
  authorizeBase: string
  win: WechatAuthWindow
}

async function fetchConfig(rt: WechatAuthRuntime): Promise<Ready> {
  const win = rt.window
  let { appid, authorizeBase } = rt
  if (!appid || !authorizeBase) {
    // Cached for the tab: the trip to WeChat and back should not cost a second config call.
    let config = rt.session.get(PREFIX + 'config') as Partial<ProxyConfig> | null
    if (!config?.appid) {
      config = await rt.api.getConfig()
      rt.session.set(PREFIX + 'config', config)
    }
    appid ||= config.appid
    authorizeBase ||= config.authorizeBase
  }
  // Outside a browser (SSR) there is no window: pass options.window.
  if (!appid || !authorizeBase || !win) throw new WechatAuthError('config_error', 'no appid/window')
  return { appid, authorizeBase, win }
}

/**
 * The config (options first, then the proxy's, cached for the tab), the window, and the cached
 * session, once.
 */
export function ensureReady(rt: WechatAuthRuntime) {
  rt.config ??= fetchConfig(rt).then((config) => {
    rt.cache = createSessionCache({ storage: rt.local, appid: config.appid, now: rt.now })
    const cached = rt.cache.load()
    const store = storeOf(rt)
    if (cached && !store.session) store.setSession(cached)
    return config
  })
  // A failed config is retried by the next navigation or login(), not remembered.
  rt.config.catch(() => (rt.config = undefined))
  return rt.config
}

/** Forgets the session in this browser (cache and store). */
function forget(rt: WechatAuthRuntime): void {
  rt.cache?.clear()
  storeOf(rt).clear()
}

/** Whether the store holds an unexpired session good enough for `required`; drops an expired one. */
export function hasSession(rt: WechatAuthRuntime, required: WechatAuthRequirement): boolean {
  const store = storeOf(rt)
  if (store.session === null) return false
  // Also true for NaN: a session with an unreadable expiry is not trusted.
  if (!((store.expiresAt ?? 0) > rt.now())) {
    forget(rt)
    return false
  }
  // userinfo covers base. A snapshot user passes: re-authorizing would only loop to another snapshot.
  return required !== 'userinfo' || store.scope === 'snsapi_userinfo' || store.snapshotUser
}

const exchangedCodes = (rt: WechatAuthRuntime): unknown[] => {
  const codes = rt.session.get(PREFIX + 'codes')
  return Array.isArray(codes) ? codes : []
}

function exchange(rt: WechatAuthRuntime, code: string, login: PendingLogin) {
  const store = storeOf(rt)
  // Remembered before the call: WeChat codes are single use, so even a failed one is never resent.
  rt.session.set(PREFIX + 'codes', [...exchangedCodes(rt), code].slice(-20))
  store.setStatus('exchanging')
  const done = rt.api.exchange({ code, state: login.state, verifier: login.verifier }).then(
    async ({ sessionExpiresAt, ...res }) => {
      const { appid } = await ensureReady(rt)
      const fresh: CachedSession = {
        v: 1,
        appid,
        app: 'mp',
        ...res,
        expiresAt: Date.parse(sessionExpiresAt),
      }
      // Read again: another tab may have signed in meanwhile. Never downgrade: a base login does
      // not replace a userinfo session (same openid; the stronger grant stays).
      const held = rt.cache?.load()
      if (held?.scope === 'snsapi_userinfo' && fresh.scope === 'snsapi_base') {
        store.setSession(held)
      } else {
        // A snapshot identity is virtual and WeChat throws the snapshot's storage away: memory only.
        if (!fresh.snapshotUser) rt.cache?.save(fresh)
        store.setSession(fresh)
      }
      return login.route
    },
    (err: unknown) => (store.fail(toWechatAuthError(err)), login.route),
  )
  rt.inFlight.set(code, done)
  void done.finally(() => rt.inFlight.delete(code))
  return done
}

/**
 * Completes a login when the page URL carries WeChat's callback, or joins the exchange in flight.
 * Resolves to the route the login was started for, when there is one to return to.
 */
export async function completeCallback(rt: WechatAuthRuntime): Promise<string | undefined> {
  const { win } = await ensureReady(rt)
  const href = win.location.href
  const callback = parseCallback(href)
  if (!callback) {
    // Another navigation during an exchange waits for it, but keeps its own target.
    await Promise.all(rt.inFlight.values())
    return
  }
  rt.callback = callback
  // Stripped before anything else: a reload or back navigation must never resubmit the code.
  win.history.replaceState(win.history.state, '', stripCallback(href))
  const { code, state } = callback
  if (code) {
    const joined = rt.inFlight.get(code)
    if (joined) return joined
    // The same callback can arrive twice (Android double load); a second exchange would fail.
    if (exchangedCodes(rt).includes(code)) return
  }
  // CSRF check: only a state this tab saved, unexpired and unused, may complete a login.
  const login = state ? rt.pending.take(state) : undefined
  const store = storeOf(rt)
  if (!login) {
    // Not a login this tab started (stale, duplicated or forged): ignored while signed in, else an error.
    if (!hasSession(rt, 'base')) store.fail(new WechatAuthError('state_mismatch'))
    return
  }
  // Our own login is always completed, even over a session: it was started because that session
  // was not enough (a stronger scope, or a grant WeChat refused).
  if (code) return exchange(rt, code, login)
  // A denial: shown, never answered with a new trip; the user asked for `login.route`, so land there.
  rt.denied = login.scope
  store.fail(new WechatAuthError('access_denied'))
  return login.route
}

/**
 * Sends the browser to WeChat to log in for `to`; the page is replaced, so back does not return here.
 * The scope is `scope`, else the route's; never base while a userinfo session is held.
 */
export async function startLogin(
  rt: WechatAuthRuntime,
  router: Router,
  to: RouteLocation,
  scope?: WechatScope,
): Promise<void> {
  const store = storeOf(rt)
  try {
    const { appid, authorizeBase, win } = await ensureReady(rt)
    scope ??=
      (to.meta.wechatAuth ?? rt.defaultAuth) === 'userinfo' || store.scope === 'snsapi_userinfo'
        ? 'snsapi_userinfo'
        : 'snsapi_base'
    const { state } = rt.pending.start({ route: to.fullPath, scope })
    // The page URL for `to` in any history mode; hash mode keeps the current path and query.
    const redirectUri = stripCallback(new URL(router.resolve(to).href, win.location.href).href)
    store.setStatus('redirecting')
    win.location.replace(buildAuthorizeUrl({ authorizeBase, appid, redirectUri, scope, state }))
  } catch (err) {
    store.fail(toWechatAuthError(err))
  }
}

/**
 * `GET /userinfo`. A refused grant (`reauth_required`) goes through consent again and a dead
 * session (`unauthorized`) logs in afresh, each once: a second refusal within a minute is an error,
 * because re-authorizing on every failure is how login loops start.
 */
export async function fetchProfile(
  rt: WechatAuthRuntime,
  router: Router,
  lang: WechatLang = rt.lang,
): Promise<WechatProfile | null> {
  const store = storeOf(rt)
  try {
    await ensureReady(rt)
    // A snapshot user is a guest: WeChat refuses its profile anyway.
    if (!hasSession(rt, 'base') || store.snapshotUser) return null
    return (store.profile = await rt.api.userinfo(store.session ?? '', lang))
  } catch (e) {
    const err = toWechatAuthError(e)
    const again = err.code === 'reauth_required' || err.code === 'unauthorized'
    const last = Number(rt.session.get(PREFIX + 'reauth'))
    if (!again || rt.now() - last < REAUTH_WINDOW_MS) {
      store.fail(err)
      return null
    }
    rt.session.set(PREFIX + 'reauth', rt.now())
    if (err.code === 'unauthorized') forget(rt)
    await startLogin(rt, router, router.currentRoute.value, 'snsapi_userinfo')
    return null
  }
}

/** `POST /logout` (best effort: its failure changes nothing), then forgets the session here. */
export async function logout(rt: WechatAuthRuntime): Promise<void> {
  const { session } = storeOf(rt)
  // Forgotten first, so the page is signed out even if the proxy is slow or down.
  forget(rt)
  if (session) await rt.api.logout(session).catch(() => {})
}
