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
  built?: { appid: string; authorizeBase: string }
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
 * another appid or authorize page), or undefined when it can.
 */
export function builtForAnother(
  scripts: PageScripts,
  served: { appid: string; authorizeBase: string },
): string | undefined {
  const { built } = scripts
  if (!built || (built.appid === served.appid && built.authorizeBase === served.authorizeBase)) {
    return undefined
  }
  return (
    `dist/ was built for appid ${built.appid} at ${built.authorizeBase}, but this server is ` +
    `configured for appid ${served.appid} at ${served.authorizeBase}: its pre-boot redirect would ` +
    'send every login to the wrong app. Build again with the same WECHAT_APPID (or WECHAT_MOCK=1).'
  )
}
