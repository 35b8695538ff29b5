import type { Pinia } from 'pinia'
import type { InjectionKey } from 'vue'
import type { RouteLocation, Router } from 'vue-router'
import type { ProxyConfig } from './api'
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
import { createPendingLogins } from './pending-login'
import { createSessionCache, type SessionCache } from './session-cache'
import { useWechatAuthStore, type WechatAuthStore } from './store'

const CONFIG_KEY = 'wechat-h5-auth:v1:config'
const CODES_KEY = 'wechat-h5-auth:v1:codes'

/** What the plugin provides: resolved options, storage, the proxy client, exchanges in flight. */
export function createWechatAuthRuntime(options: WechatAuthOptions, pinia: Pinia) {
  const resolved = resolveOptions(options)
  return {
    ...resolved,
    pinia,
    pending: createPendingLogins({ storage: resolved.session, now: resolved.now }),
    /** One exchange per code; each resolves to the route to continue to, if any. */
    inFlight: new Map<string, Promise<string | undefined>>(),
    config: undefined as Promise<ProxyConfig> | undefined,
    cache: undefined as SessionCache | undefined,
    /** The last callback seen in the page URL, to strip it from routes too. */
    callback: null as CallbackParams | null,
    /** Counts guard runs, so a navigation overtaken while it waited can step aside. */
    navigations: 0,
  }
}

export type WechatAuthRuntime = ReturnType<typeof createWechatAuthRuntime>

export const WECHAT_AUTH_KEY: InjectionKey<WechatAuthRuntime> = Symbol('wechat-h5-auth')

export const storeOf = (rt: WechatAuthRuntime): WechatAuthStore => useWechatAuthStore(rt.pinia)

export function windowOf(rt: WechatAuthRuntime): WechatAuthWindow {
  if (rt.window) return rt.window
  throw new WechatAuthError('config_error', 'no window: pass options.window outside a browser')
}

async function fetchConfig(rt: WechatAuthRuntime): Promise<ProxyConfig> {
  const { appid, authorizeBase } = rt
  let config: ProxyConfig | undefined
  if (!appid || !authorizeBase) {
    try {
      config = JSON.parse(rt.session.getItem(CONFIG_KEY) ?? 'null') as ProxyConfig | undefined
    } catch {
      config = undefined
    }
    if (typeof config?.appid !== 'string' || typeof config.authorizeBase !== 'string') {
      config = await rt.api.getConfig()
      rt.session.setItem(CONFIG_KEY, JSON.stringify(config))
    }
  }
  const merged: ProxyConfig = {
    mock: false,
    ...config,
    appid: appid || config?.appid || '',
    authorizeBase: authorizeBase || config?.authorizeBase || '',
  }
  if (!merged.appid || !merged.authorizeBase) {
    throw new WechatAuthError(
      'config_error',
      'no appid or authorizeBase: set them or serve GET /config',
    )
  }
  return merged
}

/** The config (options first, then the proxy's, cached for the tab) and the cached session, once. */
export function ensureReady(rt: WechatAuthRuntime): Promise<ProxyConfig> {
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

const satisfies = (scope: WechatScope | null, required: WechatAuthRequirement): boolean =>
  required === false ||
  scope === 'snsapi_userinfo' ||
  (scope === 'snsapi_base' && required === 'base')

/** Whether the store holds an unexpired session good enough for `required`; drops an expired one. */
export function hasSession(rt: WechatAuthRuntime, required: WechatAuthRequirement): boolean {
  const store = storeOf(rt)
  if (store.session === null) return false
  if ((store.expiresAt ?? 0) <= rt.now()) {
    rt.cache?.clear()
    store.clear()
    return false
  }
  return satisfies(store.scope, required)
}

const toMillis = (value: number | string): number =>
  typeof value === 'string' ? Date.parse(value) : value < 1e12 ? value * 1000 : value

function exchangedCodes(rt: WechatAuthRuntime): string[] {
  try {
    const codes: unknown = JSON.parse(rt.session.getItem(CODES_KEY) ?? '[]')
    return Array.isArray(codes) ? codes.filter((c) => typeof c === 'string') : []
  } catch {
    return []
  }
}

function exchange(
  rt: WechatAuthRuntime,
  code: string,
  state: string,
  verifier: string,
  route: string,
) {
  const store = storeOf(rt)
  // Remembered before the call: WeChat codes are single use, so even a failed one is never resent.
  rt.session.setItem(CODES_KEY, JSON.stringify([...exchangedCodes(rt), code].slice(-20)))
  store.setStatus('exchanging')
  const done = rt.api.exchange({ code, state, verifier }).then(
    async (res) => {
      const { appid } = await ensureReady(rt)
      const cached = {
        v: 1 as const,
        appid,
        openid: res.openid,
        ...(res.unionid ? { unionid: res.unionid } : {}),
        scope: res.scope,
        app: 'mp' as const,
        session: res.session,
        expiresAt: toMillis(res.sessionExpiresAt),
        snapshotUser: res.snapshotUser === true,
      }
      rt.cache?.save(cached)
      store.setSession(cached)
      return route
    },
    (err: unknown) => {
      store.fail(toWechatAuthError(err))
      return route
    },
  )
  rt.inFlight.set(code, done)
  void done.finally(() => rt.inFlight.delete(code))
  return done
}

/**
 * Completes a login when the page URL carries WeChat's callback, or joins the exchange in flight.
 * Resolves to the route the login was started for, when there is one to return to.
 */
export function completeCallback(rt: WechatAuthRuntime): Promise<string | undefined> {
  const win = windowOf(rt)
  const href = win.location.href
  const callback = parseCallback(href)
  if (!callback) {
    // Another navigation during an exchange waits for it, but keeps its own target.
    return Promise.all(rt.inFlight.values()).then(() => undefined)
  }
  rt.callback = callback
  // Stripped before anything else: a reload or back navigation must never resubmit the code.
  win.history.replaceState(win.history.state, '', stripCallback(href))
  const { code, state } = callback
  if (code) {
    const joined = rt.inFlight.get(code)
    if (joined) return joined
    // The same callback can arrive twice (Android double load); a second exchange would fail.
    if (exchangedCodes(rt).includes(code)) return Promise.resolve(undefined)
  }
  // CSRF check: only a state this tab saved, unexpired and unused, may complete a login.
  const pending = state ? rt.pending.take(state) : undefined
  const store = storeOf(rt)
  if (hasSession(rt, pending?.scope === 'snsapi_userinfo' ? 'userinfo' : 'base')) {
    return Promise.resolve(pending?.route)
  }
  if (!pending || !state) {
    store.fail(
      new WechatAuthError('state_mismatch', 'the callback state is unknown, expired or used'),
    )
    return Promise.resolve(undefined)
  }
  if (!code) {
    store.fail(new WechatAuthError('access_denied', 'the user refused the authorization'))
    return Promise.resolve(pending.route)
  }
  return exchange(rt, code, state, pending.verifier, pending.route)
}

/** Sends the browser to WeChat to log in for `to`; the page is replaced, so back does not return here. */
export async function startLogin(
  rt: WechatAuthRuntime,
  router: Router,
  to: RouteLocation,
): Promise<void> {
  const store = storeOf(rt)
  try {
    const win = windowOf(rt)
    const { appid, authorizeBase } = await ensureReady(rt)
    const required = to.meta.wechatAuth ?? rt.defaultAuth
    const scope: WechatScope = required === 'userinfo' ? 'snsapi_userinfo' : 'snsapi_base'
    const { state } = rt.pending.start({ route: to.fullPath, scope })
    // The page URL for `to` in any history mode; hash mode keeps the current path and query.
    const redirectUri = stripCallback(new URL(router.resolve(to).href, win.location.href).href)
    store.setStatus('redirecting')
    win.location.replace(buildAuthorizeUrl({ authorizeBase, appid, redirectUri, scope, state }))
  } catch (err) {
    store.fail(toWechatAuthError(err))
  }
}

export function logout(rt: WechatAuthRuntime): void {
  rt.cache?.clear()
  storeOf(rt).clear()
}
