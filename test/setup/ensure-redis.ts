/**
 * vitest globalSetup of the `unit` and `e2e` projects: the Redis suites (and `npm start` on Redis)
 * start a real redis-server, so make sure there is one (scripts/ensure-redis.sh installs Debian's
 * package when it is missing). Never skipped silently: when it cannot be installed the whole run
 * fails, saying why.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url))

export default function ensureRedis(): void {
  const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 300_000 })
  if (result.status !== 0) {
    const why = result.error?.message ?? `${result.stderr}${result.stdout}`.trim()
    throw new Error(`redis-server is needed by the Redis tests and could not be installed:\n${why}`)
  }
}
