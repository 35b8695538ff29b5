// The nano build: byte mode (UTF-8) only, which is all a URL needs, at about half the size.
import { generate } from 'lean-qr/nano'
import { toSvgSource } from 'lean-qr/extras/svg'

export interface QrCodeSvgOptions {
  /** Width and height of the image, in pixels. @default 200 */
  size?: number
  /** Colour of the dark modules. @default 'black' */
  on?: string
  /** Colour of the light modules and the margin. @default 'white' */
  off?: string
  /** The quiet zone around the code, in modules (scanners need about 4). @default 4 */
  pad?: number
}

/**
 * An `<svg>` QR code of `text` (e.g. the current page, for the "open in WeChat" view), generated
 * here: the URL is never sent to a QR service. Its own entry (`wechat-h5-auth/qr`): only pages
 * that show a QR code load the generator.
 */
export function qrCodeSvg(
  text: string,
  { size = 200, on = 'black', off = 'white', pad = 4 }: QrCodeSvgOptions = {},
): string {
  return toSvgSource(generate(text), { on, off, pad, width: size, height: size })
}
