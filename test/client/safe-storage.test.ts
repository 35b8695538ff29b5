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
  it('reads and writes through to a working storage', () => {
    const raw = memoryStorage()
    const storage = safeStorage(() => raw)
    storage.setItem('k', 'v')
    expect(raw.getItem('k')).toBe('v')
    expect(storage.keys()).toEqual(['k'])
  })

  it('falls back to memory when getItem and setItem throw', () => {
    const storage = safeStorage(() => throwingStorage())
    expect(() => storage.setItem('k', 'v')).not.toThrow()
    expect(storage.getItem('k')).toBe('v')
  })

  it('falls back to memory when reading the storage itself throws', () => {
    const storage = safeStorage(() => {
      throw new DOMException('denied', 'SecurityError')
    })
    storage.setItem('k', 'v')
    expect(storage.getItem('k')).toBe('v')
    expect(storage.keys()).toEqual(['k'])
  })

  it('keeps a value written after the quota is exceeded', () => {
    const raw = memoryStorage()
    raw.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError')
    }
    const storage = safeStorage(() => raw)
    storage.setItem('k', 'v')
    expect(storage.getItem('k')).toBe('v')
  })

  it('works in memory when there is no storage at all', () => {
    const storage = safeStorage(() => undefined)
    storage.setItem('k', 'v')
    storage.removeItem('k')
    expect(storage.getItem('k')).toBeNull()
  })
})
