/**
 * A proxy without REDIS_URL never loads the Redis client libraries (they weigh about 20 MB of RSS);
 * with it, they are loaded when the proxy is made. Checked in a fresh node process each, whose module
 * cache is its own.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

/** Which of the Redis libraries a fresh process holds after making a proxy with `env`. */
async function loadedWith(env: Record<string, string>): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module'
    const { createWechatProxy, loadConfig } = await import('./proxy/index.ts')
    const router = createWechatProxy(loadConfig(${JSON.stringify({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent', ...env })}))
    const cache = Object.keys(createRequire(import.meta.url).cache)
    console.log(JSON.stringify(['ioredis', 'rate-limit-redis'].filter((name) =>
      cache.some((file) => file.includes('/node_modules/' + name + '/')))))
    process.exit(0)
  `
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: process.cwd(), timeout: 20_000 },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[]
}

describe('the Redis libraries', () => {
  it('are not loaded by a proxy without REDIS_URL', async () => {
    expect(await loadedWith({})).toEqual([])
  }, 30_000)

  it('are loaded by a proxy with REDIS_URL', async () => {
    // Nothing listens there: the client only starts connecting, and the process exits first.
    expect(await loadedWith({ REDIS_URL: 'redis://127.0.0.1:1' })).toEqual([
      'ioredis',
      'rate-limit-redis',
    ])
  }, 30_000)
})
