import { afterEach, describe, expect, it } from 'vitest'
import { DAY, get, login, post, setup, teardown } from './support.js'
import type { Harness, Reply } from './support.js'

afterEach(teardown)

/** Every token and ticket the proxy has held so far, read from its own store. */
async function tokensHeld(h: Harness, openids: string[], seen: Set<string>): Promise<void> {
  for (const openid of openids) {
    const tokens = await h.store.getTokens('mp', openid)
    if (tokens) {
      seen.add(tokens.accessToken)
      seen.add(tokens.refreshToken)
    }
  }
  for (const name of ['token', 'ticket'] as const) {
    const credential = await h.store.getCredential(h.proxy.config.mp.appid, name)
    if (credential) seen.add(credential.value)
  }
}

describe('token custody', () => {
  it("never puts WeChat's tokens, or their names, in any response body or header", async () => {
    const h = await setup({ config: { sessionCheckWechat: true } })
    const replies: Reply[] = []
    const seen = new Set<string>()
    const record = async (reply: Promise<Reply>, openids: string[]) => {
      replies.push(await reply)
      await tokensHeld(h, openids, seen)
    }

    const consented = await login(h)
    const silent = await login(h, { scope: 'snsapi_base', user: 'lisisi' })
    const ids = [consented.openid, silent.openid]
    await tokensHeld(h, ids, seen)
    const [used] = await h.mock.control.codes({ count: 1 })
    await record(post(h, '/openid', undefined, { code: used }), ids)
    await record(post(h, '/openid', undefined, { code: used }), ids) // code_used
    await record(post(h, '/openid', undefined, { code: 'unknown' }), ids) // code_invalid
    await record(get(h, '/session', consented.session), ids)
    await record(get(h, '/session'), ids) // unauthorized
    await record(get(h, '/userinfo', consented.session), ids)
    await record(get(h, '/userinfo?lang=xx', consented.session), ids) // invalid_request
    await record(get(h, '/userinfo', silent.session), ids) // reauth_required, base
    await h.mock.control.clock(7201)
    await record(get(h, '/userinfo', consented.session), ids) // refreshed
    await record(get(h, '/session', silent.session), ids) // /sns/auth after a refresh
    await h.mock.control.faults({ endpoint: 'userinfo', mode: 'malformed', times: 1 })
    await record(get(h, '/userinfo', consented.session), ids) // upstream_error
    await record(post(h, '/logout', silent.session), ids)
    await record(get(h, '/session', silent.session), ids) // revoked
    const page = 'http://127.0.0.1/share?code=abc'
    await record(post(h, '/jssdk', undefined, { url: page }), ids)
    await record(post(h, '/jssdk', undefined, { url: 'http://evil.test/' }), ids) // url_not_allowed
    await record(post(h, '/jssdk', undefined, { url: 'javascript:x' }), ids) // invalid_request
    // The token dies and the ticket is due: both are replaced, and neither shows.
    await h.mock.control.invalidateToken()
    const appid = h.proxy.config.mp.appid
    await h.store.forgetCredential(
      appid,
      'ticket',
      (await h.store.getCredential(appid, 'ticket'))!.value,
    )
    await record(post(h, '/jssdk', undefined, { url: page }), ids)
    await h.mock.control.faults({ endpoint: 'ticket', mode: 'errcode', errcode: 40001, times: 2 })
    await h.store.forgetCredential(
      appid,
      'ticket',
      (await h.store.getCredential(appid, 'ticket'))!.value,
    )
    await record(post(h, '/jssdk', undefined, { url: page }), ids) // refused twice: 502
    await record(get(h, '/config'), ids)
    await record(get(h, '/healthz'), ids)
    await record(get(h, '/nowhere'), ids) // not_found
    await h.mock.control.clock(31 * DAY)
    await record(get(h, '/userinfo', consented.session), ids) // 42002, tokens forgotten

    // Two users' tokens, and at least two basic tokens and two tickets.
    expect(seen.size).toBeGreaterThanOrEqual(8)
    expect(new Set(replies.map((r) => r.status))).toEqual(
      new Set([200, 204, 400, 401, 404, 409, 502]),
    )
    for (const reply of replies) {
      const headers = [...reply.headers].map(([name, value]) => `${name}: ${value}`).join('\n')
      for (const text of [reply.text, headers]) {
        expect(text).not.toMatch(/access_token|refresh_token|accessToken|refreshToken|ticket/i)
        for (const token of seen) expect(text).not.toContain(token)
      }
    }
  })
})
