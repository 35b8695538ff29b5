import { afterEach, describe, expect, it, vi } from 'vitest'
import { randomString } from '../../client/random'

afterEach(() => vi.restoreAllMocks())

describe('randomString', () => {
  it('returns 32 random bytes as 64 alphanumeric characters', () => {
    expect(randomString()).toMatch(/^[0-9a-f]{64}$/)
  })

  it('returns a different value each call', () => {
    expect(randomString()).not.toBe(randomString())
  })

  it('draws its bytes from crypto.getRandomValues', () => {
    const spy = vi
      .spyOn(crypto, 'getRandomValues')
      .mockImplementation((array: ArrayBufferView<ArrayBuffer>) => {
        if (array instanceof Uint8Array) array.fill(0x0b)
        return array
      })
    expect(randomString()).toBe('0b'.repeat(32))
    expect(spy).toHaveBeenCalledOnce()
  })
})
