import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { signedUrls } from '../../client/jssdk'
import { CONFIG_TIMEOUT_MS } from '../../client/jssdk-wx'
import { APPID, ORIGIN, createEnv, proxyError, savePending } from './helpers'
import { SHARE_APIS, jssdkPage, jssdkReply, settled, signatureOf } from './jssdk-helpers'
import { UA } from './user-agents'

/** A login that comes back to `/orders?from=singlemessage` with WeChat's code in the URL. */
function afterLogin() {
  const env = createEnv()
  savePending(env, { state: 'S1', route: '/orders?from=singlemessage', scope: 'snsapi_base' })
  return { env, href: `${ORIGIN}/orders?from=singlemessage&code=C1&state=S1` }
}

// docs/wechat.md#signed-url: which URL WeChat checks depends on the platform.
describe('useWechatJssdk signs the URL WeChat checks', () => {
  it('on iOS, the landing URL with the used code, after the kit stripped it from the address bar', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href)
    expect(page.win.location.href).toBe(`${ORIGIN}/orders?from=singlemessage`)
    const jssdk = page.use()
    await settled(jssdk)
    expect(page.signs()).toEqual([{ url: href }])
    expect(page.wechat.configs).toEqual([
      {
        debug: false,
        appId: APPID,
        timestamp: 1735689600,
        nonceStr: 'n0nce',
        signature: signatureOf(href),
        jsApiList: SHARE_APIS,
        openTagList: [],
      },
    ])
    expect([jssdk.status.value, jssdk.error.value]).toEqual(['ready', null])
    expect(jssdk.wx.value).toBe(page.wechat.wx)
  })

  it('on iOS, not again after a route change: the landing URL stays the one checked', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href)
    const jssdk = page.use()
    await settled(jssdk)
    await page.router.push('/public?tab=2')
    await flushPromises()
    expect(jssdk.status.value).toBe('ready')
    expect(page.signs()).toHaveLength(1)
  })

  it('on Android, the current URL, and again after each route change that moves it', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href, { userAgent: UA.wechatAndroid })
    const jssdk = page.use({ openTagList: ['wx-open-launch-weapp'], debug: true })
    await settled(jssdk)
    await page.router.push('/public?tab=2')
    expect(jssdk.status.value).toBe('loading')
    await settled(jssdk)
    expect(page.signs()).toEqual([
      { url: `${ORIGIN}/orders?from=singlemessage` },
      { url: `${ORIGIN}/public?tab=2` },
    ])
    // WeChat fires `ready` once per page load: the second config took without it.
    expect(page.wechat.configs.map((c) => [c.signature, c.debug, c.openTagList])).toEqual([
      [signatureOf(`${ORIGIN}/orders?from=singlemessage`), true, ['wx-open-launch-weapp']],
      [signatureOf(`${ORIGIN}/public?tab=2`), true, ['wx-open-launch-weapp']],
    ])
    expect([jssdk.status.value, jssdk.error.value]).toEqual(['ready', null])
  })

  it('with a hash router, without the fragment: a route change that moves only the hash signs nothing new', async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    const href = `${ORIGIN}/app/?from=singlemessage&code=C1&state=S1#/orders`
    const page = await jssdkPage(env, href, {
      userAgent: UA.wechatAndroid,
      base: '/#',
      path: '/orders',
    })
    const jssdk = page.use()
    await settled(jssdk)
    await page.router.push('/public')
    await flushPromises()
    expect(page.win.location.href).toBe(`${ORIGIN}/app/?from=singlemessage#/public`)
    expect(page.signs()).toEqual([{ url: `${ORIGIN}/app/?from=singlemessage` }])
    expect(jssdk.status.value).toBe('ready')
  })
})

describe('useWechatJssdk on invalid signature', () => {
  it('retries once with the other URL, then reports jssdk_config_failed with WeChat errMsg', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href)
    page.wechat.checked = () => `${ORIGIN}/elsewhere`
    const jssdk = page.use()
    await settled(jssdk)
    expect(page.signs()).toEqual([{ url: href }, { url: `${ORIGIN}/orders?from=singlemessage` }])
    expect(page.wechat.configs).toHaveLength(2)
    expect(jssdk.status.value).toBe('error')
    expect(jssdk.error.value?.code).toBe('jssdk_config_failed')
    expect(jssdk.error.value?.message).toBe('config:invalid signature')
    expect(jssdk.wx.value).toBeNull()
  })

  it('is ready when the other URL is the one WeChat checked', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href)
    // An iOS build that checks the current URL after all.
    page.wechat.checked = () => page.win.location.href
    const jssdk = page.use()
    await settled(jssdk)
    expect(page.signs()).toEqual([{ url: href }, { url: `${ORIGIN}/orders?from=singlemessage` }])
    expect(jssdk.status.value).toBe('ready')
  })

  it('reports a refusal that comes after a route change, once the retry failed too', async () => {
    const { env, href } = afterLogin()
    const page = await jssdkPage(env, href, { userAgent: UA.wechatAndroid })
    const jssdk = page.use()
    await settled(jssdk)
    page.wechat.checked = () => `${ORIGIN}/elsewhere`
    await page.router.push('/public')
    // The new config counts as done until WeChat's refusal arrives: then the retry, refused too.
    await vi.waitFor(() => expect(jssdk.status.value).toBe('error'))
    expect(page.signs().slice(1)).toEqual([{ url: `${ORIGIN}/public` }, { url: href }])
    expect(jssdk.error.value?.code).toBe('jssdk_config_failed')
    expect(page.wechat.configs).toHaveLength(3)
  })

  it('does not retry when both URLs are the same', async () => {
    const env = createEnv()
    const page = await jssdkPage(env, `${ORIGIN}/public`)
    page.wechat.checked = () => `${ORIGIN}/elsewhere`
    const jssdk = page.use()
    await settled(jssdk)
    expect(page.signs()).toEqual([{ url: `${ORIGIN}/public` }])
    expect(jssdk.error.value?.code).toBe('jssdk_config_failed')
  })
})

describe('useWechatJssdk reports', () => {
  it("the proxy's refusal to sign, without configuring", async () => {
    const env = createEnv()
    const reply: typeof jssdkReply = (c) =>
      c.url?.endsWith('/jssdk') ? proxyError(400, 'url_not_allowed') : jssdkReply(c)
    const page = await jssdkPage(env, `${ORIGIN}/public`, { reply })
    const jssdk = page.use()
    await settled(jssdk)
    expect(jssdk.error.value?.code).toBe('url_not_allowed')
    expect(page.wechat.configs).toEqual([])
  })

  it('jssdk_config_failed when WeChat never answers the config, instead of loading for ever', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
      // A script that takes the config and never calls ready or error.
      page.wechat.wx.config = (config) => void page.wechat.configs.push(config)
      const jssdk = page.use()
      await vi.advanceTimersByTimeAsync(CONFIG_TIMEOUT_MS - 1)
      expect(page.wechat.configs.length).toBeGreaterThan(0)
      expect(jssdk.status.value).toBe('loading')
      await vi.advanceTimersByTimeAsync(CONFIG_TIMEOUT_MS * 2)
      expect([jssdk.status.value, jssdk.error.value?.code]).toEqual([
        'error',
        'jssdk_config_failed',
      ])
      expect(jssdk.error.value?.message).toBe('config:timeout')
    } finally {
      vi.useRealTimers()
    }
  })

  it('outside_wechat outside WeChat, with no script and no signature', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`, { userAgent: UA.safariIos })
    const jssdk = page.use()
    await settled(jssdk)
    expect([jssdk.status.value, jssdk.error.value?.code]).toEqual(['error', 'outside_wechat'])
    expect(page.scripts).toEqual([])
    expect(page.signs()).toEqual([])
  })
})

describe('signedUrls', () => {
  const landing = `${ORIGIN}/?code=C&state=S#/a`
  const current = `${ORIGIN}/#/b`
  it('puts the landing URL first on iOS and the current one first elsewhere, without fragments', () => {
    expect(signedUrls({ ios: true, landing, current })).toEqual([
      `${ORIGIN}/?code=C&state=S`,
      `${ORIGIN}/`,
    ])
    expect(signedUrls({ ios: false, landing, current })).toEqual([
      `${ORIGIN}/`,
      `${ORIGIN}/?code=C&state=S`,
    ])
  })

  it('gives one URL when both are the same', () => {
    expect(signedUrls({ ios: true, landing: `${ORIGIN}/#/a`, current: `${ORIGIN}/#/b` })).toEqual([
      `${ORIGIN}/`,
    ])
  })
})
