import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/**
 * Written by the Vite plugin next to the built index.html when it inlines a script there (the pre-boot
 * redirect): the script's CSP hash, so `script-src` can allow exactly that script and nothing else
 * inline. A dot-file: static serving skips it.
 */
export const PAGE_SCRIPTS_FILE = '.wechat-h5-auth.json'

export interface PageScripts {
  /** CSP hash sources without quotes: `sha256-<base64>`. */
  scriptHashes: string[]
  /**
   * The public configuration the pre-boot script was built with: the server it is deployed with
   * must answer the same, or every login would go to another app's (or the mock's) authorize page.
   */
  built?: BuiltFor
}

/**
 * What a pre-boot script sends logins to: the appid, WeChat's authorize page and the relay WeChat
 * comes back through (WECHAT_RELAY_URL; none when absent).
 */
export interface BuiltFor {
  appid: string
  authorizeBase: string
  relayUrl?: string
}

const SHA256_SOURCE = /^sha256-[A-Za-z0-9+/]{43}=$/

/** What the build in `dir` declares; no hashes when it declares nothing. */
export function readPageScripts(dir: string): PageScripts {
  const file = resolve(dir, PAGE_SCRIPTS_FILE)
  if (!existsSync(file)) return { scriptHashes: [] }
  const { scriptHashes, built } = JSON.parse(readFileSync(file, 'utf8')) as Partial<PageScripts>
  // Hashes only: the file must never widen script-src to anything else ('unsafe-inline', a host).
  if (!Array.isArray(scriptHashes) || !scriptHashes.every((h) => SHA256_SOURCE.test(String(h)))) {
    throw new Error(`${file}: scriptHashes must be a list of sha256-<base64> CSP hashes`)
  }
  return { scriptHashes, ...(built ? { built } : {}) }
}

/**
 * Why the build cannot be served with this configuration (its pre-boot script sends logins to
 * another appid or authorize page, or through another relay), or undefined when it can.
 */
export function builtForAnother(scripts: PageScripts, served: BuiltFor): string | undefined {
  const { built } = scripts
  if (!built) return undefined
  if (built.appid === served.appid && built.authorizeBase === served.authorizeBase) {
    if ((built.relayUrl ?? '') === (served.relayUrl ?? '')) return undefined
    return (
      `dist/ was built to log in through the relay ${built.relayUrl ?? '(none)'}, but this server ` +
      `is configured with ${served.relayUrl ?? 'none'} (WECHAT_RELAY_URL): its pre-boot redirect ` +
      'would send WeChat back to the wrong place. Build again with the same WECHAT_RELAY_URL.'
    )
  }
  return (
    `dist/ was built for appid ${built.appid} at ${built.authorizeBase}, but this server is ` +
    `configured for appid ${served.appid} at ${served.authorizeBase}: its pre-boot redirect would ` +
    'send every login to the wrong app. Build again with the same WECHAT_APPID (or WECHAT_MOCK=1).'
  )
}
