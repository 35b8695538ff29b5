import { newToken, randomString } from './random.js'

/** docs/wechat.md#lifetimes: the basic access_token and the jsapi_ticket both live 7200 s. */
export const BASIC_TOKEN_LIFETIME_S = 7200
export const JSAPI_TICKET_LIFETIME_S = 7200
/** docs/wechat.md#basic-access-token: a replaced classic token keeps working about 5 minutes. */
export const CLASSIC_GRACE_S = 300
/** The stable token (and the mock's ticket) is renewed by a call in its last 5 minutes. */
export const RENEW_BEFORE_S = 300
/** A second force_refresh within 30 s does not refresh (WeChat's stable_token page). */
export const FORCE_REFRESH_GAP_S = 30

/** Successful calls a day per appid; past them WeChat answers 45009. */
export interface DailyQuotas {
  /** `GET /cgi-bin/token`. */
  token: number
  /** `POST /cgi-bin/stable_token` with `force_refresh: true` (normal mode is not counted). */
  stable_token_force: number
  /** `GET /cgi-bin/ticket/getticket`. */
  ticket: number
}
export const DEFAULT_DAILY_QUOTAS: Readonly<DailyQuotas> = {
  token: 2000,
  stable_token_force: 20,
  ticket: 10_000,
}

/** A basic access_token or a jsapi_ticket. */
interface Credential {
  value: string
  appid: string
  /** Its natural end (42001 for a token after it). */
  expiresAt: number
  /** When it was replaced or invalidated: 40001 from then on. */
  diesAt: number
}

/** What the mock hands out: the value and the seconds it has left. */
export interface Issued {
  value: string
  expiresIn: number
}

export type TokenCheck = { ok: true; appid: string } | { ok: false; errcode: 40001 | 42001 }

/** WeChat's daily quotas reset at midnight Beijing time (UTC+8). */
const DAY_MS = 24 * 3600 * 1000
const BEIJING_OFFSET_MS = 8 * 3600 * 1000
/** Sweep dead credentials once this many are kept. */
const SWEEP_AT = 5_000

/**
 * The basic access_tokens (classic and stable, docs/wechat.md#basic-access-token) and the
 * jsapi_tickets (docs/wechat.md#jsapi_ticket) of every app, with their daily quotas.
 */
export class BasicTokens {
  private readonly tokens = new Map<string, Credential>()
  private readonly classic = new Map<string, Credential>()
  private readonly stable = new Map<string, Credential>()
  private readonly lastForce = new Map<string, number>()
  private readonly tickets = new Map<string, Credential>()
  private readonly currentTicket = new Map<string, Credential>()
  private readonly used = new Map<string, number>()
  quotas: DailyQuotas = { ...DEFAULT_DAILY_QUOTAS }
  /** The IP白名单 in force (undefined = every caller); control `ip-whitelist` changes it. */
  ipWhitelist: readonly string[] | undefined
  private configuredWhitelist: readonly string[] | undefined

  constructor(private readonly now: () => number) {}

  /** The whitelist the mock was created with; reset returns to it. */
  configure(ipWhitelist: readonly string[] | undefined): void {
    this.configuredWhitelist = ipWhitelist && [...ipWhitelist]
    this.ipWhitelist = this.configuredWhitelist
  }

  /** A new classic token; the previous one dies CLASSIC_GRACE_S later. Undefined past the quota. */
  issueClassic(appid: string): Issued | undefined {
    if (!this.spend('token', appid)) return undefined
    const previous = this.classic.get(appid)
    if (previous) previous.diesAt = Math.min(previous.diesAt, this.now() + CLASSIC_GRACE_S * 1000)
    const token = this.mint(this.tokens, newToken(), appid, BASIC_TOKEN_LIFETIME_S)
    this.classic.set(appid, token)
    return this.issued(token)
  }

  /**
   * The stable token: the same one while it has more than RENEW_BEFORE_S left, else a new one (the
   * old lives on to its own end). `force` replaces it, the old one dying at once ("会导致上次获取的
   * access_token 失效"), unless the last forced refresh was under FORCE_REFRESH_GAP_S ago: then it
   * acts as a normal call. Undefined past the force_refresh quota.
   */
  issueStable(appid: string, force: boolean): Issued | undefined {
    const now = this.now()
    const current = this.stable.get(appid)
    const last = this.lastForce.get(appid)
    const forcing = force && (last === undefined || now - last >= FORCE_REFRESH_GAP_S * 1000)
    if (forcing) {
      if (!this.spend('stable_token_force', appid)) return undefined
      this.lastForce.set(appid, now)
      if (current) current.diesAt = Math.min(current.diesAt, now)
    } else if (current && this.alive(current) && current.expiresAt - now > RENEW_BEFORE_S * 1000) {
      return this.issued(current)
    }
    const token = this.mint(this.tokens, newToken(), appid, BASIC_TOKEN_LIFETIME_S)
    this.stable.set(appid, token)
    return this.issued(token)
  }

  /** Which app a token speaks for, or WeChat's errcode for it: 42001 expired, 40001 otherwise. */
  checkToken(value: string): TokenCheck {
    const token = this.tokens.get(value)
    const now = this.now()
    if (!token || now >= token.diesAt) return { ok: false, errcode: 40001 }
    if (now >= token.expiresAt) return { ok: false, errcode: 42001 }
    return { ok: true, appid: token.appid }
  }

  /**
   * The app's jsapi_ticket: the same one while it has more than RENEW_BEFORE_S left, else a new
   * one (the old lives on to its own end). Undefined past the quota.
   */
  ticketFor(appid: string): Issued | undefined {
    if (!this.spend('ticket', appid)) return undefined
    const current = this.currentTicket.get(appid)
    if (current && this.alive(current) && current.expiresAt - this.now() > RENEW_BEFORE_S * 1000) {
      return this.issued(current)
    }
    const ticket = this.mint(this.tickets, newTicket(), appid, JSAPI_TICKET_LIFETIME_S)
    this.currentTicket.set(appid, ticket)
    return this.issued(ticket)
  }

  /** Every ticket of the app that is still valid (what `wx.config` may have been signed with). */
  validTickets(appid: string): string[] {
    return [...this.tickets.values()]
      .filter((ticket) => ticket.appid === appid && this.alive(ticket))
      .map((ticket) => ticket.value)
  }

  /** Another server replaced the app's tokens (every app's when `appid` is undefined): 40001 now. */
  invalidate(appid?: string): void {
    const now = this.now()
    for (const token of this.tokens.values()) {
      if (appid === undefined || token.appid === appid) token.diesAt = Math.min(token.diesAt, now)
    }
  }

  reset(): void {
    for (const map of [this.tokens, this.classic, this.stable, this.tickets, this.currentTicket]) {
      map.clear()
    }
    this.lastForce.clear()
    this.used.clear()
    this.quotas = { ...DEFAULT_DAILY_QUOTAS }
    this.ipWhitelist = this.configuredWhitelist
  }

  private alive(credential: Credential): boolean {
    const now = this.now()
    return now < credential.diesAt && now < credential.expiresAt
  }

  private issued(credential: Credential): Issued {
    return {
      value: credential.value,
      expiresIn: Math.ceil((credential.expiresAt - this.now()) / 1000),
    }
  }

  private mint(
    into: Map<string, Credential>,
    value: string,
    appid: string,
    lifetimeS: number,
  ): Credential {
    if (into.size >= SWEEP_AT) {
      for (const [key, old] of into) if (!this.alive(old)) into.delete(key)
    }
    const credential = {
      value,
      appid,
      expiresAt: this.now() + lifetimeS * 1000,
      diesAt: Infinity,
    }
    into.set(value, credential)
    return credential
  }

  /** Counts one call against today's quota; false (nothing counted) once it is used up. */
  private spend(quota: keyof DailyQuotas, appid: string): boolean {
    const day = Math.floor((this.now() + BEIJING_OFFSET_MS) / DAY_MS)
    const key = `${day}:${quota}:${appid}`
    const used = this.used.get(key) ?? 0
    if (used >= this.quotas[quota]) return false
    this.used.set(key, used + 1)
    return true
  }
}

/** A ticket shaped like WeChat's: 86 chars of letters, digits, `-` and `_`. */
function newTicket(): string {
  return randomString(86, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')
}
