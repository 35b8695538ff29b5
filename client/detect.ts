/**
 * Where the page runs, from the user agent (docs/wechat.md):
 * - `wecom`: WeCom (企业微信); it also says MicroMessenger
 * - `miniprogram`: a mini-program web-view (the official-account login works there)
 * - `wechat-pc`: PC WeChat (Windows, Mac), where the official-account login does not apply
 * - `wechat`: WeChat on a phone or tablet
 * - `mobile`: any other phone or tablet browser
 * - `desktop`: everything else
 */
export type WechatEnvironment =
  'wecom' | 'miniprogram' | 'wechat' | 'wechat-pc' | 'mobile' | 'desktop'

/** The environment `userAgent` describes. WeCom and PC WeChat also say MicroMessenger: checked first. */
export const detectEnvironment = (userAgent: string): WechatEnvironment =>
  /wxwork\//i.test(userAgent)
    ? 'wecom'
    : /miniProgram/i.test(userAgent)
      ? 'miniprogram'
      : /(Windows|Mac)Wechat/i.test(userAgent)
        ? 'wechat-pc'
        : /MicroMessenger/i.test(userAgent)
          ? 'wechat'
          : // Android tablets drop "Mobile" but are no desktop; HarmonyOS NEXT says OpenHarmony.
            /Mobi|Android|iP(hone|ad|od)|Harmony/i.test(userAgent)
            ? 'mobile'
            : 'desktop'
