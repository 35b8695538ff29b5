import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../proxy/logger.js'
import { FAULT_MODES, fault } from '../helpers/mock-server.js'
import { get, post, setup, teardown } from './support.js'
import type { Harness } from './support.js'

afterEach(teardown)

/** Everything the run must never log, gathered as it goes. */
class Secrets {
  readonly values = new Set<string>()

  add(...values: (string | undefined)[]): void {
    for (const value of values) if (value) this.values.add(value)
  }

  /** The basic access token and the ticket the proxy keeps now. */
  async credentialsOf(h: Harness): Promise<void> {
    for (const name of ['token', 'ticket'] as const) {
      this.add((await h.store.getCredential(h.proxy.config.mp.appid, name))?.value)
    }
  }

  /** WeChat's current tokens for `openid`, read from the proxy's own store. */
  async tokensOf(h: Harness, openid: string): Promise<void> {
    const tokens = await h.store.getTokens('mp', openid)
    this.add(tokens?.accessToken, tokens?.refreshToken)
  }
}

async function code(h: Harness, secrets: Secrets): Promise<string> {
  const [issued] = await h.mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  secrets.add(issued)
  return issued!
}

function verifier(secrets: Secrets): string {
  const value = randomBytes(32).toString('base64url')
  secrets.add(value)
  return value
}

describe('the logs of a whole run', () => {
  it('contain no code, secret, session, WeChat token, verifier or Authorization header', async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'trace' }, { write: (line) => void (logs += line) })
    const h = await setup({ config: { upstreamTimeoutMs: 250, sessionCheckWechat: true }, logger })
    const secrets = new Secrets()
    const { mp, web, sessionSecret } = h.proxy.config
    secrets.add(mp.secret, web?.secret, sessionSecret)

    // A login, its replay, a foreign replay, then WeChat's refusals.
    const first = { code: await code(h, secrets), state: 'abc123', verifier: verifier(secrets) }
    const login = (await post(h, '/openid', undefined, first)).json as {
      openid: string
      session: string
    }
    secrets.add(login.session)
    await secrets.tokensOf(h, login.openid)
    await post(h, '/openid', undefined, first)
    await post(h, '/openid', undefined, { code: first.code, verifier: verifier(secrets) })
    await post(h, '/openid', undefined, { code: 'neverIssued123', verifier: verifier(secrets) })
    const stale = await code(h, secrets)
    h.advanceBoth(301)
    await post(h, '/openid', undefined, { code: stale, verifier: verifier(secrets) })

    // Every upstream fault on the exchange and on the profile.
    for (const mode of FAULT_MODES) {
      const body = { code: await code(h, secrets), verifier: verifier(secrets) }
      await h.mock.control.faults(fault('access_token', mode, 500))
      await post(h, '/openid', undefined, body)
      await h.mock.control.faults(fault('userinfo', mode, 500))
      await get(h, '/userinfo', login.session)
      await h.mock.control.clearFaults()
    }

    // Signatures: cold, warm, with every fault on the token and the ticket, a replaced token, a
    // whitelist refusal.
    const jssdk = () => post(h, '/jssdk', undefined, { url: 'http://127.0.0.1/share?x=1#top' })
    expect((await jssdk()).status).toBe(200)
    await secrets.credentialsOf(h)
    const appid = h.proxy.config.mp.appid
    const ticketDue = async () => {
      const ticket = await h.store.getCredential(appid, 'ticket')
      if (ticket) await h.store.forgetCredential(appid, 'ticket', ticket.value)
    }
    for (const endpoint of ['stable_token', 'ticket'] as const) {
      for (const mode of FAULT_MODES) {
        await h.store.forgetCredential(
          appid,
          'token',
          (await h.store.getCredential(appid, 'token'))?.value ?? '',
        )
        await ticketDue()
        await h.mock.control.faults(fault(endpoint, mode, 500))
        await jssdk()
        await h.mock.control.clearFaults()
        await secrets.credentialsOf(h)
      }
    }
    await h.mock.control.invalidateToken()
    await ticketDue()
    expect((await jssdk()).status).toBe(200)
    await secrets.credentialsOf(h)
    await h.mock.control.ipWhitelist(['10.9.9.9'])
    await ticketDue()
    expect((await jssdk()).status).toBe(500)
    await h.mock.control.ipWhitelist(null)

    // The profile, a refresh, a session check, a forged session, a logout.
    expect((await get(h, '/userinfo', login.session)).status).toBe(200)
    h.advanceBoth(7201)
    expect((await get(h, '/userinfo', login.session)).status).toBe(200)
    await secrets.tokensOf(h, login.openid)
    expect((await get(h, '/session', login.session)).status).toBe(200)
    const forged = `${login.session.slice(0, -4)}AAAA`
    secrets.add(forged, `Bearer ${forged}`)
    expect((await get(h, '/session', forged)).status).toBe(401)
    expect((await post(h, '/logout', login.session)).status).toBe(204)
    // The late answers of the latency faults: nothing the proxy could log is still on its way.
    await h.mock.answered()

    expect(logs).toContain('code exchanged')
    expect(logs).toContain('access token refreshed')
    expect(logs).toContain('signed out')
    expect(logs).toContain('credential fetched')
    expect(logs).toContain('basic access token refused')
    expect(secrets.values.size).toBeGreaterThan(20)
    const leaked = [...secrets.values].filter((value) => logs.includes(value))
    expect(leaked).toEqual([])
    expect(logs).not.toMatch(/bearer /i)
  }, 30_000)
})
