import { parseCallback, stripCallback, type CallbackParams } from './callback'
import { WechatAuthError } from './errors'
import { dropPendingLogin, pendingLoginFor, type PendingLogin } from './pending-login'
import type { FlowContext } from './runtime'
import { safeReturnPath } from './safe-return-path'
import { sessionFromOpenid } from './session-cache'
import type { StartLogin } from './start-login'
import type { OpenidRequestBody, OpenidResponse } from './wire'

export interface CallbackCompletion {
  /**
   * Completes a login when the page URL carries WeChat's callback, or joins the exchange in flight.
   * Resolves to the route the login was started for, when there is one to return to.
   */
  complete(): Promise<string | undefined>
  /**
   * Whether stripCallback may clean `href` (a route's path): it carries the callback this page came
   * back with (found as the page URL's is, by parseCallback, with the same values, so that an app's
   * own `?state=open` is not taken for WeChat's), or no callback at all, only WeChat's
   * `#wechat_redirect` marker (a return without code and state, as after a dropped callback).
   */
  strippable(href: string): boolean
}

/**
 * Completing a callback: reads it from the page URL, strips it, checks its state against the
 * pending login, exchanges the code at the proxy, and settles the login whatever the answer.
 */
export function createCallbackCompletion(
  {
    flowState,
    local,
    tab,
    api,
    win,
    now,
    trips,
    setStatus,
    fail,
    setSession,
    ensureReady,
  }: FlowContext,
  start: StartLogin,
): CallbackCompletion {
  /** The last callback seen in the page URL, to strip it from routes too. */
  let seen: CallbackParams | null = null
  /** The exchange in flight: its code, and what it resolves to (the route to continue to, if any). */
  let exchange: { code: string; route: Promise<string | undefined> } | undefined

  /** Exchanges `code` for a session; resolves to the route to continue to. */
  function exchangeCode(
    code: string,
    { state, route, scope, again, verifier }: PendingLogin,
  ): Promise<string | undefined> {
    // No `state`: the kit checked it (pendingLoginFor); the verifier binds the code to this browser.
    // The proxy exchanges with the credentials of the app that issued the code.
    // Single use: the login is dropped once its exchange settles, and its code is never sent again
    // (WeChat codes are single use; the tab keeps the last one it sent). Until then a reload of the
    // same callback (Android loads it twice) sends the same code and verifier again, and the proxy
    // answers it from the exchange already under way instead of asking WeChat a second time.
    return api<OpenidResponse>({
      path: '/openid',
      method: 'post',
      expect: 'session',
      body: { code, verifier, app: flowState.app } satisfies OpenidRequestBody,
      // The pre-boot script may have sent this exchange already, while the app downloaded (preboot.ts).
      sent: (win as unknown as { __wechatAuthExchange?: Record<string, Promise<unknown>> })
        .__wechatAuthExchange?.[code],
    })
      .finally(() => {
        dropPendingLogin(tab, state)
        tab.set('code', code)
      })
      .then(
        (answer) => {
          // Kept as the proxy answered: it decides the scope (a base login over a userinfo grant it
          // still keeps answers snsapi_userinfo), and the session JWT it signed carries that scope.
          const session = sessionFromOpenid(answer, flowState.app)
          // A snapshot identity is virtual and WeChat throws the snapshot's storage away: memory only.
          if (!session.snapshotUser) local.set(flowState.appid!, session)
          setSession(session)
          // A session ends the run of trips the loop breaker counts.
          trips.reset()
          return route
        },
        async (err: WechatAuthError) => {
          // WeChat refused the code (code_invalid, code_used, code_expired): one fresh login may bring
          // a good one. A refusal of that one too is shown: re-authorizing on every failure loops.
          if (err.code.startsWith('code_') && !again) {
            return void (await start({ target: safeReturnPath(route), scope, again: true }))
          }
          fail(err)
          return route
        },
      )
  }

  async function complete(): Promise<string | undefined> {
    await ensureReady()
    const { location, history } = win!
    const found = parseCallback(location.href)
    // Another navigation during an exchange waits for it, but keeps its own target.
    if (!found) return void (await exchange?.route)
    seen = found
    // Stripped before anything else: a reload or back navigation must never resubmit the code.
    history.replaceState(history.state, '', stripCallback(location.href))
    const { code, state } = found
    // A code under exchange, or the one this tab sent last (a login started meanwhile may be
    // pending: a framed QR code), is never resent: a second exchange would fail, or start a login
    // nobody asked for. Older codes find no pending login of theirs: ignored below.
    if (code && (code == exchange?.code || code == tab.get('code'))) {
      return exchange?.route
    }
    // CSRF check: only the state this tab saved, unexpired and not yet settled, may complete a login.
    const login = pendingLoginFor(tab, state, now())
    // Not a login this tab started (a link that travelled with a used code, docs/wechat.md#shared-links;
    // stale, duplicated or forged): ignored quietly, never exchanged. The guard then decides as for a
    // page without a callback, and logs this user in when the route needs it; the loop breaker counts
    // that trip like any other.
    if (!login) return
    if (!code) {
      dropPendingLogin(tab, login.state)
      // A denial: shown, never answered with a new trip; the user asked for `route`, so land there.
      flowState.denied = login.scope
      setStatus('denied', new WechatAuthError('access_denied'))
      return login.route
    }
    // Our own login is always completed, even over a session: it was started because that session
    // was not enough (a stronger scope, or a grant WeChat refused).
    setStatus('exchanging')
    const route = exchangeCode(code, login)
    exchange = { code, route }
    return route.finally(() => (exchange = undefined))
  }

  function strippable(href: string): boolean {
    const found = parseCallback(href)
    // Without `seen`, a found callback never matches: one of its values is a string.
    return !found || (found.code == seen?.code && found.state == seen?.state)
  }

  return { complete, strippable }
}
