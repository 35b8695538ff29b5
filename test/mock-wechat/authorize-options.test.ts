import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import {
  authorizeUrl,
  codeFrom,
  errcodeOf,
  exchange,
  pageForm,
  submitConsent,
  wechatGet,
} from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const REDIRECT = encodeURIComponent('http://localhost:5173/p')
const USERINFO = { scope: 'snsapi_userinfo' }

/** An authorize URL in WeChat's order up to scope, then `tail` as given. */
function authorizeWith(tail: string, scope = 'snsapi_base'): string {
  const head = `appid=${DEMO_MP_APP.appid}&redirect_uri=${REDIRECT}&response_type=code&scope=${scope}`
  return `${mock.baseUrl}/connect/oauth2/authorize?${head}${tail}#wechat_redirect`
}

async function locationOf(url: string): Promise<string> {
  const response = await wechatGet(url)
  expect(response.status).toBe(302)
  return response.headers.get('location') ?? ''
}

describe('state (optional, as WeChat documents it)', () => {
  it('accepts an empty state; the callback carries state= empty', async () => {
    const location = await locationOf(authorizeUrl(mock.baseUrl, { state: '' }))
    expect(location).toMatch(/^http:\/\/localhost:5173\/\?code=0[A-Za-z0-9]{31}&state=$/)
  })

  it('accepts a missing state, connect_redirect=1 after scope included', async () => {
    expect(await locationOf(authorizeWith(''))).toMatch(/\/p\?code=\w{32}&state=$/)
    expect(await locationOf(authorizeWith('&connect_redirect=1'))).toMatch(/&state=$/)
  })

  it('carries an empty state through the consent page', async () => {
    const page = await wechatGet(authorizeWith('', 'snsapi_userinfo'))
    const { action, fields } = pageForm(await page.text(), mock.origin)
    const approved = await submitConsent(action, fields, 'allow')
    expect(approved.headers.get('location')).toMatch(/\/p\?code=\w{32}&state=$/)
  })
})

describe('forcePopup and forceSnapShot', () => {
  it.each([
    '&state=s&forcePopup=true',
    '&state=s&forceSnapShot=true',
    '&state=s&connect_redirect=1&forcePopup=true&forceSnapShot=false',
    '&state=s&forceSnapShot=true&connect_redirect=1',
    '&forcePopup=true',
  ])('accepts %s', async (tail) => {
    expect(codeFrom(await locationOf(authorizeWith(tail)))).toMatch(/^0\w{31}$/)
  })

  it.each([
    ['before state', '&forcePopup=true&state=s'],
    ['with another value', '&state=s&forcePopup=1'],
    ['with an unknown one beside them', '&state=s&forcePopup=true&foo=1'],
  ])('refuses them %s', async (_name, tail) => {
    expect(await errcodeOf(await wechatGet(authorizeWith(tail)))).toBe('bad-order')
  })

  it('shows the consent page for snsapi_userinfo with forcePopup=true', async () => {
    const response = await wechatGet(authorizeUrl(mock.baseUrl, USERINFO, '&forcePopup=true'))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('data-testid="wechat-approve"')
  })

  it('makes an snsapi_userinfo visit a snapshot one with forceSnapShot=true', async () => {
    const location = await locationOf(authorizeUrl(mock.baseUrl, USERINFO, '&forceSnapShot=true'))
    const body = await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })
    expect(body).toMatchObject({ scope: 'snsapi_userinfo', is_snapshotuser: 1 })
  })

  it('leaves a silent visit alone with forceSnapShot=true', async () => {
    const location = await locationOf(authorizeUrl(mock.baseUrl, {}, '&forceSnapShot=true'))
    expect(await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })).not.toHaveProperty(
      'is_snapshotuser',
    )
  })

  it('leaves an armed snapshot for the next visit when forceSnapShot made this one', async () => {
    await mock.control.snapshot(true)
    await locationOf(authorizeUrl(mock.baseUrl, USERINFO, '&forceSnapShot=true'))
    const location = await locationOf(authorizeUrl(mock.baseUrl, USERINFO))
    expect(await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })).toHaveProperty(
      'is_snapshotuser',
      1,
    )
  })
})
