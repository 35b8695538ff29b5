import { WechatAuthError } from './errors'

/**
 * What WeChat's JS-SDK answers a call or a failed `wx.config` with:
 * `{errMsg: 'config:invalid signature'}`.
 */
export interface WxResult {
  errMsg: string
}

/** `wx.config`'s argument (docs/wechat.md#js-sdk-signing). */
export interface WxConfig {
  debug?: boolean
  appId: string
  timestamp: number
  nonceStr: string
  signature: string
  jsApiList: string[]
  openTagList?: string[]
}

/** What `updateAppMessageShareData` and `updateTimelineShareData` take. */
export interface WxShareData {
  title: string
  desc?: string
  link: string
  imgUrl: string
  success?(): void
  fail?(res: WxResult): void
}

/**
 * The part of WeChat's `wx` (jweixin-1.6.0.js) the kit uses. An app calling other interfaces adds
 * them by augmenting this interface (`declare module 'wechat-h5-auth/jssdk'`).
 */
export interface Wx {
  config(config: WxConfig): void
  /** Runs `fn` once a config succeeded; WeChat calls it once per page load. */
  ready(fn: () => void): void
  /** Runs `fn` when a config fails. WeChat keeps one such function: a later `wx.error` replaces it. */
  error(fn: (res: WxResult) => void): void
  updateAppMessageShareData(data: WxShareData): void
  updateTimelineShareData(data: WxShareData): void
}

/** The page's script element, as much of it as loading WeChat's script takes. */
export interface WxScriptElement {
  src: string
  async: boolean
  onload: (() => void) | null
  onerror: (() => void) | null
}

/** The parts of the page loading WeChat's script takes (the kit's `window` option, again). */
export interface WxPage {
  document?: {
    createElement(tag: 'script'): WxScriptElement
    head: { appendChild(node: WxScriptElement): unknown }
  }
  /** Defined by WeChat's script. */
  wx?: Wx
}

/** WeChat's script, when the proxy's config names none (a proxy older than `jssdkScript`). */
export const JWEIXIN = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js'

/** The loading of WeChat's script, per page: one `<script>` however many pages' parts ask. */
const scripts = new WeakMap<WxPage, Promise<Wx>>()

/**
 * WeChat's `wx`: the page's own when a script already defined it, else from one `<script src>`
 * added to the page (none without a document: `jssdk_config_failed`). A failed load is forgotten,
 * so the next call tries again.
 */
export function loadWx(page: WxPage, src: string): Promise<Wx> {
  let loading = scripts.get(page)
  if (!loading) {
    loading = new Promise<Wx>((resolve, reject) => {
      const { wx, document } = page
      const failed = () => reject(new WechatAuthError('jssdk_config_failed', `script ${src}`))
      if (wx || !document) return wx ? resolve(wx) : failed()
      const el = document.createElement('script')
      el.src = src
      el.async = true
      el.onload = () => (page.wx ? resolve(page.wx) : failed())
      el.onerror = failed
      document.head.appendChild(el)
    })
    scripts.set(page, loading)
    loading.catch(() => scripts.delete(page))
  }
  return loading
}

/** WeChat's failure of a config or a call, as the kit reports it: WeChat's errMsg as the message. */
export const wxFailure = (code: 'jssdk_config_failed' | 'jssdk_call_failed', res: WxResult) =>
  new WechatAuthError(code, res?.errMsg, { cause: res })

/** One `wx`'s configs, one at a time: its `ready` and `error` reach the config under way. */
interface WxHub {
  /** `wx.ready` fired: WeChat will not fire it again on this page load. */
  ready: boolean
  /** The config under way (or the last one, for an error that comes after it counted as done). */
  settle?: (res?: WxResult) => void
  /** The configs, in turn: each waits for the one before. */
  queue: Promise<unknown>
}

const hubs = new WeakMap<Wx, WxHub>()

/** How long a config may wait for `wx.ready` or `wx.error` (WeChat checks it over the network). */
export const CONFIG_TIMEOUT_MS = 15_000

function hubOf(wx: Wx): WxHub {
  let hub = hubs.get(wx)
  if (!hub) {
    const made: WxHub = (hub = { ready: false, queue: Promise.resolve() })
    wx.ready(() => {
      made.ready = true
      made.settle?.()
    })
    wx.error((res) => made.settle?.(res))
    hubs.set(wx, hub)
  }
  return hub
}

/**
 * Calls `wx.config(config)` and resolves when it took, rejects with `jssdk_config_failed` (WeChat's
 * errMsg as the message) when WeChat refused it. The first config of a page waits for `wx.ready`
 * or `wx.error`. WeChat fires `ready` once per page load (docs/wechat.md#signed-url is why a page
 * configures again), so a later config counts as done unless `wx.error` fired during the call; an
 * error that arrives after that goes to `late`, until another config starts.
 */
export function configureWx(
  wx: Wx,
  config: WxConfig,
  late: (err: WechatAuthError) => void,
): Promise<void> {
  const hub = hubOf(wx)
  const run = () =>
    new Promise<void>((resolve, reject) => {
      let done = false
      // A script that never answers (blocked, or an old WeChat) must not keep the page loading,
      // nor every later config queued behind this one.
      const timer = setTimeout(() => settle({ errMsg: 'config:timeout' }), CONFIG_TIMEOUT_MS)
      const settle = (res?: WxResult) => {
        clearTimeout(timer)
        const err = res && wxFailure('jssdk_config_failed', res)
        if (done) return void (err && late(err))
        done = true
        if (err) reject(err)
        else resolve()
      }
      hub.settle = settle
      wx.config(config)
      if (hub.ready) settle()
    })
  const turn = hub.queue.then(run)
  hub.queue = turn.catch(() => {})
  return turn
}

/** Calls `wx[name](data)`: resolves on `success`, rejects with `jssdk_call_failed` on `fail`. */
export const callWx = (
  wx: Wx,
  name: 'updateAppMessageShareData' | 'updateTimelineShareData',
  data: WxShareData,
) =>
  new Promise<void>((resolve, reject) =>
    wx[name]({
      ...data,
      success: resolve,
      fail: (res) => reject(wxFailure('jssdk_call_failed', res)),
    }),
  )
