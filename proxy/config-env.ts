import { isIP } from 'node:net'

/** How configuration values are read from the environment: the pieces loadConfig is built of. */

export type Env = Record<string, string | undefined>

/** Reads a value; empty and whitespace-only count as unset (a blank line in .env is not a value). */
export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

/** The URL when `value` is an absolute http(s) URL. */
export function httpUrl(value: string): URL | undefined {
  // One parse (POST /jssdk checks every URL with this): URL.canParse and then new URL was two.
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return undefined
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined
}

const DURATION = /^(\d+)([smhd]?)$/
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }

/** Parses '3600', '90s', '30m', '12h', '7d' into seconds. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value)
  if (!match) return undefined
  return Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 1)
}

/** Express's `trust proxy` setting: true/false, a hop count, or addresses/subnets as a string. */
export function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === 'false' || raw === '0') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  return raw
}

const APPID = /^wx[0-9a-f]{16}$/i
const SECRET = /^[0-9a-f]{32}$/i
// A hostname only: WeChat's domain settings (网页授权域名, JS接口安全域名) have no scheme, port or path.
const HOSTNAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i

export interface ConfigProblem {
  variable: string
  problem: string
}

/** A startup error naming every bad variable and what is expected of it — never a value. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[]

  constructor(problems: ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`,
    )
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * Readers of `env` that note every bad variable in `problems` (and fall back) instead of stopping at
 * the first, so that one start-up error names them all.
 */
export function envReader(env: Env) {
  const problems: ConfigProblem[] = []
  const problem = (variable: string, text: string) => {
    problems.push({ variable, problem: text })
  }
  return {
    problems,
    problem,
    /** A whole number in [min, max]; `fallback` when unset. */
    integer(name: string, fallback: number, min: number, max: number): number {
      const raw = read(env, name)
      if (raw === undefined) return fallback
      if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        problem(name, `must be a whole number from ${min} to ${max}`)
        return fallback
      }
      return Number(raw)
    },
    /** An absolute http(s) URL without trailing slashes; undefined when unset. */
    url(name: string): string | undefined {
      const raw = read(env, name)
      if (raw === undefined) return undefined
      if (!httpUrl(raw)) {
        problem(name, 'must be an absolute http:// or https:// URL')
        return undefined
      }
      return raw.replace(/\/+$/, '')
    },
    /** One of `values`; `fallback` when unset. */
    oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
      const raw = read(env, name)
      if (raw === undefined) return fallback
      if (values.includes(raw as T)) return raw as T
      problem(name, `must be one of ${values.join(', ')}`)
      return fallback
    },
    /** A comma list of hostnames (no scheme, port or path); undefined when unset. */
    hostnames(name: string): string[] | undefined {
      const raw = read(env, name)
      if (raw === undefined) return undefined
      const names = list(raw).map((hostname) => hostname.toLowerCase())
      if (!names.every((hostname) => HOSTNAME.test(hostname))) {
        problem(name, 'must be a comma list of hostnames (no scheme, port or path)')
      }
      return names
    },
    /** A comma list of origins (scheme://host[:port], no path); empty when unset. */
    origins(name: string): string[] {
      const values = list(env[name])
      // Compared exactly with the Origin header, so each must be an origin and nothing more.
      if (!values.every((origin) => httpUrl(origin)?.origin === origin)) {
        problem(name, 'must be a comma list of origins like https://example.com (no path)')
      }
      return values
    },
    /** A comma list of IPv4 or IPv6 addresses; undefined when unset. */
    ips(name: string): string[] | undefined {
      const raw = read(env, name)
      if (raw === undefined) return undefined
      const ips = list(raw)
      if (!ips.every((ip) => isIP(ip) !== 0)) {
        problem(name, 'must be a comma list of IPv4 or IPv6 addresses')
      }
      return ips
    },
    /**
     * An app's appid and AppSecret, checked as a pair: half a pair is always a mistake, never "off".
     * Undefined unless both are set.
     */
    credentials(
      appidVar: string,
      secretVar: string,
    ): { appid: string; secret: string } | undefined {
      const appid = read(env, appidVar)
      const secret = read(env, secretVar)
      if (appid !== undefined && !APPID.test(appid)) {
        problem(appidVar, 'must look like an appid: "wx" followed by 16 hex digits')
      }
      if (secret !== undefined && !SECRET.test(secret)) {
        problem(secretVar, 'must look like an AppSecret: 32 hex digits')
      }
      if (appid !== undefined && secret === undefined) {
        problem(secretVar, `is required when ${appidVar} is set`)
      }
      if (secret !== undefined && appid === undefined) {
        problem(appidVar, `is required when ${secretVar} is set`)
      }
      return appid !== undefined && secret !== undefined ? { appid, secret } : undefined
    },
    /** `1` or `0` as a boolean; undefined when unset. */
    flag(name: string): boolean | undefined {
      const raw = read(env, name)
      if (raw === undefined) return undefined
      if (raw !== '0' && raw !== '1') problem(name, 'must be 1 or 0')
      return raw === '1'
    },
  }
}
