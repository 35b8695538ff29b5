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
  const parsed = URL.canParse(value) ? new URL(value) : undefined
  return parsed?.protocol === 'http:' || parsed?.protocol === 'https:' ? parsed : undefined
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
    /** `1` or `0` as a boolean; undefined when unset. */
    flag(name: string): boolean | undefined {
      const raw = read(env, name)
      if (raw === undefined) return undefined
      if (raw !== '0' && raw !== '1') problem(name, 'must be 1 or 0')
      return raw === '1'
    },
  }
}
