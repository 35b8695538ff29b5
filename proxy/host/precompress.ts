import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { extname, join, sep } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { RequestHandler, Response } from 'express'
import Negotiator from 'negotiator'

/**
 * Precompressed assets (docs/deploy.md#compression): the build writes `x.js.br` and `x.js.gz` beside
 * each text file, at the highest levels (once per build, so the time is free), and the server sends
 * the one the browser accepts without compressing anything per request. nginx does the same with
 * `brotli_static` and `gzip_static`.
 */

/** Text types worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.svg',
  '.json',
  '.txt',
  '.xml',
  '.map',
])
/** Below this a response fits in a packet or two either way. */
const MIN_BYTES = 1024

/** The encodings written, in the server's order of preference, with their file suffix. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const

/** Every file under `dir`, as paths relative to it with forward slashes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split(sep).join('/'))
}

/**
 * Writes the `.br` and `.gz` of every compressible file of `dir` over 1 KB that compression makes
 * smaller. Returns how many files it compressed.
 */
export function precompressDir(dir: string): number {
  let count = 0
  for (const path of filesUnder(dir)) {
    if (!COMPRESSIBLE.has(extname(path))) continue
    const file = join(dir, path)
    // A copy from an earlier build (an output folder not emptied) must never outlive its original.
    for (const { suffix } of ENCODINGS) rmSync(file + suffix, { force: true })
    const raw = readFileSync(file)
    if (raw.length < MIN_BYTES) continue
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    })
    const gz = gzipSync(raw, { level: 9 })
    if (br.length < raw.length) writeFileSync(`${file}.br`, br)
    if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz)
    count++
  }
  return count
}

/** URL path (`/assets/x.js`) -> the encodings written for that file, in preference order. */
export type Precompressed = Map<string, string[]>

/** The precompressed files of the build in `dir`, found once at start. */
export function findPrecompressed(dir: string): Precompressed {
  const files = new Set(filesUnder(dir))
  const found: Precompressed = new Map()
  for (const path of files) {
    if (!COMPRESSIBLE.has(extname(path))) continue
    const encodings = ENCODINGS.filter(({ suffix }) => files.has(path + suffix))
    if (encodings.length)
      found.set(
        `/${path}`,
        encodings.map(({ name }) => name),
      )
  }
  return found
}

/**
 * Chooses the encoding of `path` (a URL path of the build) for a request's `Accept-Encoding` and
 * prepares `res` for it: `Vary: Accept-Encoding` on every compressible file, then the original's
 * Content-Type and `Content-Encoding`. Returns the suffix of the file to send, `''` for the
 * original. Between encodings the browser ranks alike, ours decides: browsers list `br` after
 * `gzip` (`gzip, deflate, br, zstd`) but it is the smaller.
 */
export function chooseEncoding(
  precompressed: Precompressed,
  path: string,
  acceptEncoding: string | undefined,
  res: Response,
): string {
  if (!COMPRESSIBLE.has(extname(path))) return ''
  res.vary('Accept-Encoding')
  const encodings = precompressed.get(path)
  if (!encodings) return ''
  // `identity` last: the original whenever the browser ranks it higher or accepts neither.
  const available = [...encodings, 'identity']
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } })
  // negotiator 1 takes the server's order for ties (`preferred`); its types predate it.
  const ranked = (negotiator.encodings as (a: string[], o: { preferred: string[] }) => string[])(
    available,
    { preferred: available },
  )
  const encoding = ENCODINGS.find(({ name }) => name === ranked[0])
  if (!encoding) return ''
  // send takes the type from the file name, which would be the .br's: set it from the original's.
  res.type(extname(path))
  res.setHeader('Content-Encoding', encoding.name)
  return encoding.suffix
}

/**
 * In front of express.static: a GET or HEAD for a file of the build that has a precompressed copy
 * the browser accepts is served that copy, with its headers right.
 */
export function servePrecompressed(precompressed: Precompressed): RequestHandler {
  return (req, res, next) => {
    // Origin-form targets only (`/assets/x.js?v=1`): the copy's name goes between path and query.
    const read = req.method === 'GET' || req.method === 'HEAD'
    if (!read || !req.url.startsWith('/')) return next()
    const suffix = chooseEncoding(precompressed, req.path, req.headers['accept-encoding'], res)
    if (suffix) req.url = req.url.replace(/^[^?]*/, (path) => path + suffix)
    next()
  }
}
