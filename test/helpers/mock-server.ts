/**
 * Starts the mock WeChat on a free loopback port, for any test suite (mock, proxy, e2e).
 *
 *   const mock = await startMockWechat()            // demo apps, domains localhost + 127.0.0.1
 *   mock.baseUrl                                     // http://127.0.0.1:PORT/mock-wechat
 *   await fetch(`${mock.baseUrl}/sns/oauth2/access_token?...`)
 *   const [code] = await mock.control.codes({ count: 1 })   // string[] of pre-issued codes
 *   await mock.control.faults({ endpoint: 'access_token', mode: 'busy', times: 1 })
 *   await mock.control.faults({ endpoint: 'access_token', mode: 'errcode', errcode: 45011 })
 *   await mock.control.faults({ endpoint: 'authorize', mode: 'drop-callback', times: 1 })
 *   await mock.control.faults({ endpoint: 'qrconnect', mode: 'drop-callback' })   // PC login too
 *   await mock.control.snapshot(true)                // the next snsapi_userinfo login is a
 *                                                    // snapshot-page visit
 *                                                    // (snsapi_userinfo: no consent page)
 *   await mock.control.apps({ appid, unionBound: true })     // bind the app: unionid appears
 *   await mock.control.invalidateToken()             // basic tokens answer 40001 (all apps)
 *   await mock.control.quotas({ ticket: 3 })         // daily quotas per appid until reset
 *   await mock.control.ipWhitelist(['10.0.0.1'])     // /cgi-bin/* callers elsewhere get 40164
 *   await mock.answered()                            // every answer written, late ones included
 *   await mock.close()                               // in afterEach
 *
 * `options` are passed to createMockWechat; missing fields default to the demo apps and domains.
 * Every control call throws when the mock answers with a non-2xx status.
 */
import express from 'express'
import {
  DEMO_MP_APP,
  DEMO_OAUTH_DOMAINS,
  DEMO_WEB_APP,
  createMockWechat,
} from '../../proxy/mock-wechat/index.js'
import type { DailyQuotas, MockWechat, MockWechatOptions } from '../../proxy/mock-wechat/index.js'
import { API_FAULT_MODES } from '../../proxy/mock-wechat/state.js'
import type { ApiFaultMode } from '../../proxy/mock-wechat/state.js'
import { listenOnLoopback } from './net.js'

export interface MockStats {
  calls: {
    access_token: number
    refresh_token: number
    userinfo: number
    auth: number
    /** `GET /cgi-bin/token` */
    token: number
    /** `POST /cgi-bin/stable_token` */
    stable_token: number
    /** `GET /cgi-bin/ticket/getticket` */
    ticket: number
  }
  /** oauth2/authorize page requests, failed checks included. */
  authorize: number
  /** qrconnect page requests (GET), failed checks included. */
  qrconnect: number
  /** The stand-in JS-SDK's `wx.config` checks: passed and failed. */
  jssdk: { ok: number; fail: number }
}

export interface IssueCodesBody {
  count: number
  /** Default: `snsapi_base` for an official account, `snsapi_login` for a website app. */
  scope?: 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login'
  /** A test user id (TEST_USERS); default the first. */
  user?: string
  /** Default: the first `mp` app. */
  appid?: string
  /**
   * Force snapshot visits on or off for these codes; omitted = an armed `snapshot(true)` applies
   * to the first snsapi_userinfo one.
   */
  snapshot?: boolean
}

export interface AppsBody {
  appid: string
  unionBound: boolean
}

/** The API endpoints a fault can target; `*` = all of them. */
export type ApiFaultEndpoint =
  'access_token' | 'refresh_token' | 'userinfo' | 'auth' | 'token' | 'stable_token' | 'ticket' | '*'

/** `times`: how many calls the fault affects; omitted = until `clearFaults()` or `reset()`. */
export type FaultBody =
  | { endpoint: ApiFaultEndpoint; mode: 'latency'; ms: number; times?: number }
  | {
      endpoint: ApiFaultEndpoint
      mode: 'http500' | 'busy' | 'malformed' | 'text-html' | 'reset' | 'consume-then-reset'
      times?: number
    }
  /** WeChat's error body for `errcode` (its usual errmsg); nothing is done, a code stays usable. */
  | { endpoint: ApiFaultEndpoint; mode: 'errcode'; errcode: number; times?: number }
  /** The callback comes back to redirect_uri without code and state (not counted in `calls`). */
  | { endpoint: 'authorize' | 'qrconnect'; mode: 'drop-callback'; times?: number }

/** WeChat's transport and body faults: the mock's modes other than `errcode`, which needs an errcode. */
export type FaultMode = Exclude<ApiFaultMode, 'errcode'>
export const FAULT_MODES = API_FAULT_MODES.filter((mode): mode is FaultMode => mode !== 'errcode')

/** A fault on every call to `endpoint` until cleared; `latency` holds each answer `ms`. */
export function fault(endpoint: ApiFaultEndpoint, mode: FaultMode, ms = 600): FaultBody {
  return mode === 'latency' ? { endpoint, mode, ms } : { endpoint, mode }
}

export interface MockControl {
  stats(): Promise<MockStats>
  reset(): Promise<void>
  /** Moves the mock's clock forward; resolves to its new `now` (ms). */
  clock(advanceSeconds: number): Promise<number>
  /** Pre-issues codes; resolves to the codes themselves. */
  codes(body: IssueCodesBody): Promise<string[]>
  faults(body: FaultBody): Promise<void>
  /** Clears every fault, the authorize one included. */
  clearFaults(): Promise<void>
  /** Arms (or disarms) a one-shot snapshot-page visit for the next snsapi_userinfo code issued. */
  snapshot(next: boolean): Promise<void>
  /** Binds or unbinds a configured app to the open platform until reset. */
  apps(body: AppsBody): Promise<void>
  /** Another server replaced the basic token: the app's (every app's) tokens answer 40001 now. */
  invalidateToken(appid?: string): Promise<void>
  /** Replaces the IP白名单 of /cgi-bin/* until reset; `null` lets every caller in. */
  ipWhitelist(ips: string[] | null): Promise<void>
  /** Sets daily quotas per appid until reset; resolves to all of them. */
  quotas(body: Partial<DailyQuotas>): Promise<DailyQuotas>
}

export interface RunningMockWechat {
  /** `http://127.0.0.1:PORT/mock-wechat` — use it as both the authorize base and the API base. */
  baseUrl: string
  /** `http://127.0.0.1:PORT` */
  origin: string
  control: MockControl
  /** The mock itself (its `reset()` works without HTTP). */
  mock: MockWechat
  /**
   * Resolves once the mock has written every answer it owes, or dropped the connection itself (a
   * `reset` fault): the late answers of `latency` faults included, to callers that gave up on them.
   */
  answered(): Promise<void>
  close(): Promise<void>
}

export async function startMockWechat(
  options: Partial<MockWechatOptions> = {},
): Promise<RunningMockWechat> {
  const mock = createMockWechat({
    apps: options.apps ?? [DEMO_MP_APP, DEMO_WEB_APP],
    domains: options.domains ?? [...DEMO_OAUTH_DOMAINS],
    ...(options.now ? { now: options.now } : {}),
    ...(options.jssdkDomains ? { jssdkDomains: options.jssdkDomains } : {}),
    ...(options.ipWhitelist ? { ipWhitelist: options.ipWhitelist } : {}),
  })
  const app = express()
  const answered = owedAnswers(app)
  app.use('/mock-wechat', mock.router)
  const { origin, close } = await listenOnLoopback(app)
  const baseUrl = `${origin}/mock-wechat`

  const control = mockControlClient(baseUrl)

  return {
    baseUrl,
    origin,
    control,
    mock,
    answered,
    close,
  }
}

/**
 * Counts the requests `app` still owes an answer. One is owed until the app writes its answer (a
 * late one too, after the caller hung up) or drops the connection itself while the caller is still
 * there. Returns a wait for the count to reach zero.
 */
function owedAnswers(app: express.Express): () => Promise<void> {
  let owed = 0
  const waiting: (() => void)[] = []
  app.use((req, res, next) => {
    owed += 1
    const socket = req.socket
    let callerLeft = false
    let settled = false
    const left = () => void (callerLeft = true)
    const settle = () => {
      if (settled) return
      settled = true
      socket.off('end', left)
      socket.off('error', left)
      owed -= 1
      if (owed === 0) for (const resolve of waiting.splice(0)) resolve()
    }
    // Ahead of the server's own listeners, which close the response.
    socket.prependListener('end', left)
    socket.prependListener('error', left)
    const end = res.end
    res.end = function (this: typeof res, ...args: unknown[]) {
      settle()
      return (end as (...args: unknown[]) => typeof res).apply(this, args)
    } as typeof res.end
    res.once('close', () => {
      if (!callerLeft) settle()
    })
    next()
  })
  return () => new Promise((resolve) => (owed === 0 ? resolve() : waiting.push(resolve)))
}

/** The control endpoints of a mock WeChat at `baseUrl` (in this process or another). */
export function mockControlClient(baseUrl: string): MockControl {
  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${baseUrl}/__control/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5_000),
    })
    if (!response.ok) {
      throw new Error(`mock control ${method} ${path}: ${response.status} ${await response.text()}`)
    }
    return response
  }
  return {
    stats: async () => (await (await call('GET', 'stats')).json()) as MockStats,
    reset: async () => void (await call('POST', 'reset')),
    clock: async (advanceSeconds) =>
      ((await (await call('POST', 'clock', { advanceSeconds })).json()) as { now: number }).now,
    codes: async (body) =>
      ((await (await call('POST', 'codes', body)).json()) as { codes: string[] }).codes,
    faults: async (body) => void (await call('POST', 'faults', body)),
    clearFaults: async () => void (await call('DELETE', 'faults')),
    snapshot: async (next) => void (await call('POST', 'snapshot', { next })),
    apps: async (body) => void (await call('POST', 'apps', body)),
    invalidateToken: async (appid) =>
      void (await call('POST', 'invalidate-token', appid === undefined ? {} : { appid })),
    ipWhitelist: async (ips) => void (await call('POST', 'ip-whitelist', { ips })),
    quotas: async (body) => (await (await call('POST', 'quotas', body)).json()) as DailyQuotas,
  }
}
