import type { SafeStorage } from './safe-storage'
import type { WechatApp, WechatScope } from './wire'

/** A login this tab started, kept in sessionStorage (it survives the trip to WeChat) until it returns. */
export interface PendingLogin {
  /** Travels through WeChat and the URL; compared exactly on return. */
  state: string
  /** Sent to the proxy with the code; never put in any URL, so a leaked callback URL is not enough. */
  verifier: string
  /** The router path the user asked for, restored after the login. */
  route: string
  scope: WechatScope
  /**
   * The app the login went to (`web`: the website app's qrconnect). A record only: the exchange uses
   * the app this browser logs in with, which is the same for every login of the tab.
   */
  app?: WechatApp
  createdAt: number
  /** A fresh login started because WeChat refused the last code: a refusal of this one's is shown. */
  again?: boolean
}

/** Longer than WeChat's 5-minute code lifetime plus a slow consent page, short enough to limit replay. */
export const PENDING_TTL_MS = 10 * 60 * 1000

/**
 * The CSRF check: the login a callback with `state` completes, only when it is the state this tab
 * saved, exactly, and the login has neither expired nor settled. A malformed entry's age is NaN:
 * refused like an expired one.
 */
export function pendingLoginFor(
  tab: SafeStorage,
  state: string | null,
  now: number,
): PendingLogin | undefined {
  const login = tab.get('pending') as PendingLogin | null
  if (state && login?.state == state && now - login.createdAt < PENDING_TTL_MS) return login
}

/**
 * Drops the login `state` started, once its callback settled (single use). Only that one: a newer
 * one may have started meanwhile (a QR code framed during the exchange).
 */
export function dropPendingLogin(tab: SafeStorage, state: string): void {
  if ((tab.get('pending') as PendingLogin | null)?.state == state) tab.remove('pending')
}
