/** What each stable error code means to the person holding the phone. */
const MESSAGES: Record<string, string> = {
  access_denied: '没有获得你的授权。',
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
  wechat_misconfigured: '公众号登录配置有误，请联系网站管理员。',
  config_error: '登录配置缺失，请联系网站管理员。',
  unauthorized: '登录已失效，请重新登录。',
  reauth_required: '需要重新授权，请重新登录。',
}

export function errorMessage(code: string | undefined): string {
  return (code && MESSAGES[code]) || '登录失败，请重试。'
}
