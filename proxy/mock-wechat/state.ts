import { BasicTokens } from './basic-tokens.js'
import type { MockApp } from './demo-apps.js'
import { JssdkRecords } from './jssdk-records.js'
import { newCode, newToken } from './random.js'

export type Scope = 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login'
/** The API endpoints the mock counts and can inject faults into. */
export type ApiEndpoint =
  'access_token' | 'refresh_token' | 'userinfo' | 'auth' | 'token' | 'stable_token' | 'ticket'
export const API_ENDPOINTS: readonly ApiEndpoint[] = [
  'access_token',
  'refresh_token',
  'userinfo',
  'auth',
  'token',
  'stable_token',
  'ticket',
]

/** Faults of the API endpoints (`*` = all of them). */
export type ApiFaultMode =
  | 'latency'
  | 'http500'
  | 'busy'
  | 'malformed'
  | 'text-html'
  | 'reset'
  | 'consume-then-reset'
  | 'errcode'
/** Faults of the login pages (endpoints `authorize` and `qrconnect`). */
export type AuthorizeFaultMode = 'drop-callback'
/** The pages that hand out codes: oauth2/authorize (official account) and qrconnect (website app). */
export type PageEndpoint = 'authorize' | 'qrconnect'
export const PAGE_ENDPOINTS: readonly PageEndpoint[] = ['authorize', 'qrconnect']
export type FaultMode = ApiFaultMode | AuthorizeFaultMode
export const API_FAULT_MODES: readonly ApiFaultMode[] = [
  'latency',
  'http500',
  'busy',
  'malformed',
  'text-html',
  'reset',
  'consume-then-reset',
  'errcode',
]
export const AUTHORIZE_FAULT_MODES: readonly AuthorizeFaultMode[] = ['drop-callback']
export const FAULT_MODES: readonly FaultMode[] = [...API_FAULT_MODES, ...AUTHORIZE_FAULT_MODES]
/** Where a fault can be armed: an API endpoint, all of them (`*`), or a login page. */
export type FaultEndpoint = ApiEndpoint | '*' | PageEndpoint

export interface Fault<Mode extends FaultMode = ApiFaultMode> {
  mode: Mode
  /** Delay for `latency`. */
  ms: number
  /** The errcode `errcode` answers with. */
  errcode: number
  /** Calls left to affect; `Infinity` = until reset. */
  remaining: number
}

export interface IssuedCode {
  code: string
  appid: string
  userId: string
  scope: Scope
  issuedAt: number
  used: boolean
  /** A snapshot-page (快照页) visit: virtual identity, `is_snapshotuser: 1`, no userinfo. */
  snapshot: boolean
}

/** One authorization grant: what later /sns/userinfo, /sns/auth and refresh_token look up. */
export interface Grant {
  appid: string
  userId: string
  scope: Scope
  snapshot: boolean
  accessToken: string
  accessExpiresAt: number
  refreshToken: string
  refreshExpiresAt: number
}

export const CODE_LIFETIME_S: Record<MockApp['kind'], number> = { mp: 300, web: 600 }
export const ACCESS_TOKEN_LIFETIME_S = 7200
export const REFRESH_TOKEN_LIFETIME_S = 30 * 24 * 3600
/** Keep the code and grant tables bounded under load tests; the oldest entries go first. */
const MAX_CODES = 200_000
const MAX_GRANTS = 200_000

export class MockState {
  readonly codes = new Map<string, IssuedCode>()
  readonly grantsByAccessToken = new Map<string, Grant>()
  readonly grantsByRefreshToken = new Map<string, Grant>()
  readonly faults = new Map<ApiEndpoint | '*', Fault>()
  readonly pageFaults = new Map<PageEndpoint, Fault<AuthorizeFaultMode>>()
  /** Run-time `unionBound` overrides per appid (control `apps`); reset restores the configuration. */
  readonly unionBound = new Map<string, boolean>()
  calls: Record<ApiEndpoint, number> = zeroCalls()
  /** Basic access_tokens, jsapi_tickets and their quotas (`/cgi-bin/*`). */
  readonly basic = new BasicTokens(() => this.now())
  /** What the stand-in JS-SDK reported: `wx.config` outcomes and share calls. */
  readonly jssdk = new JssdkRecords()
  authorizeCalls = 0
  qrconnectCalls = 0
  /** One-shot (control `snapshot`): the next code issued is a snapshot visit. */
  snapshotNext = false
  private offsetMs = 0

  constructor(private readonly clock: () => number) {}

  now(): number {
    return this.clock() + this.offsetMs
  }

  advance(seconds: number): number {
    this.offsetMs += seconds * 1000
    return this.now()
  }

  /**
   * `snapshot` undefined = take the armed one-shot snapshot flag, if any, for an snsapi_userinfo
   * code: a snapshot page only ever stands in for the consent sheet (docs/wechat.md#snapshot-pages).
   */
  issueCode(appid: string, userId: string, scope: Scope, snapshot?: boolean): string {
    const code = newCode()
    const takesFlag = snapshot === undefined && scope === 'snsapi_userinfo'
    const isSnapshot = snapshot ?? (takesFlag && this.snapshotNext)
    if (takesFlag) this.snapshotNext = false
    this.codes.set(code, {
      code,
      appid,
      userId,
      scope,
      issuedAt: this.now(),
      used: false,
      snapshot: isSnapshot,
    })
    if (this.codes.size > MAX_CODES) {
      const oldest = this.codes.keys().next().value
      if (oldest !== undefined) this.codes.delete(oldest)
    }
    return code
  }

  issueGrant(appid: string, userId: string, scope: Scope, snapshot: boolean): Grant {
    const now = this.now()
    const grant: Grant = {
      appid,
      userId,
      scope,
      snapshot,
      accessToken: newToken(),
      accessExpiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000,
      refreshToken: newToken(),
      refreshExpiresAt: now + REFRESH_TOKEN_LIFETIME_S * 1000,
    }
    this.grantsByAccessToken.set(grant.accessToken, grant)
    this.grantsByRefreshToken.set(grant.refreshToken, grant)
    if (this.grantsByRefreshToken.size > MAX_GRANTS) {
      const oldest = this.grantsByRefreshToken.values().next().value
      if (oldest) this.forgetGrant(oldest)
    }
    return grant
  }

  /**
   * WeChat's refresh: an access_token that has not expired yet is kept and lives 7200 s from now;
   * an expired one is replaced (the old value then means nothing). The refresh_token never changes.
   */
  refreshGrant(grant: Grant): Grant {
    const now = this.now()
    if (now >= grant.accessExpiresAt) {
      this.grantsByAccessToken.delete(grant.accessToken)
      grant.accessToken = newToken()
      this.grantsByAccessToken.set(grant.accessToken, grant)
    }
    grant.accessExpiresAt = now + ACCESS_TOKEN_LIFETIME_S * 1000
    return grant
  }

  isUnionBound(app: MockApp): boolean {
    return this.unionBound.get(app.appid) ?? app.unionBound ?? false
  }

  private forgetGrant(grant: Grant): void {
    this.grantsByAccessToken.delete(grant.accessToken)
    this.grantsByRefreshToken.delete(grant.refreshToken)
  }

  /** Counts the call and returns the fault that applies to it, if any (endpoint-specific first). */
  takeFault(endpoint: ApiEndpoint): Fault | undefined {
    this.calls[endpoint] += 1
    for (const key of [endpoint, '*'] as const) {
      const fault = this.faults.get(key)
      if (!fault) continue
      if (spend(fault)) this.faults.delete(key)
      return fault
    }
    return undefined
  }

  /**
   * The login page's fault for a redirect about to carry a code, if one is armed. Not counted in
   * `calls`: every page request is already counted in `authorizeCalls` / `qrconnectCalls`.
   */
  takePageFault(endpoint: PageEndpoint): Fault<AuthorizeFaultMode> | undefined {
    const fault = this.pageFaults.get(endpoint)
    if (fault && spend(fault)) this.pageFaults.delete(endpoint)
    return fault
  }

  clearFaults(): void {
    this.faults.clear()
    this.pageFaults.clear()
  }

  reset(): void {
    this.codes.clear()
    this.grantsByAccessToken.clear()
    this.grantsByRefreshToken.clear()
    this.clearFaults()
    this.unionBound.clear()
    this.calls = zeroCalls()
    this.basic.reset()
    this.jssdk.reset()
    this.authorizeCalls = 0
    this.qrconnectCalls = 0
    this.snapshotNext = false
    this.offsetMs = 0
  }
}

/** Uses up one of the fault's calls; true when it has none left. */
function spend(fault: Fault<FaultMode>): boolean {
  fault.remaining -= 1
  return fault.remaining <= 0
}

function zeroCalls(): Record<ApiEndpoint, number> {
  return Object.fromEntries(API_ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<
    ApiEndpoint,
    number
  >
}
