import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createWechatAuth } from '../../client/index'
import { JWEIXIN } from '../../client/jssdk-wx'
import { useWechatJssdk } from '../../client/jssdk'
import { APPID, ORIGIN, blankApp, createEnv, savePending } from './helpers'
import { CONFIG_KEY, SCRIPT, jssdkPage, settled } from './jssdk-helpers'

const CACHED = {
  appid: APPID,
  mock: true,
  authorizeBase: '/mock-wechat',
  jssdkScript: '/cached.js',
}

describe('share', () => {
  it("sets friends' and Moments' data, by default linking the page without code and state", async () => {
    const env = createEnv()
    savePending(env, { state: 'S1', route: '/orders', scope: 'snsapi_base' })
    const href = `${ORIGIN}/orders?from=singlemessage&code=C1&state=S1&isappinstalled=0`
    const page = await jssdkPage(env, href)
    // The address bar still shows the callback (as a browser that ignored replaceState would):
    // share's link drops it all the same.
    page.win.location.href = href
    const jssdk = page.use()
    await jssdk.share({ title: 'T', imgUrl: 'https://img.example.com/c.png' })
    const data = {
      title: 'T',
      desc: '',
      link: `${ORIGIN}/orders?from=singlemessage&isappinstalled=0`,
      imgUrl: 'https://img.example.com/c.png',
    }
    expect(page.wechat.shared).toEqual([
      { api: 'updateAppMessageShareData', data: expect.objectContaining(data) },
      { api: 'updateTimelineShareData', data: expect.objectContaining(data) },
    ])
  })

  it('waits for the config, and uses the link it is given', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    const jssdk = page.use()
    expect(jssdk.status.value).toBe('loading')
    await jssdk.share({ title: 'T', desc: 'D', link: `${ORIGIN}/promo` })
    expect(jssdk.status.value).toBe('ready')
    expect(page.wechat.shared.map((s) => [s.data.desc, s.data.link])).toEqual([
      ['D', `${ORIGIN}/promo`],
      ['D', `${ORIGIN}/promo`],
    ])
  })

  it('rejects with jssdk_call_failed, also in error, when WeChat refuses a share call', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    page.wechat.shareError = 'updateTimelineShareData:fail'
    const jssdk = page.use()
    await expect(jssdk.share({ title: 'T' })).rejects.toMatchObject({
      code: 'jssdk_call_failed',
      message: 'updateTimelineShareData:fail',
    })
    expect(jssdk.error.value?.code).toBe('jssdk_call_failed')
  })

  it('rejects with the failure of the config, without calling WeChat', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    page.wechat.checked = () => `${ORIGIN}/elsewhere`
    const jssdk = page.use()
    await expect(jssdk.share({ title: 'T' })).rejects.toMatchObject({ code: 'jssdk_config_failed' })
    expect(page.wechat.shared).toEqual([])
  })
})

describe("WeChat's script", () => {
  it('is loaded once per page, from the config the kit cached for the tab', async () => {
    const env = createEnv()
    env.session.setItem(CONFIG_KEY, JSON.stringify(CACHED))
    const page = await jssdkPage(env, `${ORIGIN}/public`)
    const [first, second] = [page.use(), page.use()]
    await Promise.all([settled(first), settled(second)])
    expect(page.scripts.map((s) => [s.src, s.async])).toEqual([['/cached.js', true]])
    expect([first.status.value, second.status.value]).toEqual(['ready', 'ready'])
    expect(page.requests().filter((e) => e.type == 'request' && e.url.endsWith('/config'))).toEqual(
      [],
    )
  })

  it("comes from the proxy's config when the kit had no need to load it", async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    await settled(page.use())
    expect(page.scripts.map((s) => s.src)).toEqual([SCRIPT])
  })

  it("is WeChat's own when the config names none (an older proxy)", async () => {
    const env = createEnv()
    env.session.setItem(CONFIG_KEY, JSON.stringify({ ...CACHED, jssdkScript: undefined }))
    const page = await jssdkPage(env, `${ORIGIN}/public`)
    await settled(page.use())
    expect(page.scripts.map((s) => s.src)).toEqual([JWEIXIN])
  })

  it('is the scriptUrl option when given', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    await settled(page.use({ scriptUrl: 'https://res2.wx.qq.com/open/js/jweixin-1.6.0.js' }))
    expect(page.scripts.map((s) => s.src)).toEqual([
      'https://res2.wx.qq.com/open/js/jweixin-1.6.0.js',
    ])
  })

  it('is not added when the page already has wx', async () => {
    const env = createEnv()
    const page = await jssdkPage(env, `${ORIGIN}/public`)
    page.win.wx = page.wechat.wx
    const jssdk = page.use()
    await settled(jssdk)
    expect([page.scripts.length, jssdk.status.value]).toEqual([0, 'ready'])
  })

  it('is jssdk_config_failed in a window without a document', async () => {
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`)
    page.win.document = undefined
    const jssdk = page.use()
    await settled(jssdk)
    expect(jssdk.error.value?.code).toBe('jssdk_config_failed')
  })

  it('that fails to load is jssdk_config_failed, and the next use tries again', async () => {
    let fail = true
    const page = await jssdkPage(createEnv(), `${ORIGIN}/public`, {
      onScript: (el) => (fail ? el.onerror?.() : ((page.win.wx = page.wechat.wx), el.onload?.())),
    })
    const first = page.use()
    await settled(first)
    expect(first.error.value?.code).toBe('jssdk_config_failed')
    fail = false
    const second = page.use()
    await settled(second)
    expect([page.scripts.length, second.status.value]).toEqual([2, 'ready'])
  })
})

describe('useWechatJssdk without a window (a server render)', () => {
  it('stays idle, and share rejects', async () => {
    const app = blankApp().use(createPinia())
    app.use(
      createWechatAuth({
        appid: APPID,
        authorizeBase: 'https://open.weixin.qq.com',
        window: undefined,
      }),
    )
    const jssdk = app.runWithContext(() => useWechatJssdk({ jsApiList: [] }))
    expect(jssdk.status.value).toBe('idle')
    await expect(jssdk.share({ title: 'T' })).rejects.toMatchObject({ code: 'config_error' })
  })
})
