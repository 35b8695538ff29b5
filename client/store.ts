import { defineStore } from 'pinia'
import { computed, reactive, shallowRef, toRefs } from 'vue'
import type { WechatProfile } from './api'
import type { WechatScope } from './authorize-url'
import type { WechatAuthError } from './errors'
import type { CachedSession } from './session-cache'

export type WechatAuthStatus =
  'idle' | 'redirecting' | 'exchanging' | 'authenticated' | 'denied' | 'error'

const signedOut = () => ({
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

/** The login state. The flow (auth.ts) writes it through these actions; pages read it. */
export const useWechatAuthStore = defineStore('wechat-h5-auth', () => {
  const state = reactive({ status: 'idle' as WechatAuthStatus, ...signedOut() })
  const error = shallowRef<WechatAuthError | null>(null)

  /** Any status but `error`/`denied` clears the error. */
  function setStatus(next: WechatAuthStatus, err: WechatAuthError | null = null): void {
    state.status = next
    error.value = err
  }

  /** A new session; the profile of the previous one is dropped. */
  function setSession(cached: CachedSession): void {
    // The cache's `v` and `appid` ride along on the inner object; only the refs above are exposed.
    Object.assign(state, signedOut(), cached)
    setStatus('authenticated')
  }

  return {
    ...toRefs(state),
    error,
    isAuthenticated: computed(() => state.status === 'authenticated'),
    setSession,
    setStatus,
    /** A refused consent is `denied`; everything else is `error`. */
    fail: (err: WechatAuthError) =>
      setStatus(err.code === 'access_denied' ? 'denied' : 'error', err),
    clear: () => (Object.assign(state, signedOut()), setStatus('idle')),
  }
})

export type WechatAuthStore = ReturnType<typeof useWechatAuthStore>
