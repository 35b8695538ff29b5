import { describe, expect, it } from 'vitest'
import { safeReturnPath } from '../../client/index'

const hostile: unknown[] = [
  '//evil.com',
  '///evil.com',
  '//evil.com/profile',
  '/\\evil.com',
  '/\\/evil.com',
  '\\\\evil.com',
  '/profile\\..\\..\\evil',
  'https://evil.com',
  'http://evil.com/profile',
  'HTTPS://evil.com',
  'javascript:alert(1)',
  'JavaScript:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'evil.com',
  'profile',
  '?next=/profile',
  '#/profile',
  '',
  ' /profile',
  '/profile ',
  '/profile\u00a0',
  '/profile\n',
  '/\t/evil.com',
  '/\n/evil.com',
  '/\r/evil.com',
  '/\u0000',
  '/%2F%2Fevil.com',
  '/%2f%2fevil.com',
  '%2F%2Fevil.com',
  '/%5Cevil.com',
  '/%5cevil.com',
  '/%252F%252Fevil.com',
  '/%25252F%25252Fevil.com',
  '/%09/evil.com',
  '/%0A/evil.com',
  '/%00',
  '/profile%20',
  '/..//evil.com',
  '/%2e%2e%2f%2fevil.com',
  '/%2F%2Fevil.com%',
  '/%2F%2Fevil.com%E4',
  null,
  undefined,
  42,
  ['/profile'],
  { path: '/profile' },
]

const good = [
  '/',
  '/profile',
  '/a?b=c#d',
  '/orders?id=1&from=singlemessage',
  '/search?q=a%20b',
  '/login?next=https://h5.example.com/',
  '/files/a%2Fb',
  '/discount/50%',
  '/%E4%BD%A0%E5%A5%BD',
]

describe('safeReturnPath', () => {
  it.each(hostile.map((input) => [JSON.stringify(input) ?? String(input), input]))(
    'refuses %s',
    (_, input) => {
      expect(safeReturnPath(input)).toBe('/')
    },
  )

  it.each(good)('keeps %s', (path) => {
    expect(safeReturnPath(path)).toBe(path)
  })

  it('answers the fallback it is given', () => {
    expect(safeReturnPath('//evil.com', '/home')).toBe('/home')
  })
})
