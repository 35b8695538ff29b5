// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useWechatAuthStore, type WechatAuthOptions } from '../../client/index'
import { PENDING_TTL_MS } from '../../client/pending-login'
import { WechatQrLogin } from '../../client/qr-login'
import {
  ORIGIN,
  PENDING_KEY,
  WEB_APPID,
  createEnv,
  envWindow,
  loadPage,
  pendingLogin,
  routes,
  stateOf,
  wechatAuthPlugin,
  type Env,
} from './helpers'
import { UA } from './user-agents'

const desktop: WechatAuthOptions = {
  webAppid: WEB_APPID,
  pcLogin: 'embedded',
}

/** <WechatQrLogin> on a desktop page at `path`, with the kit installed as an app would. */
async function mountQrLogin(
  props: Record<string, unknown> = {},
  {
    env = createEnv(),
    path = '/orders',
    options = {} as WechatAuthOptions,
    userAgent = UA.chromeWindows as string,
  } = {},
) {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(path)
  const pinia = createPinia()
  const wrapper = mount(WechatQrLogin, {
    props,
    global: {
      plugins: [
        pinia,
        wechatAuthPlugin(env, envWindow(env, ORIGIN + path, userAgent), {
          options: { ...desktop, ...options },
        }),
        router,
      ],
    },
  })
  await flushPromises()
  const src = () => wrapper.find('iframe').attributes('src') ?? ''
  return { env, wrapper, src, store: useWechatAuthStore(pinia) }
}

afterEach(() => vi.useRealTimers())

describe('WechatQrLogin', () => {
  it('frames the embedded qrconnect URL for the current route, exactly', async () => {
    const { src } = await mountQrLogin()
    expect(src()).toBe(
      `https://open.weixin.qq.com/connect/qrconnect?appid=${WEB_APPID}` +
        `&redirect_uri=${encodeURIComponent(`${ORIGIN}/orders`)}` +
        `&response_type=code&scope=snsapi_login&state=${stateOf(src())}` +
        '&login_type=jssdk&self_redirect=false&style=black&stylelite=0#wechat_redirect',
    )
  })

  it("passes WxLogin's style, href, self_redirect and stylelite", async () => {
    const href = 'https://www.example.com/qr.css'
    const { src } = await mountQrLogin({ theme: 'white', href, selfRedirect: true, stylelite: 1 })
    expect(src()).toContain(
      `&state=${stateOf(src())}&login_type=jssdk&self_redirect=true&style=white` +
        `&href=${encodeURIComponent(href)}&stylelite=1#wechat_redirect`,
    )
  })

  it('gives the frame WxLogin’s sandbox and a 300 by 400 box', async () => {
    const { wrapper } = await mountQrLogin()
    expect(wrapper.find('iframe').attributes()).toMatchObject({
      sandbox: 'allow-scripts allow-top-navigation allow-same-origin',
      frameborder: '0',
      scrolling: 'no',
      width: '300',
      height: '400',
    })
  })

  it('takes another size', async () => {
    const { wrapper } = await mountQrLogin({ width: 240, height: 320 })
    expect(wrapper.find('iframe').attributes()).toMatchObject({ width: '240', height: '320' })
  })

  it('saves a pending website-app login for the state in the frame', async () => {
    const { env, src } = await mountQrLogin()
    const login = pendingLogin(env, stateOf(src()))
    expect(login).toMatchObject({ app: 'web', route: '/orders' })
    expect(String(login?.verifier)).toHaveLength(64)
    expect(src()).not.toContain(String(login?.verifier))
  })

  it('returns to the redirect prop after the login', async () => {
    const { env, src } = await mountQrLogin({ redirect: '/profile' }, { path: '/public' })
    expect(pendingLogin(env, stateOf(src()))).toMatchObject({ route: '/profile' })
    expect(src()).toContain(`&redirect_uri=${encodeURIComponent(`${ORIGIN}/profile`)}&`)
  })

  it('does not leave the page', async () => {
    const { env, store } = await mountQrLogin()
    expect(env.events.filter((e) => e.type === 'request')).toEqual([])
    expect(store.status).toBe('idle')
  })

  it('frames nothing on a phone, where nobody can scan the screen', async () => {
    const { wrapper, store } = await mountQrLogin({}, { userAgent: UA.safariIos })
    expect(wrapper.find('iframe').exists()).toBe(false)
    expect(store.error?.code).toBe('outside_wechat')
  })

  it('frames nothing inside WeChat on a phone, where the official account logs in', async () => {
    const { wrapper, env } = await mountQrLogin({}, { userAgent: UA.wechatAndroid })
    expect(wrapper.find('iframe').exists()).toBe(false)
    expect(env.session.getItem(PENDING_KEY)).toBeNull()
  })

  it('frames a fresh login before the pending one expires', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { src } = await mountQrLogin()
    const first = src()
    vi.advanceTimersByTime(PENDING_TTL_MS - 60_000)
    await flushPromises()
    expect(stateOf(src())).not.toBe(stateOf(first))
  })

  it('completes the login when the callback lands on the top page', async () => {
    const env: Env = createEnv()
    const { src } = await mountQrLogin({}, { env })
    const state = stateOf(src())
    const page = loadPage(env, `${ORIGIN}/orders?code=WEBCODE&state=${state}`, {
      options: desktop,
      userAgent: UA.chromeWindows,
    })
    await page.router.push(`/orders?code=WEBCODE&state=${state}`)
    expect(page.requests()).toEqual([
      expect.objectContaining({
        url: '/api/wechat/openid',
        data: expect.objectContaining({ app: 'web' }),
      }),
    ])
    expect(page.store.status).toBe('authenticated')
    expect(page.router.currentRoute.value.fullPath).toBe('/orders')
  })
})
