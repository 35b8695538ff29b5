import { describe, expect, it } from 'vitest'
import { qrCodeSvg } from '../../client/qr'

const PAGE = 'https://h5.example.com/app/?from=singlemessage#/orders?id=1'

describe('qrCodeSvg', () => {
  it('returns an SVG document', () => {
    expect(qrCodeSvg(PAGE)).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  })

  it('is deterministic for the same text', () => {
    expect(qrCodeSvg(PAGE)).toBe(qrCodeSvg(PAGE))
  })

  it('changes with the text', () => {
    expect(qrCodeSvg(PAGE)).not.toBe(qrCodeSvg(`${PAGE}2`))
  })

  it('encodes non-ASCII text', () => {
    expect(qrCodeSvg('https://h5.example.com/活动')).not.toBe(qrCodeSvg('https://h5.example.com/'))
  })

  it('is a square of the requested size, 200 pixels by default', () => {
    expect(qrCodeSvg(PAGE)).toMatch(/ width="200" height="200"/)
    expect(qrCodeSvg(PAGE, { size: 120 })).toMatch(/ width="120" height="120"/)
  })

  it('paints the light modules, so the code scans on a dark page', () => {
    expect(qrCodeSvg(PAGE, { off: '#fff' })).toContain('fill="#fff"')
  })
})
