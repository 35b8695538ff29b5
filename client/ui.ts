/* eslint-disable vue/one-component-per-file -- the view and its two small parts ship as one entry */
import {
  computed,
  defineAsyncComponent,
  defineComponent,
  h,
  onMounted,
  ref,
  type PropType,
  type VNode,
} from 'vue'
import { useRoute } from 'vue-router'
import { useRuntime } from './runtime'
import { useWechatAuth } from './use-wechat-auth'
import type { WechatAuthError } from './errors'
import type { EmbeddedQrconnectOptions } from './qr-login'

/**
 * Every text `WechatAuthView` shows, in Chinese by default; pass any of them in its `texts` prop.
 * `messages` (by stable error code) and the rest merge with the defaults, key by key.
 */
export interface WechatAuthTexts {
  /** Before the trip to WeChat, and back from it while the code is exchanged. */
  loading: string
  exchanging: string
  errorTitle: string
  /** The visitor refused WeChat's consent page (the profile scope). */
  deniedTitle: string
  deniedExplainer: string
  /** The visitor cancelled the PC QR login: not a refused consent, nothing was asked of them. */
  cancelledTitle: string
  cancelledExplainer: string
  retry: string
  reauthorize: string
  /** Before the error's code, which support staff ask for. */
  errorCodeLabel: string
  openTitle: string
  openBody: string
  qrAlt: string
  linkLabel: string
  copy: string
  copied: string
  qrLoginTitle: string
  qrLoginBody: string
  /** What each stable error code means to the person holding the phone. */
  messages: Record<string, string>
  /** For a code without a message. */
  fallbackMessage: string
}

export const DEFAULT_TEXTS: WechatAuthTexts = {
  loading: '正在通过微信登录…',
  exchanging: '正在确认你的微信身份…',
  errorTitle: '登录没有成功',
  deniedTitle: '你拒绝了授权',
  deniedExplainer:
    '这个页面需要你的微信昵称和头像，你在微信授权页选择了「拒绝」，所以我们没有拿到它们。' +
    '我们不会自动再次打开授权页；想继续时点「重新授权」即可，其他不需要资料的页面仍可正常使用。',
  cancelledTitle: '你取消了扫码登录',
  cancelledExplainer: '想继续时点「重新扫码」，用手机微信扫描新的二维码即可。',
  retry: '重试',
  reauthorize: '重新授权',
  errorCodeLabel: '错误代码：',
  openTitle: '请在微信中打开',
  openBody:
    '这个页面需要用微信登录。请用微信「扫一扫」扫描下方二维码，或复制链接后发到微信里打开。',
  qrAlt: '当前页面的二维码',
  linkLabel: '页面链接',
  copy: '复制链接',
  copied: '已复制，去微信粘贴打开',
  qrLoginTitle: '微信扫码登录',
  qrLoginBody: '用手机微信扫描下方二维码，在手机上确认后这里会自动登录。',
  messages: {
    state_mismatch: '登录请求校验未通过（链接可能已过期，或来自他人），请重新登录。',
    code_invalid: '微信登录凭证无效，请重新登录。',
    code_used: '这个登录凭证已经用过了（页面可能被打开了两次），请重新登录。',
    code_expired: '微信登录凭证已过期，请重新登录。',
    login_loop: '登录反复没有成功，我们已暂停自动跳转。请点击下方按钮重试。',
    network_error: '网络连接失败，请检查网络后重试。',
    upstream_timeout: '微信服务器响应超时，请稍后重试。',
    upstream_unavailable: '微信服务暂时不可用，请稍后重试。',
    upstream_error: '微信返回了异常结果，请稍后重试。',
    rate_limited: '操作太频繁了，请稍后再试。',
    wechat_misconfigured: '微信登录配置有误，请联系网站管理员。',
    config_error: '登录配置缺失，请联系网站管理员。',
    unauthorized: '登录已失效，请重新登录。',
    reauth_required: '需要重新授权，请重新登录。',
  },
  fallbackMessage: '登录失败，请重试。',
}

/**
 * The look, from CSS variables the app may set on any ancestor (each with its default):
 * `--wechat-auth-primary` (#07c160), `--wechat-auth-danger` (#fa5151), `--wechat-auth-text` (#111),
 * `--wechat-auth-muted` (#888), `--wechat-auth-line` (#e5e5e5), `--wechat-auth-surface` (#fff),
 * `--wechat-auth-radius` (8px).
 */
const v = (name: string, fallback: string) => `var(--wechat-auth-${name}, ${fallback})`
const STYLE = {
  panel: {
    background: v('surface', '#fff'),
    color: v('text', '#111'),
    borderRadius: v('radius', '8px'),
    padding: '48px 16px',
    textAlign: 'center',
  },
  title: { margin: '0 0 6px', fontSize: '18px' },
  muted: { color: v('muted', '#888'), fontSize: '14px', lineHeight: '1.6', margin: '4px 0' },
  code: { color: v('muted', '#888'), fontSize: '12px' },
  button: {
    display: 'block',
    width: '100%',
    height: '44px',
    marginTop: '16px',
    border: '0',
    borderRadius: v('radius', '8px'),
    background: v('primary', '#07c160'),
    color: '#fff',
    fontSize: '17px',
    fontWeight: '600',
  },
  mark: {
    width: '56px',
    height: '56px',
    margin: '0 auto 16px',
    borderRadius: '50%',
    background: v('danger', '#fa5151'),
    color: '#fff',
    fontSize: '32px',
    fontWeight: '700',
    lineHeight: '56px',
  },
  spinner: {
    width: '32px',
    height: '32px',
    margin: '0 auto 16px',
    border: `3px solid ${v('line', '#e5e5e5')}`,
    borderTopColor: v('primary', '#07c160'),
    borderRadius: '50%',
  },
  qr: {
    display: 'block',
    width: '200px',
    height: '200px',
    margin: '16px auto',
    padding: '8px',
    background: '#fff',
    border: `1px solid ${v('line', '#e5e5e5')}`,
    borderRadius: v('radius', '8px'),
  },
  link: {
    width: '100%',
    padding: '8px',
    border: `1px solid ${v('line', '#e5e5e5')}`,
    borderRadius: '4px',
    fontSize: '12px',
    color: v('muted', '#888'),
  },
} as const

/** Turned by the Web Animations API: no style sheet, so nothing a strict CSP could refuse. */
const Spinner = defineComponent({
  setup() {
    const el = ref<HTMLElement>()
    onMounted(() =>
      el.value?.animate?.([{ transform: 'rotate(0)' }, { transform: 'rotate(360deg)' }], {
        duration: 800,
        iterations: Infinity,
      }),
    )
    return () => h('div', { ref: el, style: STYLE.spinner, 'aria-hidden': 'true' })
  },
})

/** The QR code login lives in its own entry: only desktop visitors who see it download it. */
const WechatQrLogin = defineAsyncComponent(() => import('./qr-login').then((m) => m.WechatQrLogin))

/** The open-in-WeChat page: a QR code of this very page, and its link to copy. */
const OpenInWechat = defineComponent({
  props: { texts: { type: Object as PropType<WechatAuthTexts>, required: true } },
  setup(props) {
    // The window the kit was given (the browser's, unless an app or a test passed another).
    const { win } = useRuntime().flow
    const link = ref('')
    const qr = ref('')
    const copied = ref(false)
    onMounted(async () => {
      link.value = win?.location.href ?? ''
      // The QR code library is only downloaded by visitors who need it.
      const { qrCodeSvg } = await import('./qr')
      // As an image: the SVG never becomes part of the page's DOM.
      qr.value = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrCodeSvg(link.value))}`
    })
    async function copy(event: Event): Promise<void> {
      try {
        await navigator.clipboard.writeText(link.value)
      } catch {
        // Older in-app browsers have no async clipboard: select the text for a manual copy.
        const field = (event.currentTarget as HTMLElement).previousElementSibling
        ;(field as HTMLInputElement | null)?.select()
        document.execCommand('copy')
      }
      copied.value = true
    }
    return () => {
      const t = props.texts
      return h('section', { style: STYLE.panel, 'data-testid': 'open-in-wechat' }, [
        h('h2', { style: STYLE.title }, t.openTitle),
        h('p', { style: STYLE.muted }, t.openBody),
        qr.value &&
          h('img', { style: STYLE.qr, 'data-testid': 'page-qr', src: qr.value, alt: t.qrAlt }),
        h('input', {
          style: STYLE.link,
          'data-testid': 'page-link',
          readonly: true,
          value: link.value,
          'aria-label': t.linkLabel,
        }),
        h(
          'button',
          { type: 'button', style: STYLE.button, 'data-testid': 'copy-link', onClick: copy },
          copied.value ? t.copied : t.copy,
        ),
      ])
    }
  },
})

export interface WechatAuthViewSlotProps {
  error: WechatAuthError | null
  /** Starts a new login (the kit never does so itself after a failure). */
  retry: () => void
}

/**
 * What a page shows while the login is not done (docs/architecture.md#ready-made-views): the
 * loading view (`auth-loading`), the error with a retry (`auth-error`, `retry`), the open-in-WeChat
 * page with a QR code of the current page (`open-in-wechat`), the embedded PC QR login (with
 * `pcLogin: 'embedded'`), or else its default slot: put `<RouterView />` in it. A route with
 * `meta: { wechatAuth: false }` always gets the default slot.
 *
 * Every text is replaceable (`texts`), each view too (slots `loading`, `error`, `open-in-wechat`,
 * `qr-login`, given `{ error, retry }`), and the look follows CSS variables (see STYLE).
 */
export const WechatAuthView = defineComponent({
  name: 'WechatAuthView',
  props: {
    /** Texts to use instead of the defaults (DEFAULT_TEXTS); `messages` merge by code. */
    texts: { type: Object as PropType<Partial<WechatAuthTexts>>, default: undefined },
    /** The embedded QR login's look (WeChat's WxLogin options). */
    qrLogin: { type: Object as PropType<EmbeddedQrconnectOptions>, default: undefined },
  },
  setup(props, { slots }) {
    const route = useRoute()
    const { defaultAuth } = useRuntime().flow
    const { status, error, isAuthenticated, loginMode, login } = useWechatAuth()
    const texts = computed<WechatAuthTexts>(() => ({
      ...DEFAULT_TEXTS,
      ...props.texts,
      messages: { ...DEFAULT_TEXTS.messages, ...props.texts?.messages },
    }))
    const retry = () => void login()

    function errorView(t: WechatAuthTexts): VNode {
      const denied = status.value === 'denied'
      // A PC QR login that came back without a code was a cancelled scan, not a refused consent.
      const cancelled = denied && loginMode.value?.startsWith('pc-')
      const code = error.value?.code ?? (denied ? 'access_denied' : 'unknown')
      const title = cancelled ? t.cancelledTitle : denied ? t.deniedTitle : t.errorTitle
      return h(
        'section',
        { style: STYLE.panel, 'data-testid': 'auth-error', 'data-code': code, role: 'alert' },
        [
          h('div', { style: STYLE.mark, 'aria-hidden': 'true' }, '!'),
          h('h2', { style: STYLE.title }, title),
          denied
            ? h(
                'p',
                { style: STYLE.muted, 'data-testid': 'denied-explainer' },
                cancelled ? t.cancelledExplainer : t.deniedExplainer,
              )
            : h('p', { style: STYLE.muted }, t.messages[code] ?? t.fallbackMessage),
          h('p', { style: STYLE.code }, `${t.errorCodeLabel}${code}`),
          h(
            'button',
            { type: 'button', style: STYLE.button, 'data-testid': 'retry', onClick: retry },
            denied ? t.reauthorize : t.retry,
          ),
        ],
      )
    }

    return () => {
      const t = texts.value
      const needsLogin = (route.meta.wechatAuth ?? defaultAuth) !== false
      if (!needsLogin) return slots.default?.()
      const slotProps: WechatAuthViewSlotProps = { error: error.value, retry }
      if (error.value?.code === 'outside_wechat') {
        return slots['open-in-wechat']?.(slotProps) ?? h(OpenInWechat, { texts: t })
      }
      if (status.value === 'error' || status.value === 'denied') {
        return slots.error?.(slotProps) ?? errorView(t)
      }
      if (isAuthenticated.value) return slots.default?.()
      if (loginMode.value === 'pc-embedded') {
        return (
          slots['qr-login']?.(slotProps) ??
          h('section', { style: STYLE.panel }, [
            h('h2', { style: STYLE.title }, t.qrLoginTitle),
            h('p', { style: STYLE.muted }, t.qrLoginBody),
            h('div', { 'data-testid': 'pc-qr-login' }, [
              h(WechatQrLogin, { redirect: route.fullPath, ...props.qrLogin }),
            ]),
          ])
        )
      }
      return (
        slots.loading?.(slotProps) ??
        h('section', { style: STYLE.panel, 'data-testid': 'auth-loading', 'aria-live': 'polite' }, [
          h(Spinner),
          h('p', { style: STYLE.muted }, status.value === 'exchanging' ? t.exchanging : t.loading),
        ])
      )
    }
  },
})
