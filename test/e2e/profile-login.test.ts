import { describe, expect, it } from 'vitest'
import { TEST_USERS } from '../../proxy/mock-wechat/index'
import { useDemo } from './harness'

// The mock's clock jumps days ahead between two calls of one session: the proxy's answer cache
// (WECHAT_CACHE_SECONDS, in real time) would answer them instead of WeChat; these tests are about
// WeChat's answers.
const demo = useDemo({ WECHAT_CACHE_SECONDS: '0' })

const DAY = 24 * 3600

async function approveConsent(): Promise<void> {
  await demo.tab.page.getByTestId('wechat-approve').click()
}

async function openProfile(): Promise<{ nickname: string; openid: string }> {
  await demo.tab.page.goto(`${demo.origin}/profile`)
  await approveConsent()
  await demo.tab.page.getByTestId('nickname').waitFor()
  return {
    nickname: (await demo.tab.page.getByTestId('nickname').textContent()) ?? '',
    openid: (await demo.tab.page.getByTestId('openid').textContent()) ?? '',
  }
}

describe('profile login (snsapi_userinfo)', () => {
  it('shows the consent page, then the avatar and nickname of the approving user', async () => {
    const { nickname } = await openProfile()
    expect(TEST_USERS.map((u) => u.nickname)).toContain(nickname)
    const avatar = demo.tab.page.getByTestId('avatar')
    expect(await avatar.getAttribute('src')).toMatch(/\/132$/)
    expect(await avatar.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(
      0,
    )
    expect(new URL(demo.tab.page.url()).pathname).toBe('/profile')
    expect(demo.tab.exchanges()).toBe(1)
  })

  it('after a denial shows the denial page with a retry and makes no further trip to WeChat', async () => {
    await demo.tab.page.goto(`${demo.origin}/profile`)
    await demo.tab.page.getByTestId('wechat-deny').click()
    const error = demo.tab.page.getByTestId('auth-error')
    await error.waitFor()
    expect(await error.getAttribute('data-code')).toBe('access_denied')
    await demo.tab.settled()
    expect(demo.tab.authorizeTrips()).toBe(1)
    expect(demo.tab.exchanges()).toBe(0)
    await demo.tab.page.getByTestId('retry').click()
    await approveConsent()
    await demo.tab.page.getByTestId('nickname').waitFor()
  })

  it('upgrades a silent session to a profile session with the same openid', async () => {
    // A user no other test has consented with: the proxy keeps a consented grant across logins.
    await demo.tab.page
      .context()
      .addCookies([{ name: 'mock_wechat_user', value: TEST_USERS[2]!.id, url: demo.origin }])
    await demo.tab.page.goto(`${demo.origin}/`)
    const silentOpenid = await demo.tab.page.getByTestId('openid').textContent()
    await demo.tab.page.getByTestId('nav-profile').click()
    await approveConsent()
    await demo.tab.page.getByTestId('nickname').waitFor()
    expect(await demo.tab.page.getByTestId('openid').textContent()).toBe(silentOpenid)
    expect(new URL(demo.tab.page.url()).pathname).toBe('/profile')
    // Back on the silent page the stronger session still serves: no new trip.
    await demo.tab.page.getByTestId('nav-home').click()
    await demo.tab.page.getByTestId('openid').waitFor()
    expect(demo.tab.authorizeTrips()).toBe(2)
  })

  it('refreshes an expired access_token once and shows the profile without new consent', async () => {
    await openProfile()
    await demo.mock.clock(7201)
    await demo.tab.page.reload()
    await demo.tab.page.getByTestId('nickname').waitFor()
    expect((await demo.mock.stats()).calls.refresh_token).toBe(1)
    expect(demo.tab.authorizeTrips()).toBe(1)
  })

  it('sends the user through consent again once the refresh_token is past 30 days', async () => {
    await openProfile()
    await demo.mock.clock(31 * DAY)
    await demo.tab.page.reload()
    await demo.tab.page.getByTestId('wechat-approve').waitFor()
    await approveConsent()
    await demo.tab.page.getByTestId('nickname').waitFor()
    expect(demo.tab.authorizeTrips()).toBe(2)
  })

  it('treats a snapshot visit as a guest and does not keep its identity', async () => {
    await demo.mock.snapshot(true)
    // WeChat shows a browse-only snapshot instead of its consent sheet.
    await demo.tab.page.goto(`${demo.origin}/profile`)
    await demo.tab.page.getByTestId('snapshot-banner').waitFor()
    await demo.tab.page.getByTestId('profile-guest').waitFor()
    const stored = await demo.tab.page.evaluate(() => JSON.stringify(localStorage))
    expect(stored).not.toContain('"openid"')
  })

  it('signs out: the session is refused afterwards and the next visit asks WeChat again', async () => {
    await openProfile()
    await demo.tab.page.getByTestId('logout').click()
    await demo.tab.page.getByTestId('public-page').waitFor()
    await demo.tab.page.goto(`${demo.origin}/profile`)
    await demo.tab.page.getByTestId('wechat-approve').waitFor()
    expect(demo.tab.authorizeTrips()).toBe(2)
  })

  it('never lets a WeChat token reach the browser', async () => {
    await openProfile()
    await demo.mock.clock(7201)
    await demo.tab.page.reload()
    await demo.tab.page.getByTestId('nickname').waitFor()
    const responses = await demo.tab.proxyResponses()
    expect(responses.length).toBeGreaterThan(2)
    for (const response of responses) {
      expect(response).not.toMatch(/access_token|refresh_token|86_[A-Za-z0-9_-]{20}/)
    }
  })
})
