import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, openWechatPage, startDevServer, type TrackedPage } from './harness'

const OPENID = /^o[A-Za-z0-9_-]{27}$/

let server: Awaited<ReturnType<typeof startDevServer>>
let browser: Browser
let tab: TrackedPage

async function control(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.origin}/mock-wechat/__control/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return response.status === 204 ? undefined : response.json()
}

async function signIn(path = '/'): Promise<string> {
  await tab.page.goto(`${server.origin}${path}`)
  const openid = tab.page.getByTestId('openid')
  await openid.waitFor()
  return (await openid.textContent()) ?? ''
}

beforeAll(async () => {
  server = await startDevServer()
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})
beforeEach(async () => {
  await control('reset', {})
  tab = await openWechatPage(browser)
})
afterEach(async () => {
  await tab.close()
})

describe('silent login in a WeChat browser', () => {
  it('goes to WeChat and comes back to / showing the openid, with one exchange and a clean URL', async () => {
    const openid = await signIn('/')
    expect(openid).toMatch(OPENID)
    const url = new URL(tab.page.url())
    expect(url.pathname).toBe('/')
    expect(url.searchParams.has('code')).toBe(false)
    expect(url.searchParams.has('state')).toBe(false)
    expect(url.hash).toBe('')
    expect(tab.authorizeTrips()).toBe(1)
    expect(tab.exchanges()).toBe(1)
    expect(await control('stats')).toMatchObject({ calls: { access_token: 1 } })
  })

  it('makes no exchange and no trip to WeChat on reload', async () => {
    const openid = await signIn('/')
    await tab.page.reload()
    await tab.page.getByTestId('openid').waitFor()
    expect(await tab.page.getByTestId('openid').textContent()).toBe(openid)
    expect(tab.authorizeTrips()).toBe(1)
    expect(tab.exchanges()).toBe(1)
  })

  it('does not loop when coming back from another page', async () => {
    const openid = await signIn('/')
    await tab.page.getByTestId('nav-public').click()
    await tab.page.getByTestId('public-page').waitFor()
    await tab.page.goBack()
    await tab.page.getByTestId('openid').waitFor()
    await tab.page.goBack()
    await tab.page.waitForLoadState('load')
    await tab.page.goForward()
    await tab.page.getByTestId('openid').waitFor()
    expect(await tab.page.getByTestId('openid').textContent()).toBe(openid)
    expect(tab.authorizeTrips()).toBe(1)
    expect(tab.exchanges()).toBe(1)
  })

  it('keeps shared-link parameters and removes only code and state', async () => {
    await signIn('/?from=singlemessage&isappinstalled=0')
    const url = new URL(tab.page.url())
    expect(url.search).toBe('?from=singlemessage&isappinstalled=0')
  })

  it('gives the same openid to the same WeChat user in a new tab', async () => {
    const first = await signIn('/')
    await tab.close()
    tab = await openWechatPage(browser)
    expect(await signIn('/')).toBe(first)
  })

  it('opens a public page without any trip to WeChat', async () => {
    await tab.page.goto(`${server.origin}/public`)
    await tab.page.getByTestId('public-page').waitFor()
    expect(tab.authorizeTrips()).toBe(0)
    expect(tab.exchanges()).toBe(0)
  })

  it('shows a readable error with a retry that works once WeChat recovers', async () => {
    await control('faults', { endpoint: 'access_token', mode: 'http500', times: 1 })
    await tab.page.goto(`${server.origin}/`)
    const error = tab.page.getByTestId('auth-error')
    await error.waitFor()
    expect(await error.getAttribute('data-code')).toBe('upstream_error')
    await tab.page.waitForTimeout(500)
    expect(tab.authorizeTrips()).toBe(1)
    await tab.page.getByTestId('retry').click()
    await tab.page.getByTestId('openid').waitFor()
    expect(tab.authorizeTrips()).toBe(2)
    expect(tab.exchanges()).toBe(2)
  })
})
