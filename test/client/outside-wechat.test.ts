import { describe, expect, it } from 'vitest'
import { useWechatAuth } from '../../client/index'
import { ORIGIN, WEB_APPID, createEnv, fakeWindow, loadPage } from './helpers'
import { UA } from './user-agents'

/** A first visit to `path` with `userAgent`, no session. */
async function visit(userAgent: string, path = '/orders', options = {}) {
  const env = createEnv()
  const page = loadPage(env, ORIGIN + path, { options, userAgent })
  await page.router.push(path)
  return page
}

describe('outside WeChat', () => {
  it.each([
    ['iOS Safari', UA.safariIos],
    ['Android Chrome', UA.chromeAndroid],
    ['the Huawei browser', UA.huaweiBrowser],
    ['WeCom on iOS', UA.wecomIos],
    ['WeCom on Android', UA.wecomAndroid],
    ['WeCom on Windows', UA.wecomWindows],
  ])('makes no trip to WeChat from %s and reports outside_wechat', async (_name, userAgent) => {
    const page = await visit(userAgent)
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.store.status).toBe('error')
    expect(page.store.error?.code).toBe('outside_wechat')
  })

  it('renders the page the user asked for, so it can show the open-in-WeChat view', async () => {
    const page = await visit(UA.safariIos)
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })

  it('says the login mode is unavailable on a phone even with a website app', async () => {
    const page = await visit(UA.safariIos, '/orders', { webAppid: WEB_APPID })
    expect(page.store.loginMode).toBe('unavailable')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('does not go to WeChat on login() either', async () => {
    const page = await visit(UA.wecomAndroid)
    await page.app.runWithContext(() => useWechatAuth()).login()
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.store.error?.code).toBe('outside_wechat')
  })

  it('makes no trip on later navigations', async () => {
    const page = await visit(UA.safariIos)
    await page.router.push('/profile')
    await page.router.push('/')
    expect(page.win.location.replace).not.toHaveBeenCalled()
    expect(page.router.currentRoute.value.fullPath).toBe('/')
  })

  it('reports nothing on a route that needs no login', async () => {
    const page = await visit(UA.safariIos, '/public')
    expect(page.store.error).toBeNull()
    expect(page.store.status).toBe('idle')
  })

  it('reports outside_wechat on a desktop without a website app', async () => {
    const page = await visit(UA.chromeWindows)
    expect(page.store.error?.code).toBe('outside_wechat')
    expect(page.store.loginMode).toBe('unavailable')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('reports outside_wechat on a desktop when pcLogin is false', async () => {
    const page = await visit(UA.chromeWindows, '/orders', { webAppid: WEB_APPID, pcLogin: false })
    expect(page.store.error?.code).toBe('outside_wechat')
    expect(page.win.location.replace).not.toHaveBeenCalled()
  })

  it('reads a window without a navigator as a desktop', async () => {
    const env = createEnv()
    // No user agent to read (a test double, a server render given a window of its own).
    const win = fakeWindow(`${ORIGIN}/orders`, env.events)
    const page = loadPage(env, `${ORIGIN}/orders`, { options: { window: win } })
    await page.router.push('/orders')
    expect(page.store.loginMode).toBe('unavailable')
    expect(page.store.error?.code).toBe('outside_wechat')
    expect(win.location.replace).not.toHaveBeenCalled()
    const pc = loadPage(createEnv(), `${ORIGIN}/orders`, {
      options: { window: fakeWindow(`${ORIGIN}/orders`, []), webAppid: WEB_APPID },
    })
    await pc.router.push('/orders')
    expect(pc.store.loginMode).toBe('pc-redirect')
  })

  it('uses the official account inside a mini-program web-view', async () => {
    const page = await visit(UA.miniprogramAndroid)
    expect(page.store.loginMode).toBe('mp')
    expect(page.win.location.replace.mock.calls[0]?.[0]).toContain('/connect/oauth2/authorize?')
  })
})
