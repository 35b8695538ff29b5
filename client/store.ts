import { defineStore } from 'pinia'
import type { WechatAuthError } from './errors'
import type { WechatApp, WechatProfile, WechatSessionScope } from './wire'

export type WechatAuthStatus =
  'idle' | 'redirecting' | 'exchanging' | 'authenticated' | 'denied' | 'error'

/**
 * How this browser logs in (null until the config is loaded, by the first guarded navigation):
 * - `mp`: the official account (inside WeChat on a phone, or a mini-program web-view)
 * - `pc-redirect`: the website app's QR page, full page (a desktop browser or PC WeChat)
 * - `pc-embedded`: the same in the page's `<WechatQrLogin>`; the guard never leaves the page
 * - `unavailable`: no login here (status `error`, `outside_wechat`): show "open in WeChat"
 */
export type WechatLoginMode = 'mp' | 'pc-redirect' | 'pc-embedded' | 'unavailable'

/** The session fields, signed out. */
export const signedOut = () => ({
  openid: null as string | null,
  unionid: null as string | null,
  scope: null as WechatSessionScope | null,
  app: null as WechatApp | null,
  session: null as string | null,
  expiresAt: null as number | null,
  /** A snapshot-page (快照页) visitor: a virtual identity, to be treated as a guest. */
  snapshotUser: false,
  profile: null as WechatProfile | null,
})

export const useWechatAuthStore = defineStore('wechat-h5-auth', {
  state: () => ({
    status: 'idle' as WechatAuthStatus,
    error: null as WechatAuthError | null,
    loginMode: null as WechatLoginMode | null,
    ...signedOut(),
  }),
  getters: { isAuthenticated: (s) => s.status == 'authenticated' },
})
export type WechatAuthStore = ReturnType<typeof useWechatAuthStore>
