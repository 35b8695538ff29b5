import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { build } from 'vite'
import { wechatAuthDev, type WechatAuthDevOptions } from '../../proxy/host/vite-plugin.js'

// What `vite build` makes of an app using the kit, with the plugin: the kit imports axios on its
// first call (client/api.ts), and the page asks for that chunk up front only when the first call
// comes at boot, i.e. without the pre-boot script.

const ROOT = resolve('.')
// In the project's scratch folder (as the e2e builds), so that the apps' `import 'axios'` resolves
// from its node_modules.
mkdirSync(join(ROOT, '.tmp-e2e'), { recursive: true })
const work = mkdtempSync(join(ROOT, '.tmp-e2e/vite-plugin-build-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Builds an app whose entry makes the kit's first call, or that imports axios itself too. */
async function buildApp(
  name: string,
  options: WechatAuthDevOptions,
  appImportsAxios = false,
): Promise<{ html: string; assets: Map<string, string> }> {
  const dir = join(work, name)
  const entry = join(dir, 'main.ts')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module" src="./main.ts"></script></body></html>',
  )
  writeFileSync(
    entry,
    [
      `import { createProxyClient } from ${JSON.stringify(join(ROOT, 'client/api.ts'))}`,
      appImportsAxios ? `import axios from 'axios'\nconsole.log(axios.VERSION)` : '',
      `void createProxyClient()({ path: '/config' })`,
    ].join('\n'),
  )
  await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [wechatAuthDev({ precompress: false, env: { WECHAT_MOCK: '1' }, ...options })],
    build: { outDir: join(dir, 'dist'), emptyOutDir: true },
  })
  const assets = new Map<string, string>()
  for (const file of readdirSync(join(dir, 'dist/assets'))) {
    assets.set(`/assets/${file}`, readFileSync(join(dir, 'dist/assets', file), 'utf8'))
  }
  return { html: readFileSync(join(dir, 'dist/index.html'), 'utf8'), assets }
}

/** A string of axios's own code that minification keeps. */
const AXIOS_CODE = 'ERR_BAD_RESPONSE'

const preloads = (html: string) =>
  [...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1])

describe('wechatAuthDev in the build: where axios comes from', () => {
  it('without the pre-boot script, the page asks for the kit’s axios chunk with itself', async () => {
    const { html, assets } = await buildApp('plain', {})
    const [href, ...others] = preloads(html)
    expect(others).toEqual([])
    // The preloaded file is axios's chunk; the entry has none of axios.
    const entry = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1]
    expect(assets.get(href!)).toContain(AXIOS_CODE)
    expect(assets.get(entry!)).not.toContain(AXIOS_CODE)
  })

  it('with the pre-boot script, the callback page does not spend its bandwidth on axios', async () => {
    const { html, assets } = await buildApp('preboot', { preboot: true })
    expect(preloads(html)).toEqual([])
    // axios is still a chunk of its own, fetched on the kit's first call.
    expect([...assets.values()].filter((code) => code.includes(AXIOS_CODE))).toHaveLength(1)
  })

  it('adds nothing when the app bundles axios itself', async () => {
    const { html } = await buildApp('own-axios', {}, true)
    expect(preloads(html)).toEqual([])
  })
})
