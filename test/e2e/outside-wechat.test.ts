import { describe, expect, it } from 'vitest'
import {
  DESKTOP_CHROME_UA,
  IOS_SAFARI_UA,
  WECHAT_IOS_UA,
  WECOM_UA,
  useDemo,
  type TrackedPage,
} from './harness'

const demo = useDemo()
const HASH_APP = '/test/fixtures/hash-app.html'

async function openInWechatShown(tab: TrackedPage): Promise<void> {
  await tab.page.getByTestId('open-in-wechat').waitFor()
  await tab.page.getByTestId('page-qr').waitFor()
  expect(
    await tab.page.getByTestId('page-qr').evaluate((img) => (img as HTMLImageElement).naturalWidth),
  ).toBeGreaterThan(0)
  await tab.settled()
  expect(tab.authorizeTrips()).toBe(0)
  expect(tab.qrconnectTrips()).toBe(0)
  expect(tab.exchanges()).toBe(0)
}

async function signedInWith(tab: TrackedPage, app: 'mp' | 'web'): Promise<string> {
  await tab.page.getByTestId('openid').waitFor()
  expect(await tab.page.getByTestId('login-app').getAttribute('data-app')).toBe(app)
  return (await tab.page.getByTestId('openid').textContent()) ?? ''
}

describe('outside WeChat on a phone', () => {
  it('shows iOS Safari the open-in-WeChat page with a QR code and makes no authorize request', async () => {
    const tab = await demo.newTab(IOS_SAFARI_UA)
    await tab.page.goto(`${demo.origin}/`)
    await openInWechatShown(tab)
    expect(await tab.page.getByTestId('page-link').inputValue()).toBe(`${demo.origin}/`)
  })

  it('shows WeCom the open-in-WeChat page too (it says MicroMessenger, but is not WeChat)', async () => {
    const tab = await demo.newTab(WECOM_UA)
    await tab.page.goto(`${demo.origin}/`)
    await openInWechatShown(tab)
  })
})

describe('PC login with the website app (qrconnect)', () => {
  it('sends a desktop browser through the full-page QR login and lands signed in as app "web"', async () => {
    const tab = await demo.newTab(DESKTOP_CHROME_UA)
    await tab.page.goto(`${demo.origin}/`)
    await tab.page.getByTestId('wechat-approve').click()
    await signedInWith(tab, 'web')
    expect(tab.qrconnectTrips()).toBe(1)
    expect(tab.authorizeTrips()).toBe(0)
    expect(tab.exchanges()).toBe(1)
    expect(new URL(tab.page.url()).search).toBe('')
  })

  it('logs in through the embedded QR code (WxLogin-style iframe)', async () => {
    const tab = await demo.newTab(DESKTOP_CHROME_UA)
    await tab.page.goto(`${demo.origin}/login`)
    const frame = tab.page.frameLocator('[data-testid="pc-qr-login"] iframe')
    await frame.getByTestId('wechat-approve').click()
    await signedInWith(tab, 'web')
    expect(new URL(tab.page.url()).pathname).toBe('/')
    expect(tab.exchanges()).toBe(1)
  })

  it('gives the same person one unionid across the official account and the website app', async () => {
    await demo.mock.apps({ appid: 'wx8a9b0c1d2e3f4a5b', unionBound: true })
    await demo.mock.apps({ appid: 'wx1f2e3d4c5b6a7980', unionBound: true })
    const phone = await demo.newTab(WECHAT_IOS_UA)
    await phone.page.goto(`${demo.origin}/profile`)
    await phone.page.getByTestId('wechat-approve').click()
    const mpUnionid = await phone.page.getByTestId('unionid').textContent()
    const desk = await demo.newTab(DESKTOP_CHROME_UA)
    await desk.page.goto(`${demo.origin}/profile`)
    await desk.page.getByTestId('wechat-approve').click()
    await desk.page.getByTestId('unionid').waitFor()
    expect(await desk.page.getByTestId('unionid').textContent()).toBe(mpUnionid)
  })
})

describe('a hash-mode router', () => {
  it('passes the mobile flow: the callback arrives before the #', async () => {
    const tab = await demo.newTab(WECHAT_IOS_UA)
    await tab.page.goto(`${demo.origin}${HASH_APP}#/`)
    await signedInWith(tab, 'mp')
    const url = new URL(tab.page.url())
    expect([url.search, url.hash]).toEqual(['', '#/'])
  })

  it('passes the PC flow: the callback arrives inside the hash', async () => {
    const tab = await demo.newTab(DESKTOP_CHROME_UA)
    await tab.page.goto(`${demo.origin}${HASH_APP}#/`)
    await tab.page.getByTestId('wechat-approve').click()
    await signedInWith(tab, 'web')
    expect(new URL(tab.page.url()).hash).toBe('#/')
  })

  it('passes the embedded PC flow', async () => {
    const tab = await demo.newTab(DESKTOP_CHROME_UA)
    await tab.page.goto(`${demo.origin}${HASH_APP}#/login`)
    const frame = tab.page.frameLocator('[data-testid="pc-qr-login"] iframe')
    await frame.getByTestId('wechat-approve').click()
    await signedInWith(tab, 'web')
    expect(new URL(tab.page.url()).hash).toBe('#/')
  })
})
