import { afterEach, beforeEach, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP, openidFor, unionidFor } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { exchange, signIn, userinfo } from './support.js'
import { qrCodeFrom, scanAndConfirm } from './qrconnect-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const WEB = { appid: DEMO_WEB_APP.appid, secret: DEMO_WEB_APP.secret }

async function webCode(user?: string): Promise<string> {
  const response = await scanAndConfirm(mock, {}, 'allow', user)
  const code = qrCodeFrom(response.headers.get('location'))
  if (!code) throw new Error('qrconnect gave no code')
  return code
}

it('exchanges a web code with the website credentials for an snsapi_login token', async () => {
  const body = await exchange(mock.baseUrl, { ...WEB, code: await webCode('lisisi') })
  expect(body.scope).toBe('snsapi_login')
  expect(body.openid).toBe(openidFor(DEMO_WEB_APP.appid, 'lisisi'))
})

it("gives the person another openid than the official account's", async () => {
  const web = await exchange(mock.baseUrl, { ...WEB, code: await webCode() })
  const mp = await signIn(mock)
  expect(web.openid).not.toBe(mp.openid)
})

it('refuses a web code exchanged with the official-account credentials (40029)', async () => {
  const body = await exchange(mock.baseUrl, { code: await webCode() })
  expect(body.errcode).toBe(40029)
})

it('takes a web code up to 600 s after it was issued', async () => {
  const code = await webCode()
  await mock.control.clock(599)
  expect(await exchange(mock.baseUrl, { ...WEB, code })).toHaveProperty('openid')
})

it('refuses a web code 601 s after it was issued (42003)', async () => {
  const code = await webCode()
  await mock.control.clock(601)
  expect((await exchange(mock.baseUrl, { ...WEB, code })).errcode).toBe(42003)
})

it('uses a web code once only (40163)', async () => {
  const code = await webCode()
  await exchange(mock.baseUrl, { ...WEB, code })
  expect((await exchange(mock.baseUrl, { ...WEB, code })).errcode).toBe(40163)
})

it('carries no unionid while the website app is not bound', async () => {
  const body = await exchange(mock.baseUrl, { ...WEB, code: await webCode() })
  expect(body).not.toHaveProperty('unionid')
})

it('carries the same unionid as the official account when both are bound', async () => {
  await mock.control.apps({ appid: DEMO_WEB_APP.appid, unionBound: true })
  await mock.control.apps({ appid: DEMO_MP_APP.appid, unionBound: true })
  const web = await exchange(mock.baseUrl, { ...WEB, code: await webCode('wangdachui') })
  const mp = await signIn(mock, { user: 'wangdachui' })
  expect(web.unionid).toBe(unionidFor('wangdachui'))
  expect(mp.unionid).toBe(web.unionid)
})

it('answers userinfo for an snsapi_login token, unionid included when bound', async () => {
  await mock.control.apps({ appid: DEMO_WEB_APP.appid, unionBound: true })
  const token = await exchange(mock.baseUrl, { ...WEB, code: await webCode('lisisi') })
  const profile = await userinfo(mock.baseUrl, token)
  expect(profile).toMatchObject({ nickname: '李思思', unionid: unionidFor('lisisi') })
})

it('does not spend an armed snapshot visit on a PC login', async () => {
  await mock.control.snapshot(true)
  const web = await exchange(mock.baseUrl, { ...WEB, code: await webCode() })
  expect(web).not.toHaveProperty('is_snapshotuser')
  const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
  expect(await exchange(mock.baseUrl, { code: code ?? '' })).toHaveProperty('is_snapshotuser', 1)
})

it('pre-issues snsapi_login codes for a website app by default', async () => {
  const [code] = await mock.control.codes({ count: 1, appid: DEMO_WEB_APP.appid })
  expect((await exchange(mock.baseUrl, { ...WEB, code: code ?? '' })).scope).toBe('snsapi_login')
})
