import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP, unionidFor } from '../../proxy/mock-wechat/index.js'
import type { MockApp } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { signIn, userinfo } from './support.js'

const BOUND_MP_APP: MockApp = {
  appid: 'wx0a0b0c0d0e0f1a1b',
  secret: '11112222333344445555666677778888',
  kind: 'mp',
  unionBound: true,
}
const BOUND = { appid: BOUND_MP_APP.appid, secret: BOUND_MP_APP.secret }

let mock: RunningMockWechat
let wallClock = 1_700_000_000_000
beforeEach(async () => {
  wallClock = 1_700_000_000_000
  mock = await startMockWechat({
    apps: [DEMO_MP_APP, DEMO_WEB_APP, BOUND_MP_APP],
    now: () => wallClock,
  })
})
afterEach(() => mock.close())

describe('success', () => {
  it('answers the profile with sex 0, empty region and the real nickname', async () => {
    const token = await signIn(mock, { user: 'lisisi' })
    const body = await userinfo(mock.baseUrl, token)
    expect(body).toMatchObject({
      openid: token.openid,
      nickname: '李思思',
      sex: 0,
      province: '',
      city: '',
      country: '',
      privilege: [],
    })
  })

  it('answers with 200 and text/plain JSON', async () => {
    const token = await signIn(mock)
    const query = `access_token=${String(token.access_token)}&openid=${String(token.openid)}`
    const response = await fetch(`${mock.baseUrl}/sns/userinfo?${query}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('points headimgurl at a 132px avatar the mock serves itself', async () => {
    const body = await userinfo(mock.baseUrl, await signIn(mock))
    const headimgurl = String(body.headimgurl)
    expect(headimgurl.startsWith(`${mock.baseUrl}/mmopen/`)).toBe(true)
    expect(headimgurl).toMatch(/\/132$/)
    const avatar = await fetch(headimgurl)
    expect(avatar.status).toBe(200)
    expect(avatar.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
  })

  it('serves the avatar in every WeChat size and refuses others', async () => {
    const base = String((await userinfo(mock.baseUrl, await signIn(mock))).headimgurl).replace(
      /\/132$/,
      '',
    )
    for (const size of ['0', '46', '64', '96']) {
      expect((await fetch(`${base}/${size}`)).status).toBe(200)
    }
    expect(await (await fetch(`${base}/0`)).text()).toContain('width="640"')
    expect((await fetch(`${base}/100`)).status).toBe(404)
  })

  it('answers an empty headimgurl for a user without an avatar', async () => {
    const body = await userinfo(mock.baseUrl, await signIn(mock, { user: 'chenxiaoyu' }))
    expect(body.nickname).toBe('陈小雨')
    expect(body.headimgurl).toBe('')
  })

  it('adds the unionid for a bound app', async () => {
    const body = await userinfo(mock.baseUrl, await signIn(mock, { ...BOUND, user: 'lisisi' }))
    expect(body.unionid).toBe(unionidFor('lisisi'))
  })

  it('leaves out the unionid for an app that is not bound', async () => {
    const body = await userinfo(mock.baseUrl, await signIn(mock))
    expect(body).toHaveProperty('nickname')
    expect(body).not.toHaveProperty('unionid')
  })

  it('accepts every documented lang and ignores unknown ones', async () => {
    const token = await signIn(mock)
    for (const lang of ['zh_CN', 'zh_TW', 'en', 'fr']) {
      expect(await userinfo(mock.baseUrl, token, lang)).toHaveProperty('nickname', '张小明')
    }
  })
})

describe('errors', () => {
  it('answers 40001 for an unknown access_token', async () => {
    const token = await signIn(mock)
    const body = await userinfo(mock.baseUrl, { ...token, access_token: '86_unknown' })
    expect(body.errcode).toBe(40001)
  })

  it('answers 42001 once the access_token is older than 7200 s', async () => {
    const token = await signIn(mock)
    await mock.control.clock(7201)
    expect((await userinfo(mock.baseUrl, token)).errcode).toBe(42001)
  })

  it('answers 40003 for an openid the token was not issued for', async () => {
    const token = await signIn(mock)
    const other = await signIn(mock, { user: 'lisisi' })
    const body = await userinfo(mock.baseUrl, { ...token, openid: other.openid })
    expect(body.errcode).toBe(40003)
  })

  it('answers 48001 for an snsapi_base token', async () => {
    const token = await signIn(mock, { scope: 'snsapi_base' })
    expect((await userinfo(mock.baseUrl, token)).errcode).toBe(48001)
  })

  it('answers 48001 for a snapshot visit token', async () => {
    const token = await signIn(mock, { snapshot: true })
    expect((await userinfo(mock.baseUrl, token)).errcode).toBe(48001)
  })
})
