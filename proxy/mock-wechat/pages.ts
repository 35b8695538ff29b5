import { avatarPath } from './users.js'
import type { TestUser } from './users.js'

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#ededed;color:#191919;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif}
.phone{max-width:420px;min-height:100vh;margin:0 auto;background:#fff;padding:48px 24px 32px;text-align:center}
.icon{width:64px;height:64px;margin:0 auto 20px;border-radius:50%;background:#10aeff;color:#fff;font-size:40px;line-height:64px}
.icon.warn{background:#fa9d3b}
h1{font-size:20px;font-weight:500;margin:0 0 12px}
p{margin:0 0 12px;color:#4c4c4c}
.code{color:#999;font-size:14px}
.small{margin-top:40px;font-size:12px;color:#999}
.small a{color:#576b95}
.app{display:flex;align-items:center;gap:12px;text-align:left;border-bottom:1px solid #eee;padding-bottom:20px;margin-bottom:20px}
.app .logo{width:44px;height:44px;border-radius:8px;background:#07c160;color:#fff;font-size:22px;line-height:44px;text-align:center}
.ask{text-align:left;font-size:17px;margin-bottom:8px}
.desc{text-align:left;font-size:14px;color:#999;margin-bottom:24px}
.users{text-align:left;margin:0 0 32px;padding:12px;border-radius:8px;background:#f7f7f7}
.users label{display:flex;align-items:center;gap:10px;padding:6px 0;font-size:15px}
.users img{width:32px;height:32px;border-radius:4px}
button{display:block;width:184px;margin:0 auto 16px;padding:10px;border:0;border-radius:8px;font-size:17px;font-weight:500}
.allow{background:#07c160;color:#fff}
.deny{background:#f2f2f2;color:#07c160}
`

export function layout(title: string, body: string): string {
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head>` +
    `<body><main class="phone">${body}</main></body></html>`
  )
}

/** The page WeChat shows inside its browser when an authorize link is wrong. Never a redirect. */
export function errorPage(errcode: number | string, message: string, extra = ''): string {
  const shownCode = typeof errcode === 'number' ? `<p class="code">错误码：${errcode}</p>` : ''
  return layout(
    '微信网页授权',
    '<div class="icon warn">!</div>' +
      `<div data-testid="wechat-error" data-errcode="${escapeHtml(String(errcode))}">` +
      `<h1>${escapeHtml(message)}</h1>${shownCode}</div>${extra}`,
  )
}

/** Outside WeChat: the real page only says to open the link in WeChat; locally we offer a way on. */
export function outsideWechatPage(continueHref: string): string {
  return errorPage(
    'outside-wechat',
    '请在微信客户端打开链接',
    '<p class="small">本地开发：这是模拟的微信授权页。' +
      `<a data-testid="wechat-continue" href="${escapeHtml(continueHref)}">以微信身份继续（本地模拟）</a></p>`,
  )
}

export interface ConsentPageInput {
  action: string
  appName: string
  params: Record<string, string>
  users: readonly TestUser[]
  currentUserId: string
  /** The mock's base path (`/mock-wechat`): avatars are served by the mock itself. */
  mockBase: string
}

/** Hidden form fields carrying the request, so the confirm step can re-check it. */
export function hiddenFields(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('')
}

/** Radios to pick which test user the phone belongs to (`data-testid="wechat-user-<id>"`). */
export function userPicker(
  users: readonly TestUser[],
  currentUserId: string,
  mockBase: string,
  prompt = '以哪位测试用户身份授权（本地模拟）',
): string {
  const radios = users
    .map((user) => {
      const checked = user.id === currentUserId ? ' checked' : ''
      const avatar = mockBase + (avatarPath(user, '64') ?? '/avatar/default.svg')
      return (
        `<label><input type="radio" name="user" value="${escapeHtml(user.id)}"` +
        ` data-testid="wechat-user-${escapeHtml(user.id)}"${checked}>` +
        `<img src="${escapeHtml(avatar)}" alt="">${escapeHtml(user.nickname)}</label>`
      )
    })
    .join('')
  return (
    `<div class="users" data-testid="wechat-user-picker"><p class="code">${escapeHtml(prompt)}</p>` +
    `${radios}</div>`
  )
}

/** The snsapi_userinfo consent sheet: app, what it asks for, the user to act as, 允许 / 拒绝. */
export function consentPage(input: ConsentPageInput): string {
  const initial = Array.from(input.appName)[0] ?? '公'
  return layout(
    '微信网页授权',
    `<div class="app"><div class="logo">${escapeHtml(initial)}</div>` +
      `<div><strong>${escapeHtml(input.appName)}</strong> 申请</div></div>` +
      '<p class="ask">获取你的昵称、头像</p>' +
      '<p class="desc">用于在此网页中展示你的微信公开信息</p>' +
      `<form method="post" action="${escapeHtml(input.action)}">${hiddenFields(input.params)}` +
      userPicker(input.users, input.currentUserId, input.mockBase) +
      '<button class="allow" type="submit" name="decision" value="allow" data-testid="wechat-approve">允许</button>' +
      '<button class="deny" type="submit" name="decision" value="deny" data-testid="wechat-deny">拒绝</button>' +
      '</form>',
  )
}

/** What an overloaded gateway in front of api.weixin.qq.com answers with. */
export function gatewayErrorPage(status: number): string {
  return (
    `<html><head><title>${status} Internal Server Error</title></head><body>` +
    `<center><h1>${status} Internal Server Error</h1></center><hr><center>nginx</center></body></html>`
  )
}
