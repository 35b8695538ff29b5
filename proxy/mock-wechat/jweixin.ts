/**
 * The stand-in for `jweixin-1.6.0.js` (docs/wechat.md#js-sdk-signing): a classic browser script
 * (ES2017, no modules, no eval) defining `window.wx` (and `window.jWeixin`) like the real one.
 *
 * - `wx.config(c)` posts `{appId, timestamp, nonceStr, signature, url, jsApiList}` to the mock's
 *   `POST __jssdk/config`, `url` being the one WeChat on this platform checks
 *   (docs/wechat.md#signed-url): iOS (iPhone/iPad/iPod in the user agent) the landing URL, that is
 *   the navigation entry's (untouched by pushState/replaceState; the URL at script load when there
 *   is none), elsewhere the current `location.href`; both without the fragment. On `config:ok` the
 *   `ready` callbacks run, once per page load however often config runs (later ones at once); on
 *   anything else the `error` callbacks get `{errMsg}` (later ones at once while it stays failed).
 *   A config answered after a newer one started is ignored.
 * - `wx.updateAppMessageShareData(o)` / `wx.updateTimelineShareData(o)` push
 *   `{api, title, desc, link, imgUrl}` onto `window.__mockWechatShares` at once, report it to
 *   `POST __jssdk/share`, then call `o.success` (or `o.fail`) and `o.complete` with `{errMsg}`:
 *   `<api>:ok` only when the config succeeded, listed the API, and the link is on a JS接口安全域名.
 * - `wx.checkJsApi({jsApiList, success})`: true for the APIs the stand-in has.
 * - `debug: true` shows no alerts (a headless browser would block on them).
 *
 * The mock's base URL is read from the script's own `src`; `fallbackBase` (the mock's mount path)
 * serves when `document.currentScript` is missing.
 */
const SOURCE = String.raw`(function (fallbackBase) {
  'use strict'
  // Like the real script: a second copy on the page keeps the first one's state.
  if (window.jWeixin) return
  var script = document.currentScript
  var base = script && script.src
    ? script.src.replace(/\/open\/js\/[^/]*$/, '')
    : new URL(fallbackBase, location.href).href
  var loadedAt = location.href
  var ios = /iPhone|iPad|iPod/.test(navigator.userAgent)
  var API_NAMES = ['checkJsApi', 'updateAppMessageShareData', 'updateTimelineShareData']
  var status = 'none' // 'none' | 'pending' | 'ok' | 'failed'
  var configRuns = 0
  var lastError = null
  var readyFired = false
  var readyCallbacks = []
  var errorCallbacks = []
  var listed = []
  var shares = (window.__mockWechatShares = window.__mockWechatShares || [])

  function withoutFragment(url) {
    var at = url.indexOf('#')
    return at === -1 ? url : url.slice(0, at)
  }

  function checkedUrl() {
    if (!ios) return withoutFragment(location.href)
    var entries = performance.getEntriesByType ? performance.getEntriesByType('navigation') : []
    var landing = entries.length > 0 ? entries[0].name : ''
    return withoutFragment(landing || loadedAt)
  }

  // A throwing callback must not stop the others: rethrown on its own turn.
  function call(fn, arg) {
    try {
      fn(arg)
    } catch (error) {
      setTimeout(function () {
        throw error
      })
    }
  }

  function errMsgOf(path, body, otherwise) {
    // text/plain keeps it a simple request: no preflight when the mock is on another origin.
    return fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.ok ? response.json() : {}
      })
      .then(function (answer) {
        return typeof answer.errMsg === 'string' ? answer.errMsg : otherwise
      })
      .catch(function () {
        return otherwise
      })
  }

  function text(value) {
    return typeof value === 'string' ? value : value == null ? '' : String(value)
  }

  function config(c) {
    c = c || {}
    var run = ++configRuns
    status = 'pending'
    lastError = null
    listed = Array.isArray(c.jsApiList) ? c.jsApiList.slice() : []
    var check = {
      appId: c.appId,
      timestamp: c.timestamp,
      nonceStr: c.nonceStr,
      signature: c.signature,
      url: checkedUrl(),
      jsApiList: listed,
    }
    errMsgOf('/__jssdk/config', check, 'config:fail').then(function (errMsg) {
      if (run !== configRuns) return
      if (errMsg === 'config:ok') {
        status = 'ok'
        if (readyFired) return
        readyFired = true
        readyCallbacks.splice(0).forEach(function (fn) {
          call(fn)
        })
        return
      }
      status = 'failed'
      lastError = { errMsg: errMsg }
      errorCallbacks.slice().forEach(function (fn) {
        call(fn, lastError)
      })
    })
  }

  function share(api, o) {
    o = o || {}
    var record = {
      api: api,
      title: text(o.title),
      desc: text(o.desc),
      link: text(o.link),
      imgUrl: text(o.imgUrl),
    }
    shares.push(record)
    var configured = status === 'ok'
    var refused = ''
    if (status === 'pending') refused = api + ':fail, the permission value is offline verifying'
    else if (!configured || listed.indexOf(api) === -1) refused = api + ':permission denied'
    var report = Object.assign({ configured: configured }, record)
    errMsgOf('/__jssdk/share', report, api + ':fail').then(function (errMsg) {
      var result = { errMsg: refused || errMsg }
      var done = /:ok$/.test(result.errMsg) ? o.success : o.fail
      if (typeof done === 'function') call(done, result)
      if (typeof o.complete === 'function') call(o.complete, result)
    })
  }

  var wx = {
    config: config,
    ready: function (fn) {
      if (typeof fn !== 'function') return
      if (readyFired) call(fn)
      else readyCallbacks.push(fn)
    },
    error: function (fn) {
      if (typeof fn !== 'function') return
      errorCallbacks.push(fn)
      if (status === 'failed') call(fn, lastError)
    },
    checkJsApi: function (o) {
      o = o || {}
      var checkResult = {}
      ;(Array.isArray(o.jsApiList) ? o.jsApiList : []).forEach(function (name) {
        checkResult[name] = API_NAMES.indexOf(name) !== -1
      })
      setTimeout(function () {
        var result = { checkResult: checkResult, errMsg: 'checkJsApi:ok' }
        if (typeof o.success === 'function') call(o.success, result)
        if (typeof o.complete === 'function') call(o.complete, result)
      })
    },
    updateAppMessageShareData: function (o) {
      share('updateAppMessageShareData', o)
    },
    updateTimelineShareData: function (o) {
      share('updateTimelineShareData', o)
    },
  }
  window.wx = window.jWeixin = wx
})`

/** The script served at `open/js/jweixin-1.6.0.js`, for a mock mounted at `mountPath`. */
export function jweixinScript(mountPath: string): string {
  return `${SOURCE}(${JSON.stringify(mountPath)})\n`
}
