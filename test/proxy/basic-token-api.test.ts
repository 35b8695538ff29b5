import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../proxy/config.js'
import { createWechatProxy } from '../../proxy/index.js'
import type { WechatProxyRouter } from '../../proxy/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'

let mock: RunningMockWechat | undefined

afterEach(async () => {
  await mock?.close()
  mock = undefined
})

/** The proxy's router against a fresh mock, never mounted: the host app's server code calling it. */
async function router(): Promise<{ proxy: WechatProxyRouter; mock: RunningMockWechat }> {
  mock = await startMockWechat()
  const config = { ...loadConfig({ WECHAT_MOCK: '1' }), apiBase: mock.baseUrl }
  return { proxy: createWechatProxy(config, { logger: pino({ level: 'silent' }) }), mock }
}

/** What WeChat's getticket answers with `token`: its errcode (0 when it accepts the token). */
async function errcodeWith(mock: RunningMockWechat, token: string): Promise<number> {
  const response = await fetch(
    `${mock.baseUrl}/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`,
  )
  return ((await response.json()) as { errcode: number }).errcode
}

describe("the router's credentials for the host app's own server code", () => {
  it('hand out a basic access token WeChat accepts, the same one each time', async () => {
    const { proxy, mock } = await router()
    const [a, b] = await Promise.all([proxy.basicAccessToken(), proxy.basicAccessToken()])
    expect(a).toBe(b)
    expect(await errcodeWith(mock, a)).toBe(0)
    expect((await mock.control.stats()).calls.stable_token).toBe(1)
  })

  it('hand out the jsapi_ticket, fetched once', async () => {
    const { proxy, mock } = await router()
    const ticket = await proxy.jsapiTicket()
    expect(ticket).toMatch(/^[\w-]{20,}$/)
    expect(await proxy.jsapiTicket()).toBe(ticket)
    expect((await mock.control.stats()).calls.ticket).toBe(1)
  })

  it('replace a token the host app reports refused, and only that one', async () => {
    const { proxy, mock } = await router()
    const first = await proxy.basicAccessToken()
    await mock.control.invalidateToken()
    expect(await errcodeWith(mock, first)).toBe(40001)
    await proxy.forgetBasicAccessToken('not-the-stored-one')
    expect(await proxy.basicAccessToken()).toBe(first)
    await proxy.forgetBasicAccessToken(first)
    const second = await proxy.basicAccessToken()
    expect(second).not.toBe(first)
    expect(await errcodeWith(mock, second)).toBe(0)
  })
})
