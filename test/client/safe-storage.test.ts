import { describe, expect, it } from 'vitest'
import { safeStorage } from '../../client/safe-storage'
import { memoryStorage } from './helpers'

function throwingStorage(): Storage {
  const fail = (): never => {
    throw new DOMException('denied', 'SecurityError')
  }
  return { length: 0, key: fail, getItem: fail, setItem: fail, removeItem: fail, clear: fail }
}

describe('safeStorage', () => {
  it('reads and writes JSON through to a working storage, under its key prefix', () => {
    const raw = memoryStorage()
    const storage = safeStorage(() => raw, 'p:')
    storage.set('k', { a: 1 })
    expect(raw.getItem('p:k')).toBe('{"a":1}')
    expect(storage.get('k')).toEqual({ a: 1 })
    storage.remove('k')
    expect(raw.getItem('p:k')).toBeNull()
  })

  it('reads a missing key as null', () => {
    expect(safeStorage(() => memoryStorage(), 'p:').get('k')).toBeNull()
  })

  it('reads corrupt JSON as null', () => {
    const raw = memoryStorage()
    raw.setItem('p:k', '{"a":')
    expect(safeStorage(() => raw, 'p:').get('k')).toBeNull()
  })

  it('falls back to memory when getItem and setItem throw', () => {
    const storage = safeStorage(() => throwingStorage(), 'p:')
    expect(() => storage.set('k', 'v')).not.toThrow()
    expect(storage.get('k')).toBe('v')
  })

  it('falls back to memory when reading the storage itself throws', () => {
    const storage = safeStorage(() => {
      throw new DOMException('denied', 'SecurityError')
    }, 'p:')
    storage.set('k', 'v')
    expect(storage.get('k')).toBe('v')
  })

  it('keeps a value written after the quota is exceeded', () => {
    const raw = memoryStorage()
    raw.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError')
    }
    const storage = safeStorage(() => raw, 'p:')
    storage.set('k', 'v')
    expect(storage.get('k')).toBe('v')
  })

  it('tells a write kept only in memory (it will not survive the page) from a stored one', () => {
    const full = memoryStorage()
    full.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError')
    }
    expect(safeStorage(() => memoryStorage(), 'p:').set('k', [1])).toBeFalsy()
    expect(safeStorage(() => full, 'p:').set('k', [1])).toBeTruthy()
    expect(safeStorage(() => undefined, 'p:').set('k', [])).toBeTruthy()
  })

  it('works in memory when there is no storage at all', () => {
    const storage = safeStorage(() => undefined, 'p:')
    storage.set('k', 'v')
    storage.remove('k')
    expect(storage.get('k')).toBeNull()
  })
})
