import { detectEnvironment } from './detect'
import { WechatAuthError } from './errors'
import type { WechatAuthOptions } from './options'
import type { FlowContext } from './runtime'
import { loadSession } from './session-cache'
import type { PublicConfig } from './wire'

/**
 * The proxy's `GET /config`, cached for the tab: the trip to WeChat and back should not cost a
 * second call, and neither should each JS-SDK config.
 */
export async function publicConfig({
  tab,
  api,
}: Pick<FlowContext, 'tab' | 'api'>): Promise<Partial<PublicConfig>> {
  let config = tab.get('config') as Partial<PublicConfig> | null
  if (!config?.appid) {
    tab.set('config', (config = await api<PublicConfig>({ path: '/config', expect: 'appid' })))
  }
  return config
}

/**
 * `ensureReady()`: the config (options first, then the proxy's, cached for the tab), the app this
 * browser logs in with and its login mode, and the cached session; once. Afterwards the flow
 * state's `app`, `appid` and `authorizeBase` are set, and so is the window. The website app's
 * appid (`webAppid`: the option, else the config's) is this phase's alone.
 */
export function createEnsureReady(
  { flowState, store, local, tab, api, win, now, setSession }: Omit<FlowContext, 'ensureReady'>,
  { webAppid, pcLogin }: Pick<WechatAuthOptions, 'webAppid' | 'pcLogin'>,
): () => Promise<void> {
  /** The loading, shared by every caller until it settles; a failed one is not remembered. */
  let ready: Promise<void> | undefined

  async function load(): Promise<void> {
    if (!flowState.appid || !flowState.authorizeBase) {
      const config = await publicConfig({ tab, api })
      flowState.appid ||= config.appid
      flowState.authorizeBase ||= config.authorizeBase
      flowState.relayUrl ||= config.relayUrl
      webAppid ||= config.webAppid
    }
    // Outside a browser (SSR) there is no window: pass options.window.
    if (!flowState.appid || !flowState.authorizeBase || !win) {
      throw new WechatAuthError('config_error')
    }
    // No user agent at all reads as a desktop.
    const env = detectEnvironment(win.navigator?.userAgent as string)
    if (/desktop|-pc/.test(env) && webAppid && pcLogin) {
      // An openid belongs to one appid: a desktop's sessions are the website app's.
      flowState.app = 'web'
      flowState.appid = webAppid
    }
    // The official account's login only works inside WeChat: elsewhere WeChat shows its
    // 请在微信客户端打开链接 page, a dead end. Desktops may use the website app's QR code instead.
    store.loginMode =
      flowState.app == 'web'
        ? `pc-${pcLogin as 'redirect'}`
        : /^(wechat|miniprogram)$/.test(env)
          ? 'mp'
          : 'unavailable'
    const cached = loadSession(local, flowState.appid, now())
    if (cached) setSession(cached)
  }

  return () =>
    (ready ??= load().catch((err: unknown) => {
      // A failed config is retried by the next navigation or login(), not remembered.
      ready = undefined
      throw err
    }))
}
