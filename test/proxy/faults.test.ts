import { afterEach, describe, expect, it } from 'vitest'
import { FAULT_MODES, fault } from '../helpers/mock-server.js'
import type { FaultMode as Mode } from '../helpers/mock-server.js'
import { get, login, post, setup, teardown } from './support.js'
import type { Harness, Reply } from './support.js'

afterEach(teardown)

/** What each fault must end as, whichever WeChat call it hits. */
const EXPECTED: Record<Mode, { status: number; code: string }> = {
  latency: { status: 504, code: 'upstream_timeout' },
  http500: { status: 502, code: 'upstream_error' },
  busy: { status: 503, code: 'upstream_unavailable' },
  malformed: { status: 502, code: 'upstream_error' },
  'text-html': { status: 502, code: 'upstream_error' },
  reset: { status: 503, code: 'upstream_unavailable' },
  'consume-then-reset': { status: 503, code: 'upstream_unavailable' },
}
const MODES = FAULT_MODES

/** One proxy call per WeChat endpoint; each arms `mode` on its endpoint after any login it needs. */
const CALLS: Record<string, (h: Harness, mode: Mode) => Promise<Reply>> = {
  '/openid (access_token)': async (h, mode) => {
    const [code] = await h.mock.control.codes({ count: 1 })
    await h.mock.control.faults(fault('access_token', mode))
    return post(h, '/openid', undefined, { code, verifier: 'v'.repeat(43) })
  },
  '/userinfo (userinfo)': async (h, mode) => {
    const { session } = await login(h)
    await h.mock.control.faults(fault('userinfo', mode))
    return get(h, '/userinfo', session)
  },
  '/userinfo (refresh_token)': async (h, mode) => {
    const { session } = await login(h)
    h.advanceBoth(7201)
    await h.mock.control.faults(fault('refresh_token', mode))
    return get(h, '/userinfo', session)
  },
  '/session (auth)': async (h, mode) => {
    const { session } = await login(h)
    await h.mock.control.faults(fault('auth', mode))
    return get(h, '/session', session)
  },
}

const harness = () => setup({ config: { upstreamTimeoutMs: 250, sessionCheckWechat: true } })

describe('each WeChat fault on each call', () => {
  for (const [call, run] of Object.entries(CALLS)) {
    it.each(MODES)(`${call}: %s ends as its documented error`, async (mode) => {
      const h = await harness()
      const r = await run(h, mode)
      expect({ status: r.status, ...(r.json as { error: object }).error }).toMatchObject(
        EXPECTED[mode],
      )
      expect(r.headers.get('content-type')).toMatch(/^application\/json/)
    })
  }

  it('works again for a new request once the fault clears', async () => {
    const h = await harness()
    await CALLS['/userinfo (userinfo)']!(h, 'reset')
    await h.mock.control.clearFaults()
    const { session } = await login(h)
    expect((await get(h, '/userinfo', session)).status).toBe(200)
  })
})

describe('the process under every fault', () => {
  it('sees no unhandled rejection and no uncaught exception', async () => {
    const fired: unknown[] = []
    const record = (reason: unknown) => void fired.push(reason)
    process.on('unhandledRejection', record)
    process.on('uncaughtException', record)
    try {
      const started: Harness[] = []
      for (const run of Object.values(CALLS)) {
        for (const mode of MODES) {
          const h = await harness()
          started.push(h)
          const r = await run(h, mode)
          expect(r.status).toBe(EXPECTED[mode].status)
        }
      }
      // Late answers of the `latency` faults arrive after the proxy gave up on them.
      await Promise.all(started.map((h) => h.mock.answered()))
    } finally {
      process.off('unhandledRejection', record)
      process.off('uncaughtException', record)
    }
    expect(fired).toEqual([])
  }, 30_000)
})
