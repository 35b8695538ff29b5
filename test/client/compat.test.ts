import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { ENTRIES, PEERS } from '../../scripts/size'

// WeChat on iOS renders pages with the system WebKit, so the kit must parse on the oldest iOS still in
// use. Regex lookbehind, `(?<=` and `(?<!`, is a SyntaxError before iOS 16.4: one such literal stops
// the whole bundle, login included. Named groups, `(?<name>`, parse since iOS 11.3 and are fine.
const ours = ENTRIES.filter((entry) => entry.file !== undefined)

describe('browser compatibility', () => {
  it.each(ours.map((entry) => [entry.name, entry.file!] as const))(
    '%s has no regex lookbehind',
    async (_name, file) => {
      const { outputFiles } = await build({
        entryPoints: [file],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
        external: [...PEERS],
      })
      const code = outputFiles[0]?.text ?? ''
      expect(code.length).toBeGreaterThan(0)
      expect(code.match(/\(\?<[=!]/g) ?? []).toEqual([])
    },
  )
})
