// @vitest-environment happy-dom
/* eslint-disable vue/one-component-per-file -- a page and the app around the view under test */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, type VNode } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { createWechatAuthGuard, useWechatAuthStore } from '../../client/index'
import { WechatAuthView, type WechatAuthViewSlotProps } from '../../client/ui'
import {
  ORIGIN,
  WEB_APPID,
  createEnv,
  envWindow,
  proxyError,
  routes,
  savePending,
  wechatAuthPlugin,
  type Env,
  type PageOptions,
} from './helpers'
import { UA } from './user-agents'

const Page = defineComponent({ render: () => h('p', { 'data-testid': 'page' }, 'the page') })

interface Mount {
  env?: Env
  userAgent?: string
  page?: PageOptions
  props?: Record<string, unknown>
  slots?: Record<string, (props: WechatAuthViewSlotProps) => VNode>
}

/** `<WechatAuthView><RouterView/></WechatAuthView>` loaded at `path`, as an app's App.vue has it. */
async function mountView(
  path: string,
  { env = createEnv(), userAgent = UA.wechatIos, page = {}, props = {}, slots = {} }: Mount = {},
) {
  const win = envWindow(env, ORIGIN + path, userAgent)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: routes.map(({ path, meta }) => ({ path, meta, component: Page })),
  })
  router.beforeEach(createWechatAuthGuard())
  const pinia = createPinia()
  const App = defineComponent({
    render: () => h(WechatAuthView, props, { default: () => h(RouterView), ...slots }),
  })
  const wrapper = mount(App, {
    global: { plugins: [pinia, wechatAuthPlugin(env, win, page), router] },
  })
  await router.push(path)
  await flushPromises()
  return { env, win, wrapper, store: useWechatAuthStore(pinia) }
}

/** Polls until `ready` (a lazy chunk's import resolving), for at most half a second. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !ready(); i++) await new Promise((done) => setTimeout(done, 10))
  expect(ready()).toBe(true)
}

/** A callback of a login this tab started, for `route`, answered by `page`'s fake proxy. */
async function callback(route: string, query: string, options: Mount = {}) {
  const env = createEnv()
  const scope = route === '/profile' ? 'snsapi_userinfo' : 'snsapi_base'
  savePending(env, { state: 'S1', route, scope })
  return mountView(`${route}?${query}`, { ...options, env })
}

describe('WechatAuthView', () => {
  it('shows the page on a route that needs no login', async () => {
    const { wrapper, win } = await mountView('/public')
    expect(wrapper.find('[data-testid="page"]').exists()).toBe(true)
    expect(win.location.replace).not.toHaveBeenCalled()
  })

  it('shows the loading view, in Chinese, while the visitor goes to WeChat', async () => {
    const { wrapper, win } = await mountView('/orders')
    expect(win.location.replace).toHaveBeenCalledOnce()
    expect(wrapper.find('[data-testid="auth-loading"]').text()).toBe('正在通过微信登录…')
    expect(wrapper.find('[data-testid="page"]').exists()).toBe(false)
  })

  it('shows the page once the callback is exchanged', async () => {
    const { wrapper, store } = await callback('/orders', 'code=C1&state=S1')
    expect(store.status).toBe('authenticated')
    expect(wrapper.find('[data-testid="page"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="auth-loading"]').exists()).toBe(false)
  })

  it('shows a failure with its message and code, and a retry that starts a new login', async () => {
    const page = { reply: () => proxyError(503, 'upstream_unavailable') }
    const { wrapper, win } = await callback('/orders', 'code=C1&state=S1', { page })
    const error = wrapper.find('[data-testid="auth-error"]')
    expect(error.attributes('data-code')).toBe('upstream_unavailable')
    expect(error.find('h2').text()).toBe('登录没有成功')
    expect(error.text()).toContain('微信服务暂时不可用，请稍后重试。')
    expect(error.text()).toContain('错误代码：upstream_unavailable')
    expect(win.location.replace).not.toHaveBeenCalled()
    await wrapper.find('[data-testid="retry"]').trigger('click')
    await flushPromises()
    expect(win.location.replace).toHaveBeenCalledOnce()
  })

  it('explains a refused consent once, on the page that needs the profile', async () => {
    const { wrapper } = await callback('/profile', 'state=S1')
    const error = wrapper.find('[data-testid="auth-error"]')
    expect(error.attributes('data-code')).toBe('access_denied')
    expect(error.find('h2').text()).toBe('你拒绝了授权')
    expect(wrapper.find('[data-testid="denied-explainer"]').text()).toContain('微信昵称和头像')
    // The heading says it; no second sentence saying the same.
    expect(error.text()).not.toContain('没有获得你的授权')
    expect(wrapper.find('[data-testid="retry"]').text()).toBe('重新授权')
  })

  it('calls a PC login that came back without a code a cancelled scan, not a refused profile', async () => {
    const page = { options: { webAppid: WEB_APPID, pcLogin: 'redirect' as const } }
    const { wrapper } = await callback('/orders', 'state=S1', { page, userAgent: UA.chromeWindows })
    expect(wrapper.find('[data-testid="auth-error"] h2').text()).toBe('你取消了扫码登录')
    const explainer = wrapper.find('[data-testid="denied-explainer"]').text()
    expect(explainer).not.toContain('昵称')
  })

  it('shows the open-in-WeChat page with a QR code of this very page outside WeChat', async () => {
    const { wrapper } = await mountView('/orders?id=7', { userAgent: UA.safariIos })
    const open = wrapper.find('[data-testid="open-in-wechat"]')
    expect(open.find('h2').text()).toBe('请在微信中打开')
    expect((open.find('[data-testid="page-link"]').element as HTMLInputElement).value).toBe(
      `${ORIGIN}/orders?id=7`,
    )
    await until(() => wrapper.find('[data-testid="page-qr"]').exists())
    expect(wrapper.find('[data-testid="page-qr"]').attributes('src')).toMatch(
      /^data:image\/svg\+xml/,
    )
  })

  it('embeds the PC QR login for pcLogin: embedded', async () => {
    const page = { options: { webAppid: WEB_APPID, pcLogin: 'embedded' as const } }
    const { wrapper } = await mountView('/orders', { page, userAgent: UA.chromeWindows })
    await until(() => wrapper.find('[data-testid="pc-qr-login"] iframe').exists())
    const src = wrapper.find('[data-testid="pc-qr-login"] iframe').attributes('src') ?? ''
    expect(src).toContain(`/connect/qrconnect?appid=${WEB_APPID}`)
  })

  it('takes any text from `texts`, messages by code, and keeps the rest', async () => {
    const texts = {
      errorTitle: 'Sign-in failed',
      messages: { upstream_unavailable: 'WeChat is down' },
    }
    const page = { reply: () => proxyError(503, 'upstream_unavailable') }
    const { wrapper } = await callback('/orders', 'code=C1&state=S1', { page, props: { texts } })
    const error = wrapper.find('[data-testid="auth-error"]')
    expect(error.find('h2').text()).toBe('Sign-in failed')
    expect(error.text()).toContain('WeChat is down')
    expect(wrapper.find('[data-testid="retry"]').text()).toBe('重试')
  })

  it('takes a whole view from a slot, given the error and a retry', async () => {
    const page = { reply: () => proxyError(503, 'upstream_unavailable') }
    const slots = {
      error: ({ error, retry }: WechatAuthViewSlotProps) =>
        h('button', { 'data-testid': 'mine', onClick: retry }, error?.code),
    }
    const { wrapper, win } = await callback('/orders', 'code=C1&state=S1', { page, slots })
    expect(wrapper.find('[data-testid="auth-error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="mine"]').text()).toBe('upstream_unavailable')
    await wrapper.find('[data-testid="mine"]').trigger('click')
    await flushPromises()
    expect(win.location.replace).toHaveBeenCalledOnce()
  })
})
