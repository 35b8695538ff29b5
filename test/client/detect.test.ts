import { describe, expect, it } from 'vitest'
import { detectEnvironment, type WechatEnvironment } from '../../client/helpers'
import { UA } from './user-agents'

const table: [keyof typeof UA, WechatEnvironment][] = [
  ['wechatIos', 'wechat'],
  ['wechatAndroid', 'wechat'],
  ['wechatIpad', 'wechat'],
  ['wecomIos', 'wecom'],
  ['wecomAndroid', 'wecom'],
  ['wecomWindows', 'wecom'],
  ['miniprogramAndroid', 'miniprogram'],
  ['miniprogramIos', 'miniprogram'],
  ['wechatWindows', 'wechat-pc'],
  ['wechatMac', 'wechat-pc'],
  ['safariIos', 'mobile'],
  ['chromeAndroid', 'mobile'],
  ['chromeAndroidTablet', 'mobile'],
  ['huaweiBrowser', 'mobile'],
  ['huaweiHarmonyNext', 'mobile'],
  ['qqBrowserMobile', 'mobile'],
  ['chromeWindows', 'desktop'],
  ['edgeWindows', 'desktop'],
  ['safariMac', 'desktop'],
  ['firefoxLinux', 'desktop'],
]

describe('detectEnvironment', () => {
  it.each(table)('reads %s as %s', (name, environment) => {
    expect(detectEnvironment(UA[name])).toBe(environment)
  })

  it('reads an empty user agent as desktop', () => {
    expect(detectEnvironment('')).toBe('desktop')
  })
})
