import { readonly, toRef, type Ref } from 'vue'
import { WINDOW_MS } from './loop-breaker'
import { useRuntime } from './runtime'
import type { WechatAuthError } from './errors'
import type { WechatLang, WechatProfile } from './wire'

export interface FetchProfileOptions {
  /** The language of the region fields. @default 'zh_CN' */
  lang?: WechatLang
}

export interface UseWechatProfileReturn {
  /** The last profile `fetchProfile()` loaded; null when signed out (a new session drops it). */
  profile: Readonly<Ref<WechatProfile | null>>
  /**
   * Loads the profile (`GET /userinfo`) into `profile`. Resolves null without a session, for a
   * snapshot user, on a failure (then in the kit's `error`) and when it leaves for WeChat's consent
   * page: once, when WeChat refused the stored grant (`reauth_required`) or the session is dead
   * (`unauthorized`). A second refusal within a minute is an error, because re-authorizing on every
   * failure is how login loops start. Never rejects.
   */
  fetchProfile(options?: FetchProfileOptions): Promise<WechatProfile | null>
}

/**
 * The WeChat profile (nickname, avatar) of the signed-in user, for routes with
 * `meta: { wechatAuth: 'userinfo' }`. An entry of its own (`wechat-h5-auth/profile`), so that apps
 * which only need the openid do not ship it.
 */
export function useWechatProfile(): UseWechatProfileReturn {
  const { store, start, ensureReady, hasSession, api, forget, fail, tab, now } = useRuntime().flow
  return {
    // Read-only, as the composable's state: only the flow writes it.
    profile: toRef(readonly(store), 'profile') as Readonly<Ref<WechatProfile | null>>,
    async fetchProfile({ lang = 'zh_CN' } = {}) {
      try {
        await ensureReady()
        // A snapshot user is a guest: WeChat refuses its profile anyway.
        if (hasSession('base') && !store.snapshotUser) {
          return (store.profile = await api<WechatProfile>({
            path: `/userinfo?lang=${lang}`,
            expect: 'openid',
            session: store.session!,
          }))
        }
      } catch (e) {
        // Every failure here is the proxy client's or the config's: a WechatAuthError.
        const { code } = e as WechatAuthError
        if (
          /^(reauth_required|unauthorized)$/.test(code) &&
          !(now() - (tab.get('reauth') as number) < WINDOW_MS)
        ) {
          tab.set('reauth', now())
          if (code == 'unauthorized') forget()
          await start({ scope: 'snsapi_userinfo' })
        } else fail(e)
      }
      return null
    },
  }
}
