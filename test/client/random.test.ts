import { describe, expect, it, vi } from 'vitest'
import { randomString } from '../../client/random'

describe('randomString', () => {
  it('returns 32 random bytes as 64 alphanumeric characters', () => {
    expect(randomString()).toMatch(/^[0-9a-f]{64}$/)
  })

  it('returns a different value each call', () => {
    expect(randomString()).not.toBe(randomString())
  })

  it('draws its bytes from crypto.getRandomValues', () => {
    const getRandomValues = vi.fn((array: Uint8Array<ArrayBuffer>) => array.fill(0xab))
    expect(randomString(4, { getRandomValues })).toBe('abababab')
    expect(getRandomValues).toHaveBeenCalledOnce()
  })
})
