import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import {
  NO_CALLS,
  SAFARI_UA,
  authorizeUrl,
  codeFrom,
  consentForm,
  errcodeOf,
  exchange,
  submitConsent,
  wechatGet,
} from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const REDIRECT = 'http://localhost:5173/p?x=1&from=singlemessage#/me'

async function silentLocation(): Promise<string | null> {
  const response = await wechatGet(authorizeUrl(mock.baseUrl, { redirect_uri: REDIRECT }))
  expect(response.status).toBe(302)
  return response.headers.get('location')
}

function consentUrl(): string {
  return authorizeUrl(mock.baseUrl, { scope: 'snsapi_userinfo', redirect_uri: REDIRECT })
}

async function approve(): Promise<Response> {
  const { action, fields } = await consentForm(mock, consentUrl())
  return submitConsent(action, fields, 'allow')
}

function dropCallback(times?: number): Promise<void> {
  return mock.control.faults({
    endpoint: 'authorize',
    mode: 'drop-callback',
    ...(times === undefined ? {} : { times }),
  })
}

describe('drop-callback on a silent authorize', () => {
  it('redirects to the redirect_uri without code or state, keeping its query and hash', async () => {
    await dropCallback()
    expect(await silentLocation()).toBe(REDIRECT)
  })

  it('affects only as many redirects as times says', async () => {
    await dropCallback(2)
    expect(await silentLocation()).toBe(REDIRECT)
    expect(await silentLocation()).toBe(REDIRECT)
    const location = await silentLocation()
    expect(location).toMatch(
      /^http:\/\/localhost:5173\/p\?x=1&from=singlemessage&code=\w+&state=abc123#\/me$/,
    )
    expect(await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })).toHaveProperty(
      'openid',
    )
  })

  it('lasts until the faults are cleared', async () => {
    await dropCallback()
    for (let i = 0; i < 3; i++) expect(await silentLocation()).toBe(REDIRECT)
    await mock.control.clearFaults()
    expect(codeFrom(await silentLocation())).not.toBeNull()
  })

  it('is forgotten by reset', async () => {
    await dropCallback()
    await mock.control.reset()
    expect(codeFrom(await silentLocation())).not.toBeNull()
  })

  it('is not spent by a request that fails the checks', async () => {
    await dropCallback(1)
    const bad = await wechatGet(authorizeUrl(mock.baseUrl, { redirect_uri: 'https://evil.com/' }))
    expect(await errcodeOf(bad)).toBe('10003')
    expect(await silentLocation()).toBe(REDIRECT)
    expect(codeFrom(await silentLocation())).not.toBeNull()
  })

  it('is not spent by the open-in-WeChat page outside WeChat', async () => {
    await dropCallback(1)
    const outside = await fetch(authorizeUrl(mock.baseUrl, { redirect_uri: REDIRECT }), {
      redirect: 'manual',
      headers: { 'user-agent': SAFARI_UA },
    })
    expect(await errcodeOf(outside)).toBe('outside-wechat')
    expect(await silentLocation()).toBe(REDIRECT)
  })

  it('is not applied by a * fault', async () => {
    await mock.control.faults({ endpoint: '*', mode: 'busy' })
    expect(codeFrom(await silentLocation())).not.toBeNull()
  })

  it('is not counted in calls, while every authorize request still is', async () => {
    await dropCallback(1)
    await silentLocation()
    await silentLocation()
    expect(await mock.control.stats()).toEqual({ ...NO_CALLS, authorize: 2 })
  })
})

describe('drop-callback on a consent (snsapi_userinfo) authorize', () => {
  it('still shows the consent page', async () => {
    await dropCallback()
    const { html } = await consentForm(mock, consentUrl())
    expect(html).toContain('data-testid="wechat-approve"')
  })

  it('redirects the approval without code or state', async () => {
    await dropCallback()
    const response = await approve()
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(REDIRECT)
  })

  it('is spent by the approval, not by the consent page', async () => {
    await dropCallback(1)
    expect((await approve()).headers.get('location')).toBe(REDIRECT)
    const location = (await approve()).headers.get('location')
    expect(await exchange(mock.baseUrl, { code: codeFrom(location) ?? '' })).toHaveProperty(
      'scope',
      'snsapi_userinfo',
    )
  })

  it('leaves a denial as it is and stays armed for the next approval', async () => {
    await dropCallback(1)
    const { action, fields } = await consentForm(mock, consentUrl())
    expect((await submitConsent(action, fields, 'deny')).headers.get('location')).toBe(
      'http://localhost:5173/p?x=1&from=singlemessage&state=abc123#/me',
    )
    expect((await approve()).headers.get('location')).toBe(REDIRECT)
  })
})
