/**
 * The demo apps the mock WeChat knows when no WECHAT_* credentials are configured.
 * They are public on purpose (README lists them): they only work against the mock.
 */
export interface MockApp {
  appid: string
  secret: string
  /** `mp` = official account (oauth2/authorize), `web` = open-platform website app (qrconnect). */
  kind: 'mp' | 'web'
  /** Bound to an open-platform account: token and userinfo responses carry a unionid. */
  unionBound?: boolean
  /** Shown on the mock's consent page; defaults to the appid. */
  name?: string
}

export const DEMO_MP_APP: MockApp = {
  appid: 'wx8a9b0c1d2e3f4a5b',
  secret: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  kind: 'mp',
  name: '微信授权演示',
}

export const DEMO_WEB_APP: MockApp = {
  appid: 'wx1f2e3d4c5b6a7980',
  secret: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  kind: 'web',
  name: '微信授权演示（网站）',
}

/** Hosts the mock accepts as the "网页授权域名" when none are configured (local development). */
export const DEMO_OAUTH_DOMAINS = ['localhost', '127.0.0.1']
