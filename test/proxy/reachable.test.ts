import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { createMemoryStore, reachable } from '../../proxy/store/index.js'
import type { Store } from '../../proxy/store/index.js'

/** A memory store whose every method (but `kind` and `close`) fails as a backend that is down. */
function brokenStore(): Store {
  const store = createMemoryStore()
  const broken = { ...store }
  for (const name of Object.keys(store) as (keyof Store)[]) {
    if (name === 'kind' || name === 'close') continue
    Object.assign(broken, { [name]: () => Promise.reject(new Error('ECONNREFUSED')) })
  }
  return broken
}

const METHODS = Object.keys(createMemoryStore()).filter((name) => !['kind', 'close'].includes(name))

describe('the fail-closed wrapper (reachable)', () => {
  it('wraps every method of the Store', () => {
    // A method the wrapper forgets would be missing from its answer, not merely unguarded.
    expect(Object.keys(reachable(createMemoryStore())).sort()).toEqual(
      Object.keys(createMemoryStore()).sort(),
    )
    expect(METHODS).toEqual(expect.arrayContaining(['lockCredentials', 'forgetCredential']))
  })

  it.each(METHODS)('turns a failure of %s into 503 upstream_unavailable', async (name) => {
    const method = reachable(brokenStore())[name as keyof Store] as (...args: unknown[]) => unknown
    const failure = await Promise.resolve(method('wx1', 'token', 'v', 1)).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ProxyError)
    expect(failure).toMatchObject({ code: 'upstream_unavailable', status: 503 })
  })
})
