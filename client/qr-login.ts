import { defineComponent, h, onBeforeUnmount, onMounted, ref, type PropType } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { useRuntime } from './runtime'
import { PENDING_TTL_MS } from './pending-login'

/** The embedded QR page's look and behaviour, as WeChat's WxLogin takes them. */
export interface EmbeddedQrconnectOptions {
  /** `true`: WeChat's redirect loads in the frame; `false`: it replaces the top page. @default false */
  selfRedirect?: boolean
  /** WeChat's `style`: the colour scheme of the QR page. @default 'black' */
  theme?: 'black' | 'white'
  /** WeChat's `href`: an https (or data:) URL of CSS restyling the QR page. */
  href?: string
  /** WeChat's `stylelite`: the compact layout. @default false */
  stylelite?: boolean | 0 | 1
}

/**
 * The framed form of a full-page qrconnect URL (buildQrconnectUrl): WxLogin's parameters, in its
 * order, before `#wechat_redirect`.
 */
export function buildEmbeddedQrconnectUrl(
  qrconnectUrl: string,
  { selfRedirect = false, theme = 'black', href, stylelite = false }: EmbeddedQrconnectOptions = {},
): string {
  const [page, hash = ''] = qrconnectUrl.split('#')
  return (
    `${page}&login_type=jssdk&self_redirect=${selfRedirect}&style=${theme}` +
    (href ? `&href=${encodeURIComponent(href)}` : '') +
    `&stylelite=${Number(stylelite)}` +
    (hash && '#' + hash)
  )
}

/**
 * WeChat's QR-code login inside the page (what WxLogin does), for `pcLogin: 'embedded'`: an iframe
 * of the website app's QR page. Each mount saves a fresh pending login (state and verifier), so
 * the callback, which lands on the top page, completes through the guard like any other login.
 * A tab keeps one pending login: show one `<WechatQrLogin>` at a time, because mounting another
 * makes the QR code of the first one stale (its scan comes back ignored, with no login).
 * The prop WxLogin calls `style` is `theme` here: a component's `style` attribute is CSS.
 */
export const WechatQrLogin = defineComponent({
  name: 'WechatQrLogin',
  props: {
    /** The route to return to after the login. @default the current route */
    redirect: { type: [String, Object] as PropType<RouteLocationRaw>, default: undefined },
    theme: { type: String as PropType<'black' | 'white'>, default: 'black' },
    href: { type: String, default: undefined },
    selfRedirect: Boolean,
    stylelite: { type: [Boolean, Number] as PropType<boolean | 0 | 1>, default: false },
    width: { type: [Number, String], default: 300 },
    height: { type: [Number, String], default: 400 },
  },
  setup(props) {
    // The flow's start, embedded: a fresh pending website-app login for the route and the URL of the
    // QR page, without leaving (undefined on a failure, then in `error`).
    const { start } = useRuntime().flow
    const src = ref<string>()
    let timer: ReturnType<typeof setInterval> | undefined

    async function load(): Promise<void> {
      // A failure shows up in the kit's `error`; there is nothing to frame then.
      const url = await start({ target: props.redirect, embedded: true })
      if (url) src.value = buildEmbeddedQrconnectUrl(url, props)
    }

    onMounted(() => {
      void load()
      // A pending login expires: a QR code left open longer would come back ignored.
      timer = setInterval(load, PENDING_TTL_MS - 60_000)
    })
    onBeforeUnmount(() => clearInterval(timer))

    return () =>
      src.value &&
      h('iframe', {
        src: src.value,
        // What WxLogin's frame gets: WeChat's page may script and send the top page to the callback.
        sandbox: 'allow-scripts allow-top-navigation allow-same-origin',
        frameborder: '0',
        scrolling: 'no',
        width: props.width,
        height: props.height,
      })
  },
})
