import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import type { MockApp } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { accessTokenUrl, authorizeUrl, codeFrom, exchange, wechatGet } from './support.js'

const OTHER_MP_APP: MockApp = {
  appid: 'wx0a0b0c0d0e0f1a1b',
  secret: '11112222333344445555666677778888',
  kind: 'mp',
  unionBound: true,
}

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat({ apps: [DEMO_MP_APP, DEMO_WEB_APP, OTHER_MP_APP] })
})
afterEach(() => mock.close())

async function codeFor(appid: string, user?: string): Promise<string> {
  const [code] = await mock.control.codes({ count: 1, appid, ...(user ? { user } : {}) })
  return code ?? ''
}

const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/

describe('success', () => {
  it('exchanges a code issued by the authorize redirect', async () => {
    const location = (await wechatGet(authorizeUrl(mock.baseUrl))).headers.get('location')
    const body = await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })
    expect(body).toMatchObject({ expires_in: 7200, scope: 'snsapi_base' })
    expect(body.access_token).toMatch(/^86_[A-Za-z0-9_-]{100}$/)
    expect(body.refresh_token).toMatch(/^86_[A-Za-z0-9_-]{100}$/)
    expect(body).not.toHaveProperty('errcode')
  })

  it('answers 200 with text/plain JSON', async () => {
    const response = await fetch(
      accessTokenUrl(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid) }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(JSON.parse(await response.text())).toHaveProperty('openid')
  })

  it('returns a 28-char openid starting with o', async () => {
    const body = await exchange(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid) })
    expect(body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
  })

  it('returns the same openid for the same user and appid', async () => {
    const first = await exchange(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid) })
    const second = await exchange(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid) })
    expect(first.openid).toBe(second.openid)
  })

  it('returns different openids for different users', async () => {
    const first = await exchange(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid, 'lisisi') })
    const second = await exchange(mock.baseUrl, {
      code: await codeFor(DEMO_MP_APP.appid, 'wangdachui'),
    })
    expect(first.openid).not.toBe(second.openid)
  })

  it('returns different openids for the same user under different appids', async () => {
    const first = await exchange(mock.baseUrl, { code: await codeFor(DEMO_MP_APP.appid) })
    const second = await exchange(mock.baseUrl, {
      appid: OTHER_MP_APP.appid,
      secret: OTHER_MP_APP.secret,
      code: await codeFor(OTHER_MP_APP.appid),
    })
    expect(first.openid).not.toBe(second.openid)
  })

  it('adds a unionid for a bound app with snsapi_userinfo', async () => {
    const [code] = await mock.control.codes({
      count: 1,
      appid: OTHER_MP_APP.appid,
      scope: 'snsapi_userinfo',
    })
    const body = await exchange(mock.baseUrl, {
      appid: OTHER_MP_APP.appid,
      secret: OTHER_MP_APP.secret,
      code: code ?? '',
    })
    expect(body.unionid).toMatch(/^o6_bm[A-Za-z0-9_-]{23}$/)
  })

  it('leaves out the unionid for an app that is not bound', async () => {
    const [code] = await mock.control.codes({ count: 1, scope: 'snsapi_userinfo' })
    const body = await exchange(mock.baseUrl, { code: code ?? '' })
    expect(body).not.toHaveProperty('unionid')
  })
})

describe('errors', () => {
  it('answers 40013 for an unknown appid', async () => {
    const body = await exchange(mock.baseUrl, { appid: 'wx0000000000000000', code: 'x' })
    expect(body.errcode).toBe(40013)
  })

  it('answers 40125 for a wrong secret', async () => {
    const body = await exchange(mock.baseUrl, {
      secret: 'wrong',
      code: await codeFor(DEMO_MP_APP.appid),
    })
    expect(body.errcode).toBe(40125)
  })

  it('answers 40002 for a wrong grant_type', async () => {
    const body = await exchange(mock.baseUrl, { grant_type: 'client_credential', code: 'x' })
    expect(body.errcode).toBe(40002)
  })

  it('answers 41008 when the code is missing', async () => {
    const body = await exchange(mock.baseUrl, {})
    expect(body.errcode).toBe(41008)
  })

  it('answers 40029 for an unknown code', async () => {
    const body = await exchange(mock.baseUrl, { code: '0'.repeat(32) })
    expect(body.errcode).toBe(40029)
  })

  it('answers 40029 for a code issued to another appid', async () => {
    const body = await exchange(mock.baseUrl, { code: await codeFor(OTHER_MP_APP.appid) })
    expect(body.errcode).toBe(40029)
  })

  it('answers 40163 when the code was already exchanged', async () => {
    const code = await codeFor(DEMO_MP_APP.appid)
    await exchange(mock.baseUrl, { code })
    const body = await exchange(mock.baseUrl, { code })
    expect(body.errcode).toBe(40163)
  })

  it('answers 42003 for an official-account code older than 5 minutes', async () => {
    const code = await codeFor(DEMO_MP_APP.appid)
    await mock.control.clock(301)
    const body = await exchange(mock.baseUrl, { code })
    expect(body.errcode).toBe(42003)
  })

  it('still accepts an official-account code just under 5 minutes old', async () => {
    const code = await codeFor(DEMO_MP_APP.appid)
    await mock.control.clock(299)
    const body = await exchange(mock.baseUrl, { code })
    expect(body).toHaveProperty('openid')
  })

  it('gives website-app codes 10 minutes', async () => {
    const code = await codeFor(DEMO_WEB_APP.appid)
    await mock.control.clock(301)
    const web = { appid: DEMO_WEB_APP.appid, secret: DEMO_WEB_APP.secret }
    expect(await exchange(mock.baseUrl, { ...web, code })).toHaveProperty('openid')
    const late = await codeFor(DEMO_WEB_APP.appid)
    await mock.control.clock(601)
    expect((await exchange(mock.baseUrl, { ...web, code: late })).errcode).toBe(42003)
  })

  it('suffixes every errmsg with a random rid', async () => {
    const first = await exchange(mock.baseUrl, { code: '0'.repeat(32) })
    const second = await exchange(mock.baseUrl, { code: '0'.repeat(32) })
    expect(first.errmsg).toMatch(/^invalid code/)
    expect(first.errmsg).toMatch(RID)
    expect(first.errmsg).not.toBe(second.errmsg)
  })

  it('answers errors with 200 and text/plain', async () => {
    const response = await fetch(accessTokenUrl(mock.baseUrl, { code: 'nope' }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  })
})
