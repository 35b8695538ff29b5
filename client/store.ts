import { defineStore } from 'pinia'
import type { WechatProfile } from './api'
import type { WechatScope } from './authorize-url'
import type { WechatAuthError } from './errors'

export type WechatAuthStatus =
  'idle' | 'redirecting' | 'exchanging' | 'authenticated' | 'denied' | 'error'

/** The session fields, signed out. */
export const signedOut = () => ({
  openid: null as string | null,
  unionid: null as string | null,
  scope: null as WechatScope | null,
  app: null as 'mp' | 'web' | null,
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
    ...signedOut(),
  }),
  getters: { isAuthenticated: (s) => s.status === 'authenticated' },
})
export type WechatAuthStore = ReturnType<typeof useWechatAuthStore>
