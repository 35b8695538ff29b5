import { createHash } from 'node:crypto'

/** Modules per side: the size of a version-2 QR code. */
const SIZE = 25
const QUIET = 2

/**
 * An inline SVG that looks like a QR code (finder, timing and alignment patterns, data modules
 * from a hash of `seed`) and encodes nothing: nobody scans the mock's code, the approve button
 * stands in for the phone. Deterministic, so a page and its snapshot look the same.
 */
export function qrSvg(seed: string, pixels: number): string {
  const bits = hashBits(seed, SIZE * SIZE)
  let path = ''
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const fixed = fixedModule(x, y)
      const dark = fixed ?? bits[y * SIZE + x] === 1
      if (dark) path += `M${x} ${y}h1v1h-1z`
    }
  }
  const box = SIZE + 2 * QUIET
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels}" height="${pixels}"` +
    ` viewBox="${-QUIET} ${-QUIET} ${box} ${box}" shape-rendering="crispEdges"` +
    ' role="img" aria-label="二维码" data-testid="wechat-qrcode">' +
    `<rect x="${-QUIET}" y="${-QUIET}" width="${box}" height="${box}" fill="#ffffff"/>` +
    `<path d="${path}" fill="#000000"/></svg>`
  )
}

/** Dark/light for the function patterns; undefined where data modules go. */
function fixedModule(x: number, y: number): boolean | undefined {
  for (const [fx, fy] of [
    [0, 0],
    [SIZE - 7, 0],
    [0, SIZE - 7],
  ] as const) {
    // The finder square plus its one-module light separator.
    if (x >= fx - 1 && x <= fx + 7 && y >= fy - 1 && y <= fy + 7) {
      const d = Math.max(Math.abs(x - (fx + 3)), Math.abs(y - (fy + 3)))
      return d === 3 || d <= 1
    }
  }
  const alignment = Math.max(Math.abs(x - 18), Math.abs(y - 18))
  if (alignment <= 2) return alignment !== 1
  if (y === 6 || x === 6) return (x + y) % 2 === 0
  return undefined
}

function hashBits(seed: string, count: number): number[] {
  const bits: number[] = []
  let block = createHash('sha256').update(`qr:${seed}`).digest()
  while (bits.length < count) {
    for (const byte of block) for (let i = 7; i >= 0; i--) bits.push((byte >> i) & 1)
    block = createHash('sha256').update(block).digest()
  }
  return bits
}
