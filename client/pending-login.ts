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
