import {
  getCurrentScope,
  onScopeDispose,
  readonly,
  ref,
  shallowReadonly,
  shallowRef,
  type Ref,
} from 'vue'
import { stripCallback } from './callback'
import { WechatAuthError } from './errors'
import { configureWx, callWx, JWEIXIN, loadWx, type Wx, type WxPage } from './jssdk-wx'
import { publicConfig } from './ready'
import { useRuntime } from './runtime'
import type { WechatAuthWindow } from './options'
import type { JssdkRequestBody, JssdkResponse } from './wire'

export type { Wx, WxConfig, WxPage, WxResult, WxScriptElement, WxShareData } from './jssdk-wx'
export type { JssdkRequestBody, JssdkResponse } from './wire'

/**
 * - `idle`: not started, or nothing to do (no window: a server render)
 * - `loading`: loading WeChat's script, signing, configuring
 * - `ready`: `wx` took the config: share and the interfaces of `jsApiList` work
 * - `error`: see `error`
 */
export type WechatJssdkStatus = 'idle' | 'loading' | 'ready' | 'error'

/**
 * What `share()` sets for friends (`updateAppMessageShareData`) and Moments
 * (`updateTimelineShareData`).
 */
export interface WechatShareData {
  title: string
  /** Friends only (Moments show the title). @default '' */
  desc?: string
  /** Must be on a JS接口安全域名. @default the current page without WeChat's `code` and `state` */
  link?: string
  /** @default '' (WeChat's default picture) */
  imgUrl?: string
}

export interface UseWechatJssdkOptions {
  /**
   * The JS interfaces the page calls, e.g.
   * `['updateAppMessageShareData', 'updateTimelineShareData']` for `share()`.
   */
  jsApiList: string[]
  /** The open tags the page shows, e.g. `['wx-open-launch-weapp']`. @default [] */
  openTagList?: string[]
  /** WeChat's debug mode: it alerts every call's answer. @default false */
  debug?: boolean
  /**
   * WeChat's script. @default the proxy's `GET /config` `jssdkScript` (the config the kit cached
   * for the tab), else WeChat's jweixin-1.6.0.js
   */
  scriptUrl?: string
}

export interface UseWechatJssdkReturn {
  status: Readonly<Ref<WechatJssdkStatus>>
  /**
   * The last failure: `outside_wechat` (no JS-SDK here: not WeChat on a phone),
   * `jssdk_config_failed` (WeChat's script did not load, or `wx.config` failed: WeChat's errMsg is
   * the message), a proxy code from signing (`url_not_allowed`, …), or `jssdk_call_failed` from
   * `share()` (the status stays `ready`: the config still holds).
   */
  error: Readonly<Ref<WechatAuthError | null>>
  /** WeChat's `wx` once a config took, for the other interfaces of `jsApiList`. */
  wx: Readonly<Ref<Wx | null>>
  /**
   * Sets what sharing to friends and to Moments shows, once the config took (it waits for it).
   * Resolves to what it set (the default link filled in) when WeChat accepted both; rejects with
   * the failure (also in `error`) otherwise.
   */
  share(data: WechatShareData): Promise<Required<WechatShareData>>
}

/** A page URL as WeChat checks it: without the fragment (docs/wechat.md#signed-url). */
const signable = (href: string) => href.split('#')[0]!

/** iOS (iPhone, iPad, iPod in the user agent): WeChat there checks the landing URL. */
const isIos = (userAgent = '') => /iP(hone|ad|od)/.test(userAgent)

/**
 * The URLs to sign, the one WeChat checks on this platform first (docs/wechat.md#signed-url):
 * iOS checks the landing URL (the last real page load, with the callback the kit has stripped
 * since), Android and the rest the current URL. The other one is the retry after `invalid
 * signature`; there is none when both are the same URL.
 */
export function signedUrls({
  ios,
  landing,
  current,
}: {
  ios: boolean
  landing: string
  current: string
}): string[] {
  return [...new Set((ios ? [landing, current] : [current, landing]).map(signable))]
}

/**
 * WeChat's JS-SDK for the page (`wechat-h5-auth/jssdk`), in a component: loads WeChat's script
 * once per page, has the proxy sign the URL WeChat checks on this platform, retries once with the
 * other URL on `invalid signature`, and configures `wx`. Starts at once. Where the official
 * account's login does not work (neither WeChat on a phone nor a mini-program web-view) its status
 * is `error`, `outside_wechat`, and nothing is loaded.
 *
 * Except on iOS, where the landing URL stays the one checked, it configures again after each route
 * change that moves the page URL (the fragment does not count), after a failure too: the new URL
 * may sign right. WeChat fires `wx.ready` once per page load, so such a later config counts as
 * taken unless `wx.error` answers it during the call; a refusal that arrives afterwards sets the
 * status back to `loading` for the retry with the other URL, then `error`.
 */
export function useWechatJssdk({
  jsApiList,
  openTagList = [],
  debug = false,
  scriptUrl,
}: UseWechatJssdkOptions): UseWechatJssdkReturn {
  const flow = useRuntime().flow
  const win = flow.win as (WechatAuthWindow & WxPage) | undefined
  const status = ref<WechatJssdkStatus>('idle')
  const error = shallowRef<WechatAuthError | null>(null)
  const wx = shallowRef<Wx | null>(null)
  const ios = isIos(win?.navigator?.userAgent)
  /** The page URL when the last config started: a route change that keeps it needs no new one. */
  let lastUrl = ''
  /** Counts configs, so that one overtaken by a route change leaves the state alone. */
  let runs = 0
  /** The config under way, for share() to wait for. */
  let current: Promise<void> = Promise.resolve()

  function settle(id: number, w: Wx | null, err?: unknown): void {
    if (id != runs) return
    status.value = err ? 'error' : 'ready'
    error.value = (err as WechatAuthError) ?? null
    if (w) wx.value = w
  }

  /** WeChat's script: the option, else the proxy's config (cached for the tab), else jweixin 1.6.0. */
  async function scriptSrc(): Promise<string> {
    if (scriptUrl) return scriptUrl
    // ensureReady() cached it, unless the app's options made the config unnecessary to the kit.
    return (await publicConfig(flow)).jssdkScript || JWEIXIN
  }

  /** Signs `urls[0]` and configures `w` with it; on `invalid signature`, once more with `urls[1]`. */
  async function configure(id: number, w: Wx, urls: string[]): Promise<void> {
    const body: JssdkRequestBody = { url: urls[0]! }
    const { appId, timestamp, nonceStr, signature } = await flow.api<JssdkResponse>({
      path: '/jssdk',
      method: 'post',
      expect: 'signature',
      body,
    })
    const config = { debug, appId, timestamp, nonceStr, signature, jsApiList, openTagList }
    // WeChat checked another URL than the one signed (docs/wechat.md#signed-url): the other one is
    // worth one try. Any other failure would only fail again.
    const retry = (err: WechatAuthError) =>
      urls[1] && /invalid signature/.test(err.message)
        ? configure(id, w, urls.slice(1))
        : Promise.reject(err)
    await configureWx(w, config, (err) => {
      // A refusal after the config counted as done (WeChat fires `ready` once per page load).
      if (id != runs) return
      status.value = 'loading'
      current = retry(err).then(
        () => settle(id, w),
        (e: unknown) => settle(id, null, e),
      )
    }).catch(retry)
  }

  async function start(id: number): Promise<void> {
    status.value = 'loading'
    lastUrl = signable(win!.location.href)
    try {
      await flow.ensureReady()
      // The official account's JS-SDK works where its login does: WeChat on a phone, a mini-program
      // web-view. Elsewhere `wx.config` never answers.
      if (flow.store.loginMode != 'mp') throw new WechatAuthError('outside_wechat')
      const w = await loadWx(win!, await scriptSrc())
      // Recorded by the runtime from this same window when the app installed the kit.
      const landing = flow.landing ?? win!.location.href
      await configure(id, w, signedUrls({ ios, landing, current: win!.location.href }))
      settle(id, w)
    } catch (err) {
      settle(id, null, err)
    }
  }

  const run = () => (current = start(++runs))

  // No window (a server render): nothing to configure, ever.
  if (win) {
    void run()
    // Android checks the current URL: a route that changed it needs a new signature. iOS keeps
    // checking the landing URL, which no route change touches.
    if (!ios) {
      const stop = flow.router().afterEach(() => {
        if (error.value?.code != 'outside_wechat' && signable(win.location.href) != lastUrl) {
          void run()
        }
      })
      if (getCurrentScope()) onScopeDispose(stop)
    }
  }

  return {
    status: readonly(status),
    error: readonly(error),
    wx: shallowReadonly(wx),
    async share({ title, desc = '', link, imgUrl = '' }) {
      // The config under way, and any a route change started meanwhile.
      for (let seen; seen != current;) await (seen = current)
      try {
        if (status.value != 'ready') throw error.value ?? new WechatAuthError('config_error')
        const data = { title, desc, imgUrl, link: link ?? stripCallback(win!.location.href) }
        await Promise.all([
          callWx(wx.value!, 'updateAppMessageShareData', data),
          callWx(wx.value!, 'updateTimelineShareData', data),
        ])
        return data
      } catch (err) {
        error.value = err as WechatAuthError
        throw err
      }
    },
  }
}
