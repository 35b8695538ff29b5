import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { WechatScope } from './authorize-url'
import type { WechatAuthError } from './errors'
import type { CachedSession } from './session-cache'

export type WechatAuthStatus =
  'idle' | 'redirecting' | 'exchanging' | 'authenticated' | 'denied' | 'error'

/** The login state. The flow (auth.ts) writes it through these actions; pages read it. */
export const useWechatAuthStore = defineStore('wechat-h5-auth', () => {
  const status = ref<WechatAuthStatus>('idle')
  const openid = ref<string | null>(null)
  const unionid = ref<string | null>(null)
  const scope = ref<WechatScope | null>(null)
  const app = ref<'mp' | 'web' | null>(null)
  const session = ref<string | null>(null)
  const expiresAt = ref<number | null>(null)
  const snapshotUser = ref(false)
  const error = shallowRef<WechatAuthError | null>(null)

  const isAuthenticated = computed(() => status.value === 'authenticated' && session.value !== null)

  function setSession(cached: CachedSession): void {
    openid.value = cached.openid
    unionid.value = cached.unionid ?? null
    scope.value = cached.scope
    app.value = cached.app
    session.value = cached.session
    expiresAt.value = cached.expiresAt
    snapshotUser.value = cached.snapshotUser ?? false
    error.value = null
    status.value = 'authenticated'
  }

  function setStatus(next: WechatAuthStatus): void {
    status.value = next
    if (next !== 'error' && next !== 'denied') error.value = null
  }

  /** A refused consent is `denied`; everything else is `error`. */
  function fail(err: WechatAuthError): void {
    error.value = err
    status.value = err.code === 'access_denied' ? 'denied' : 'error'
  }

  function clear(): void {
    openid.value = unionid.value = scope.value = app.value = session.value = null
    expiresAt.value = null
    snapshotUser.value = false
    error.value = null
    status.value = 'idle'
  }

  return {
    status,
    openid,
    unionid,
    scope,
    app,
    session,
    expiresAt,
    snapshotUser,
    error,
    isAuthenticated,
    setSession,
    setStatus,
    fail,
    clear,
  }
})

export type WechatAuthStore = ReturnType<typeof useWechatAuthStore>
