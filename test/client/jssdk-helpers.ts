import type { InternalAxiosRequestConfig } from 'axios'
import { vi } from 'vitest'
import {
  useWechatJssdk,
  type UseWechatJssdkOptions,
  type Wx,
  type WxConfig,
  type WxScriptElement,
  type WxShareData,
} from '../../client/jssdk'
import {
  APPID,
  ORIGIN,
  envWindow,
  loadPage,
  okExchange,
  proxyError,
  type Env,
  type Reply,
} from './helpers'
import { UA } from './user-agents'

/** The script URL the proxy's config names (the mock's stand-in). */
export const SCRIPT = '/mock-wechat/open/js/jweixin-1.6.0.js'
export const CONFIG_KEY = 'wechat-h5-auth:v1:config'
export const SHARE_APIS = ['updateAppMessageShareData', 'updateTimelineShareData']

/** The fake proxy's signature of `url`: a config is good when WeChat checks that same URL. */
export const signatureOf = (url: string) => `sig:${url}`

/** The fake proxy: `/config` names SCRIPT, `/jssdk` signs, `/openid` logs in; 404 otherwise. */
export function jssdkReply(config: InternalAxiosRequestConfig): Reply {
  const path = (config.url ?? '').replace('/api/wechat', '')
  if (path == '/config') {
    return {
      status: 200,
      data: { appid: APPID, mock: true, authorizeBase: '/mock-wechat', jssdkScript: SCRIPT },
    }
  }
  if (path == '/jssdk') {
    const { url } = JSON.parse(String(config.data)) as { url: string }
    const data = {
      appId: APPID,
      timestamp: 1735689600,
      nonceStr: 'n0nce',
      signature: signatureOf(url),
      url,
    }
    return { status: 200, data }
  }
  return path == '/openid' ? okExchange() : proxyError(404, 'not_found')
}

/**
 * WeChat's `wx` as its script defines it: `wx.config` answers later, with `ready` (once per page
 * load, as WeChat fires it) when the signature is for the URL `checked()` names, else with
 * `error` `config:invalid signature`. The share calls record what they got and succeed, or fail
 * with `shareError`.
 */
export function fakeWx(checked: () => string) {
  let fired = false
  const readies: (() => void)[] = []
  let onError: ((res: { errMsg: string }) => void) | undefined
  const fake = {
    configs: [] as WxConfig[],
    shared: [] as { api: string; data: WxShareData }[],
    shareError: '',
    checked,
  }
  const share = (api: string) => (data: WxShareData) => {
    fake.shared.push({ api, data })
    setTimeout(() =>
      fake.shareError ? data.fail?.({ errMsg: fake.shareError }) : data.success?.(),
    )
  }
  const wx: Wx = {
    config(config) {
      fake.configs.push(config)
      setTimeout(() => {
        if (config.signature != signatureOf(fake.checked())) {
          onError?.({ errMsg: 'config:invalid signature' })
        } else if (!fired) {
          fired = true
          for (const ready of readies.splice(0)) ready()
        }
      })
    },
    ready: (fn) => (fired ? fn() : void readies.push(fn)),
    error: (fn) => void (onError = fn),
    updateAppMessageShareData: share('updateAppMessageShareData'),
    updateTimelineShareData: share('updateTimelineShareData'),
  }
  return Object.assign(fake, { wx })
}

export interface JssdkPageOptions {
  /** @default WeChat on an iPhone */
  userAgent?: string
  /** The path the router starts on. @default the path of `href` */
  path?: string
  /** The memory history's base: `'/#'` for a hash router. */
  base?: string
  reply?: (config: InternalAxiosRequestConfig) => Reply
  /** What the page's script does once added. @default it defines the fake `wx` and loads */
  onScript?: (el: WxScriptElement) => void
}

/**
 * A page load at `href` in WeChat, with a document to load WeChat's script into: the script, once
 * added, defines a fake `wx` that checks the URL WeChat on this platform checks (iOS: `href`, the
 * landing URL; elsewhere the current one). The router moves the page URL as a real one does.
 */
export async function jssdkPage(env: Env, href: string, options: JssdkPageOptions = {}) {
  const { userAgent = UA.wechatIos, base = '', reply = jssdkReply } = options
  const scripts: WxScriptElement[] = []
  const current = () => win.location.href.split('#')[0]!
  const landing = href.split('#')[0]!
  const wechat = fakeWx(/iP(hone|ad)/.test(userAgent) ? () => landing : current)
  const onScript =
    options.onScript ??
    ((el: WxScriptElement) => {
      win.wx = wechat.wx
      el.onload?.()
    })
  const win: ReturnType<typeof envWindow> & { wx?: Wx; document: unknown } = {
    ...envWindow(env, href, userAgent),
    document: {
      createElement: () => ({ src: '', async: false, onload: null, onerror: null }),
      head: {
        appendChild: (el: WxScriptElement) => {
          scripts.push(el)
          setTimeout(() => onScript(el))
        },
      },
    },
  }
  const page = loadPage(env, href, { base, reply, options: { window: win } })
  // What the browser's history does: the address bar follows the route.
  page.router.afterEach((to) => {
    const [before] = win.location.href.split('#')
    win.location.href = base ? `${before}#${to.fullPath}` : ORIGIN + to.fullPath
  })
  await page.router.push(options.path ?? href.slice(ORIGIN.length))
  const use = (opts: Partial<UseWechatJssdkOptions> = {}) =>
    page.app.runWithContext(() => useWechatJssdk({ jsApiList: SHARE_APIS, ...opts }))
  const signs = () =>
    env.events.flatMap((e) => (e.type == 'request' && e.url.endsWith('/jssdk') ? [e.data] : []))
  return { ...page, win, scripts, wechat, use, signs }
}

/** Waits until the composable's status has left `loading`. */
export const settled = (jssdk: { status: { value: string } }) =>
  vi.waitFor(() => {
    if (jssdk.status.value == 'loading') throw new Error('still loading')
  })
