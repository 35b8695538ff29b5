/** The share APIs the stand-in JS-SDK records (docs/wechat.md#js-sdk-signing). */
export type ShareApi = 'updateAppMessageShareData' | 'updateTimelineShareData'
export const SHARE_APIS: readonly ShareApi[] = [
  'updateAppMessageShareData',
  'updateTimelineShareData',
]

/** What one share call was given, as the page reported it. */
export interface ShareRecord {
  api: ShareApi
  title: string
  desc: string
  link: string
  imgUrl: string
  /** Whether the page's `wx.config` had succeeded when the call was made. */
  configured: boolean
}

/** Keep the last shares only: pages report as often as they like. */
const MAX_SHARES = 100

/** What the stand-in JS-SDK reported: `wx.config` outcomes and share calls. */
export class JssdkRecords {
  ok = 0
  fail = 0
  readonly shares: ShareRecord[] = []

  addShare(share: ShareRecord): void {
    this.shares.push(share)
    if (this.shares.length > MAX_SHARES) this.shares.shift()
  }

  reset(): void {
    this.ok = 0
    this.fail = 0
    this.shares.length = 0
  }
}
