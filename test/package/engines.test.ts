import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

interface Manifest {
  name: string
  version: string
  engines?: { node?: string }
}

const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** Every package a production install of `workspace` brings (its dependencies and installed peers). */
function productionTree(workspace: string): Manifest[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '-w', workspace], {
    encoding: 'utf8',
  })
  return out
    .split('\n')
    .filter(Boolean)
    .map((dir) => manifest(dir))
}

describe('the Node versions the proxy says it runs on', () => {
  const declared = manifest('proxy').engines?.node ?? ''

  it('is a real floor: every package it installs runs on all of them', () => {
    const narrower = productionTree('proxy')
      .filter(({ engines }) => engines?.node && !semver.subset(declared, engines.node))
      .map(({ name, version, engines }) => `${name}@${version} wants ${engines?.node}`)
    expect(narrower).toEqual([])
  })

  it('includes the Node running these tests, and the repository declares the same', () => {
    expect(semver.satisfies(process.version, declared)).toBe(true)
    expect(manifest('.').engines?.node).toBe(declared)
  })
})
