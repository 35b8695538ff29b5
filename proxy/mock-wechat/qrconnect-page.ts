import { escapeHtml, hiddenFields, userPicker } from './pages.js'
import { qrSvg } from './qr-svg.js'
import type { QrconnectDisplay } from './qrconnect-params.js'
import type { TestUser } from './users.js'

const FULL_CSS = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#333;color:#fff;font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;display:flex;align-items:center;justify-content:center}
.card{width:380px;padding:40px 32px;text-align:center}
h1{font-size:20px;font-weight:400;margin:0 0 24px}
.qr{display:inline-block;padding:8px;background:#fff;border-radius:4px}
.tip{margin:16px 0 4px;font-size:14px;color:#ccc}
.app{margin:0 0 20px;color:#fff}
.users{text-align:left;margin:0 auto 20px;padding:10px 12px;border-radius:6px;background:#444;max-width:300px}
.users .code{margin:0 0 4px;font-size:12px;color:#aaa}
.users label{display:flex;align-items:center;gap:8px;padding:3px 0}
.users img{width:24px;height:24px;border-radius:3px}
button{display:block;width:260px;margin:0 auto 12px;padding:9px;border:0;border-radius:4px;font-size:15px;cursor:pointer}
.allow{background:#07c160;color:#fff}
.deny{background:#555;color:#fff}
`

// WxLogin's `style`: black = dark text for light sites, white = light text for dark sites.
const EMBEDDED_CSS = `
*{box-sizing:border-box}
body{margin:0;background:transparent;font:13px/1.4 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;text-align:center}
body.style-black{color:#191919}
body.style-white{color:#fff}
.card{width:300px;margin:0 auto;padding:8px 0}
h1{display:none}
.qr{display:inline-block;padding:4px;background:#fff}
.tip{margin:6px 0 0}
.app{margin:0 0 6px;opacity:.8}
.users{display:flex;flex-wrap:wrap;justify-content:center;gap:4px 10px;margin:0 0 8px}
.users .code{display:none}
.users label{display:flex;align-items:center;gap:3px;font-size:12px}
.users img{width:16px;height:16px;border-radius:2px}
button{display:inline-block;width:136px;margin:0 2px;padding:6px 0;border:0;border-radius:4px;font-size:12px;cursor:pointer}
.allow{background:#07c160;color:#fff}
.deny{background:#e5e5e5;color:#191919}
body.lite .tip,body.lite .app{font-size:12px}
`

export interface QrconnectPageInput {
  action: string
  appName: string
  params: Record<string, string>
  display: QrconnectDisplay
  /** Seeds the picture, so one login attempt always shows the same code. */
  qrSeed: string
  users: readonly TestUser[]
  currentUserId: string
  mockBase: string
  /** CSP nonce of the page's one inline script. */
  nonce: string
}

/** The website-login QR page, full page or (login_type=jssdk) WxLogin's compact iframe content. */
export function qrconnectPage(input: QrconnectPageInput): string {
  const { display } = input
  const qrPixels = display.embedded ? (display.stylelite ? 120 : 150) : 260
  const bodyClass = display.embedded
    ? `embedded style-${display.style}${display.stylelite ? ' lite' : ''}`
    : 'full'
  const link =
    display.href === undefined ? '' : `<link rel="stylesheet" href="${escapeHtml(display.href)}">`
  const script = display.embedded ? embeddedScript(input.nonce) : ''
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>微信登录</title><style>${display.embedded ? EMBEDDED_CSS : FULL_CSS}</style>${link}</head>` +
    `<body class="${bodyClass}"><div class="card" data-testid="wechat-qrconnect"` +
    ` data-embedded="${display.embedded}" data-style="${display.style}"` +
    ` data-stylelite="${display.stylelite ? 1 : 0}" data-self-redirect="${display.selfRedirect}">` +
    '<h1>微信登录</h1>' +
    `<div class="qr">${qrSvg(input.qrSeed, qrPixels)}</div>` +
    '<p class="tip">使用微信扫一扫登录</p>' +
    `<p class="app">“${escapeHtml(input.appName)}”</p>` +
    `<form id="qr-form" method="post" action="${escapeHtml(input.action)}">` +
    hiddenFields(input.params) +
    userPicker(
      input.users,
      input.currentUserId,
      input.mockBase,
      '扫码的手机上登录的测试用户（本地模拟）',
    ) +
    '<button class="allow" type="submit" name="decision" value="allow" data-testid="wechat-approve">模拟手机扫码并确认登录</button>' +
    '<button class="deny" type="submit" name="decision" value="deny" data-testid="wechat-deny">模拟手机上取消登录</button>' +
    `</form></div>${script}</body></html>`
  )
}

/**
 * In WxLogin's iframe the form is sent with fetch and the page navigates itself: WxLogin sandboxes
 * its iframe with `allow-scripts allow-top-navigation allow-same-origin` and no `allow-forms`, so a
 * plain form submit would be blocked there. Navigating right after the click keeps the click's user
 * activation, which browsers require before a cross-origin frame may navigate the top window.
 * Without script the form still posts (see qrconnect.ts for what the confirm step answers).
 */
function embeddedScript(nonce: string): string {
  // Click handlers, not `submit`: a sandbox without allow-forms blocks the submission before any
  // submit event fires, while a click's preventDefault stops it first.
  return (
    `<script nonce="${escapeHtml(nonce)}">(function(){` +
    "var f=document.getElementById('qr-form');" +
    'function send(decision){var b=new URLSearchParams(new FormData(f));' +
    "b.set('decision',decision);" +
    "fetch(f.action,{method:'POST',headers:{accept:'application/json'},body:b})" +
    '.then(function(r){return r.json()}).then(function(j){' +
    "if(j.redirect){(j.target==='top'?window.top:window).location.href=j.redirect;return}" +
    "var p=document.createElement('p');p.setAttribute('data-testid','wechat-error');" +
    "p.setAttribute('data-errcode',String(j.error&&j.error.errcode));" +
    "p.textContent=j.error?j.error.message:'该链接无法访问';document.body.replaceChildren(p)})}" +
    "f.querySelectorAll('button[name=decision]').forEach(function(button){" +
    "button.addEventListener('click',function(e){e.preventDefault();send(button.value)})})" +
    '})()</script>'
  )
}

/**
 * What the confirm step answers a plain form post from the iframe with when the top window is to
 * go to the callback (WxLogin's default): a script sets `window.top.location`, and a link does the
 * same by hand where the browser refuses that (no user activation, no `allow-top-navigation`).
 */
export function topRedirectPage(url: string, nonce: string): string {
  // JSON.stringify quotes the URL as a JS string; `<` escaped so `</script>` cannot end the block.
  const literal = JSON.stringify(url).replace(/</g, '\\u003c')
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>微信登录</title></head>' +
    `<body><script nonce="${escapeHtml(nonce)}">try{window.top.location.href=${literal}}catch(e){}</script>` +
    `<p><a data-testid="wechat-continue" target="_top" href="${escapeHtml(url)}">返回网站</a></p>` +
    '</body></html>'
  )
}
