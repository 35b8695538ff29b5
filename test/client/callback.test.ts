import { describe, expect, it } from 'vitest'
import { parseCallback, stripCallback } from '../../client/helpers'

describe('parseCallback', () => {
  it('reads code and state from the query of a history-mode URL', () => {
    expect(parseCallback('https://a.com/orders?id=1&code=C1&state=S1')).toEqual({
      code: 'C1',
      state: 'S1',
    })
  })

  it('reads code and state placed before the hash of a hash-mode URL', () => {
    expect(parseCallback('https://a.com/?code=C1&state=S1#/page')).toEqual({
      code: 'C1',
      state: 'S1',
    })
  })

  it('reads code and state from a query inside the hash', () => {
    expect(parseCallback('https://a.com/#/page?code=C1&state=S1')).toEqual({
      code: 'C1',
      state: 'S1',
    })
  })

  it('prefers the query before the hash when both carry a callback', () => {
    expect(parseCallback('https://a.com/?code=A&state=SA#/page?code=B&state=SB')).toEqual({
      code: 'A',
      state: 'SA',
    })
  })

  it('returns the state alone when the user denied consent', () => {
    expect(parseCallback('https://a.com/?state=S1')).toEqual({ code: null, state: 'S1' })
  })

  it('keeps a value whole up to its own end, a second # or ? inside it included', () => {
    expect(parseCallback('https://a.com/#/p?code=C#x&state=S')).toEqual({ code: 'C#x', state: 'S' })
    expect(parseCallback('https://a.com/p?code=1?x&state=S')).toEqual({ code: '1?x', state: 'S' })
    expect(parseCallback('https://a.com/p?code=1\n2&state=S')).toEqual({ code: '1\n2', state: 'S' })
  })

  it('reads a doubled ? as URLSearchParams does: the second one is part of the name', () => {
    expect(parseCallback('https://a.com/p??state=1')).toBeNull()
  })

  it('returns null when there is no callback', () => {
    expect(parseCallback('https://a.com/?from=singlemessage&isappinstalled=0#/page?x=1')).toBeNull()
  })
})

describe('stripCallback', () => {
  it('removes code and state and keeps shared-link params in order', () => {
    expect(
      stripCallback('https://a.com/p?from=singlemessage&code=C&isappinstalled=0&state=S'),
    ).toBe('https://a.com/p?from=singlemessage&isappinstalled=0')
  })

  it('leaves no dangling ? when only code and state were there', () => {
    expect(stripCallback('https://a.com/orders?code=C&state=S')).toBe('https://a.com/orders')
  })

  it('keeps the hash route of a hash-mode URL', () => {
    expect(stripCallback('https://a.com/app/?from=timeline&code=C&state=S#/orders?id=2')).toBe(
      'https://a.com/app/?from=timeline#/orders?id=2',
    )
  })

  it('removes code and state from a query inside the hash', () => {
    expect(stripCallback('https://a.com/?x=1#/page?tab=2&code=C&state=S')).toBe(
      'https://a.com/?x=1#/page?tab=2',
    )
  })

  it('removes them from both places at once', () => {
    expect(stripCallback('https://a.com/?code=A&state=SA#/page?code=B&state=SB')).toBe(
      'https://a.com/#/page',
    )
  })

  it('keeps the encoding of other params byte for byte', () => {
    expect(stripCallback('https://a.com/?q=%E4%BD%A0+%20&code=C&state=S&r=a%2Fb')).toBe(
      'https://a.com/?q=%E4%BD%A0+%20&r=a%2Fb',
    )
  })

  it('does not remove params whose names only contain code or state', () => {
    expect(stripCallback('https://a.com/?promo_code=X&statement=1&code=C')).toBe(
      'https://a.com/?promo_code=X&statement=1',
    )
  })

  it('returns a URL without a callback unchanged', () => {
    const href = 'https://a.com/a/b?from=singlemessage&isappinstalled=0#/x?y=1'
    expect(stripCallback(href)).toBe(href)
  })

  it('drops the #wechat_redirect marker the browser carries over from the authorize URL', () => {
    expect(stripCallback('https://a.com/p?from=timeline&code=C&state=S#wechat_redirect')).toBe(
      'https://a.com/p?from=timeline',
    )
  })
})
