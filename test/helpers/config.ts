/** Shared by the configuration tests: what loadConfig refuses, and session keys made by Node. */
import { generateKeyPairSync } from 'node:crypto'
import { ConfigError, loadConfig } from '../../proxy/config.js'

/** The variables loadConfig names as problems for `env` (none when it accepts it). */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable)
    throw error
  }
  return []
}

/** A private JWK made by Node (not by the code under test), with `kid`. */
export function privateJwk(kind: 'ec' | 'ed25519', kid: string): Record<string, string> {
  const { privateKey } =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519')
  return { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid }
}
