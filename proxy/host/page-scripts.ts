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
}

const SHA256_SOURCE = /^sha256-[A-Za-z0-9+/]{43}=$/

/** The inline-script hashes the build in `dir` declares; none when it declares nothing. */
export function readScriptHashes(dir: string): string[] {
  const file = resolve(dir, PAGE_SCRIPTS_FILE)
  if (!existsSync(file)) return []
  const { scriptHashes } = JSON.parse(readFileSync(file, 'utf8')) as Partial<PageScripts>
  // Hashes only: the file must never widen script-src to anything else ('unsafe-inline', a host).
  if (!Array.isArray(scriptHashes) || !scriptHashes.every((h) => SHA256_SOURCE.test(String(h)))) {
    throw new Error(`${file}: scriptHashes must be a list of sha256-<base64> CSP hashes`)
  }
  return scriptHashes
}
