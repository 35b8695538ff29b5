/**
 * The mock's stand-in jweixin-1.6.0.js in real Chromium: `wx.config` is checked against the URL
 * WeChat on the browser's platform checks (docs/wechat.md#signed-url), under a strict CSP.
 */
import express from 'express'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_OAUTH_DOMAINS, createMockWechat } from '../../proxy/mock-wechat/index.js'
import type { MockWechat } from '../../proxy/mock-wechat/index.js'
import { mockControlClient } from '../helpers/mock-server'
import type { MockControl } from '../helpers/mock-server'
import { listenOnLoopback } from '../helpers/net'
import type { Listening } from '../helpers/net'
import { freshTicket, signedConfig } from '../mock-wechat/jssdk-support'
import { WECHAT_ANDROID_UA, WECHAT_IOS_UA, launchChromium, openWechatPage } from './harness'
import type { TrackedPage } from './harness'

const SHARE_APIS = ['updateAppMessageShareData', 'updateTimelineShareData']

// A page of the mock's origin that loads the stand-in like an app would, under a CSP with no
// inline script and no eval: the stand-in must work there.
const PAGE =
  '<!doctype html><meta charset="utf-8"><title>shop</title>' +
  '<script src="/mock-wechat/open/js/jweixin-1.6.0.js"></script>'

let server: Listening
let mock: MockWechat
let control: MockControl
let browser: Browser
let tab: TrackedPage | undefined
let baseUrl: string

beforeAll(async () => {
  mock = createMockWechat({ apps: [DEMO_MP_APP], domains: [...DEMO_OAUTH_DOMAINS] })
  const app = express()
  app.use('/mock-wechat', mock.router)
  app.get('/shop/*path', (_req, res) => {
    res.set('Content-Security-Policy', "default-src 'self'; script-src 'self'")
    res.type('html').send(PAGE)
  })
  server = await listenOnLoopback(app)
  baseUrl = `${server.origin}/mock-wechat`
  control = mockControlClient(baseUrl)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})
beforeEach(() => mock.reset())
afterEach(async () => {
  await tab?.close()
  tab = undefined
})

/**
 * Opens the landing URL (a callback with code and state) with `userAgent`, then moves the address
 * bar away from it with replaceState, as the kit does when it strips the callback.
 */
async function landThenMove(
  userAgent: string,
): Promise<{ page: Page; landing: string; current: string }> {
  tab = await openWechatPage(browser, userAgent)
  const { page } = tab
  await page.goto(`${server.origin}/shop/landing?code=0abc&state=s1#/home`)
  await page.evaluate(() => history.replaceState(null, '', '/shop/next?tab=2#/next'))
  return {
    page,
    landing: `${server.origin}/shop/landing?code=0abc&state=s1`,
    current: `${server.origin}/shop/next?tab=2`,
  }
}

/** Runs `wx.config` signed for `url`; resolves to `ready` or the error's errMsg. */
async function configure(page: Page, ticket: string, url: string): Promise<string> {
  const config = { ...signedConfig(ticket, url), jsApiList: SHARE_APIS }
  return page.evaluate(
    (c) =>
      new Promise<string>((resolve) => {
        const wx = (window as unknown as { wx: WxStandIn }).wx
        wx.config(c)
        // After config: an error handler added while a failure stands would run at once.
        wx.ready(() => resolve('ready'))
        wx.error((res) => resolve(res.errMsg))
      }),
    config,
  )
}

/** Calls `wx.updateAppMessageShareData(share)`; resolves to `success` or the fail's errMsg. */
async function shareToFriends(page: Page, share: Record<string, string>): Promise<string> {
  return page.evaluate(
    (o) =>
      new Promise<string>((resolve) => {
        const wx = (window as unknown as { wx: WxStandIn }).wx
        wx.updateAppMessageShareData({
          ...o,
          success: () => resolve('success'),
          fail: (res: { errMsg: string }) => resolve(res.errMsg),
        })
      }),
    share,
  )
}

interface WxStandIn {
  config(c: object): void
  ready(fn: () => void): void
  error(fn: (res: { errMsg: string }) => void): void
  updateAppMessageShareData(o: object): void
}

it.each([
  ['iOS', 'landing', WECHAT_IOS_UA, 'current'],
  ['Android', 'current', WECHAT_ANDROID_UA, 'landing'],
] as const)(
  'on %s WeChat verifies only a signature for the %s URL',
  async (_os, right, ua, wrong) => {
    const { page, ...urls } = await landThenMove(ua)
    const ticket = await freshTicket(baseUrl)
    expect(await configure(page, ticket, urls[wrong])).toBe('config:invalid signature')
    expect(await configure(page, ticket, urls[right])).toBe('ready')
    expect((await control.stats()).jssdk).toEqual({ ok: 1, fail: 1 })
  },
)

describe('on Android WeChat', () => {
  it('fires ready once per page load however often config succeeds, late callbacks at once', async () => {
    const { page, current } = await landThenMove(WECHAT_ANDROID_UA)
    const ticket = await freshTicket(baseUrl)
    await page.evaluate(() => {
      const w = window as unknown as { wx: WxStandIn; readyRuns: number }
      w.readyRuns = 0
      w.wx.ready(() => (w.readyRuns += 1))
    })
    expect(await configure(page, ticket, current)).toBe('ready')
    const again = { ...signedConfig(ticket, current), jsApiList: SHARE_APIS }
    await page.evaluate((c) => (window as unknown as { wx: WxStandIn }).wx.config(c), again)
    await tab?.settled()
    expect((await control.stats()).jssdk.ok).toBe(2)
    const runs = await page.evaluate(() => {
      const w = window as unknown as { wx: WxStandIn; readyRuns: number }
      let late = false
      w.wx.ready(() => (late = true))
      return { early: w.readyRuns, late }
    })
    expect(runs).toEqual({ early: 1, late: true })
  })

  it('records a share call in the page and in the mock, and calls success', async () => {
    const { page, current } = await landThenMove(WECHAT_ANDROID_UA)
    expect(await configure(page, await freshTicket(baseUrl), current)).toBe('ready')
    const share = { title: '好物', desc: '看看', link: current, imgUrl: `${server.origin}/i.png` }
    expect(await shareToFriends(page, share)).toBe('success')
    const recorded = { api: 'updateAppMessageShareData', ...share }
    expect(
      await page.evaluate(
        () => (window as unknown as { __mockWechatShares: unknown[] }).__mockWechatShares,
      ),
    ).toEqual([recorded])
    const { shares } = (await (await fetch(`${baseUrl}/__control/shares`)).json()) as {
      shares: unknown[]
    }
    expect(shares).toEqual([{ ...recorded, configured: true }])
  })

  it('fails a share call before any config succeeded', async () => {
    const { page, current } = await landThenMove(WECHAT_ANDROID_UA)
    const outcome = await shareToFriends(page, { title: 't', link: current, imgUrl: current })
    expect(outcome).toBe('updateAppMessageShareData:permission denied')
  })
})
