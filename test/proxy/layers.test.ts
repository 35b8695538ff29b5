import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// proxy/ reads top down by layer (docs/architecture.md): each file imports only from its own layer
// or the layers below it, and nothing imports in a circle, type imports included.
const PROXY = resolve('proxy')

/** Lowest first. A file of the base (proxy/*.ts but index.ts) may be imported by every layer. */
const LAYERS = ['mock-wechat', 'base', 'store', 'wechat', 'login', 'http', 'host', 'entry'] as const
type Layer = (typeof LAYERS)[number]

function layerOf(file: string): Layer {
  const path = relative(PROXY, file)
  if (path === 'index.ts') return 'entry'
  const [top] = path.split('/')
  if (top === path) return 'base'
  if (!LAYERS.includes(top as Layer)) throw new Error(`${path} is in no layer`)
  return top as Layer
}

/** The package's own build and installs are no sources. */
const NOT_SOURCES = new Set(['lib', 'node_modules'])

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return NOT_SOURCES.has(entry.name) ? [] : sourcesUnder(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

const SPECIFIER = /^\s*(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gm

/** The files of proxy/ each file imports (relative imports only), resolved to their paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourcesUnder(PROXY)) {
    const targets: string[] = []
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? ''
      if (!specifier.startsWith('.')) continue
      targets.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
    }
    graph.set(file, targets)
  }
  return graph
}

/** One import cycle as a list of repository paths, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>()
  const path: string[] = []
  const visit = (file: string): string[] | undefined => {
    const at = path.indexOf(file)
    if (at >= 0) return [...path.slice(at), file]
    if (done.has(file) || !graph.has(file)) return undefined
    path.push(file)
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target)
      if (cycle) return cycle
    }
    path.pop()
    done.add(file)
    return undefined
  }
  for (const file of graph.keys()) {
    const cycle = visit(file)
    if (cycle) return cycle.map((f) => relative(resolve('.'), f))
  }
  return undefined
}

describe('the layers of proxy/', () => {
  const graph = importGraph()

  it('finds the files and their imports', () => {
    // The checks below mean something only when the scan sees the real tree.
    expect(graph.size).toBeGreaterThan(40)
    const router = graph.get(join(PROXY, 'http/router.ts')) ?? []
    expect(router).toContain(join(PROXY, 'login/exchange.ts'))
  })

  it('imports only from the same layer or a lower one', () => {
    const upward: string[] = []
    for (const [file, targets] of graph) {
      for (const target of targets) {
        // The wire contract (types) and the pre-boot script come from the kit: below every layer.
        if (!target.startsWith(`${PROXY}/`)) {
          const kit = relative(resolve('client'), target)
          if (!['wire.ts', 'preboot.ts'].includes(kit)) upward.push(`${file} -> ${target}`)
          continue
        }
        if (LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf(layerOf(file))) {
          upward.push(`${relative(PROXY, file)} -> ${relative(PROXY, target)}`)
        }
      }
    }
    expect(upward).toEqual([])
  })

  it('has no import cycle', () => {
    expect(findCycle(graph)).toBeUndefined()
  })

  it('keeps at most 8 source files at the top of proxy/', () => {
    const top = [...graph.keys()].filter((file) => dirname(file) === PROXY)
    expect(top.length).toBeGreaterThan(0)
    expect(top.length).toBeLessThanOrEqual(8)
  })

  it('finds a cycle and an upward import when there is one', () => {
    // The checker itself: a made-up graph with a cycle is caught.
    const a = join(PROXY, 'wechat/a.ts')
    const b = join(PROXY, 'wechat/b.ts')
    const cycle = findCycle(
      new Map([
        [a, [b]],
        [b, [a]],
      ]),
    )
    expect(cycle).toHaveLength(3)
    expect(LAYERS.indexOf(layerOf(join(PROXY, 'http/x.ts')))).toBeGreaterThan(
      LAYERS.indexOf(layerOf(join(PROXY, 'login/x.ts'))),
    )
  })
})
