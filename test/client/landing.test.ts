import { describe, expect, it } from 'vitest'
import { useRuntime } from '../../client/runtime'
import { ORIGIN, createEnv, loadPage, savePending } from './helpers'

// iOS WeChat checks JS-SDK signatures against the URL of the last real page load
// (docs/wechat.md#signed-url): the runtime keeps it for wechat-h5-auth/jssdk.
describe('the landing URL', () => {
  it('is the URL the page loaded with, callback included, after the kit stripped it', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    const href = `${ORIGIN}/orders?from=singlemessage&code=C1&state=S1#top`
    const page = loadPage(env, href)
    await page.router.push('/orders?from=singlemessage&code=C1&state=S1')
    expect(page.win.location.href).toBe(`${ORIGIN}/orders?from=singlemessage#top`)
    expect(page.app.runWithContext(() => useRuntime()).flow.landing).toBe(href)
  })

  it('stays the same through route changes', async () => {
    const page = loadPage(createEnv(), `${ORIGIN}/public?a=1`)
    await page.router.push('/public?a=1')
    // What a history router's pushState does to the address bar.
    page.win.location.href = `${ORIGIN}/public?b=2`
    expect(page.app.runWithContext(() => useRuntime()).flow.landing).toBe(`${ORIGIN}/public?a=1`)
  })
})
