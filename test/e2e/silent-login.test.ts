import { describe, expect, it } from 'vitest'
import { useDemo } from './harness'

const OPENID = /^o[A-Za-z0-9_-]{27}$/

const demo = useDemo()

async function signIn(path = '/'): Promise<string> {
  await demo.tab.page.goto(`${demo.origin}${path}`)
  const openid = demo.tab.page.getByTestId('openid')
  await openid.waitFor()
  return (await openid.textContent()) ?? ''
}

describe('silent login in a WeChat browser', () => {
  it('goes to WeChat and comes back to / showing the openid, with one exchange and a clean URL', async () => {
    const openid = await signIn('/')
    expect(openid).toMatch(OPENID)
    const url = new URL(demo.tab.page.url())
    expect(url.pathname).toBe('/')
    expect(url.searchParams.has('code')).toBe(false)
    expect(url.searchParams.has('state')).toBe(false)
    expect(url.hash).toBe('')
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(1)
    expect(await demo.mock.stats()).toMatchObject({ calls: { access_token: 1 } })
  })

  it('makes no exchange and no trip to WeChat on reload', async () => {
    const openid = await signIn('/')
    await demo.tab.page.reload()
    await demo.tab.page.getByTestId('openid').waitFor()
    expect(await demo.tab.page.getByTestId('openid').textContent()).toBe(openid)
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(1)
  })

  it('does not loop when coming back from another page', async () => {
    const openid = await signIn('/')
    await demo.tab.page.getByTestId('nav-public').click()
    await demo.tab.page.getByTestId('public-page').waitFor()
    await demo.tab.page.goBack()
    await demo.tab.page.getByTestId('openid').waitFor()
    await demo.tab.page.goBack()
    await demo.tab.page.waitForLoadState('load')
    await demo.tab.page.goForward()
    await demo.tab.page.getByTestId('openid').waitFor()
    expect(await demo.tab.page.getByTestId('openid').textContent()).toBe(openid)
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(1)
  })

  it('keeps shared-link parameters and removes only code and state', async () => {
    await signIn('/?from=singlemessage&isappinstalled=0')
    const url = new URL(demo.tab.page.url())
    expect(url.search).toBe('?from=singlemessage&isappinstalled=0')
  })

  it('gives the same openid to the same WeChat user in a new tab', async () => {
    const first = await signIn('/')
    await demo.newTab()
    expect(await signIn('/')).toBe(first)
  })

  it('opens a public page without any trip to WeChat', async () => {
    await demo.tab.page.goto(`${demo.origin}/public`)
    await demo.tab.page.getByTestId('public-page').waitFor()
    await demo.tab.settled()
    expect(demo.tab.authorizeTrips()).toBe(0)
    expect(demo.tab.exchanges()).toBe(0)
  })

  it('shows a readable error with a retry that works once WeChat recovers', async () => {
    await demo.mock.faults({ endpoint: 'access_token', mode: 'http500', times: 1 })
    await demo.tab.page.goto(`${demo.origin}/`)
    const error = demo.tab.page.getByTestId('auth-error')
    await error.waitFor()
    expect(await error.getAttribute('data-code')).toBe('upstream_error')
    await demo.tab.settled()
    expect(demo.tab.authorizeTrips()).toBe(1)
    await demo.tab.page.getByTestId('retry').click()
    await demo.tab.page.getByTestId('openid').waitFor()
    expect(demo.tab.authorizeTrips()).toBe(2)
    expect(demo.tab.exchanges()).toBe(2)
  })
})
