import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import {
  chooseEncoding,
  findPrecompressed,
  precompressDir,
  servePrecompressed,
} from '../../proxy/host/precompress.js'
import { listenOnLoopback } from '../helpers/net.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A built app: a large script, a small one, a page and an image. */
function buildLike(): string {
  const dir = mkdtempSync(join(tmpdir(), 'precompress-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets/app-1a2b.js'), 'export const x = "wechat";\n'.repeat(400))
  writeFileSync(join(dir, 'assets/tiny-3c4d.js'), 'export {}\n')
  writeFileSync(join(dir, 'index.html'), `<!doctype html>${'<p>登录</p>'.repeat(200)}`)
  writeFileSync(join(dir, 'assets/logo.png'), Buffer.alloc(4096, 7))
  return dir
}

describe('precompressDir (the build)', () => {
  it('writes a .br and a .gz of each text file over 1 KB that decompress to the original', () => {
    const dir = buildLike()
    expect(precompressDir(dir)).toBe(2)
    for (const file of ['assets/app-1a2b.js', 'index.html']) {
      const original = readFileSync(join(dir, file))
      expect(brotliDecompressSync(readFileSync(join(dir, `${file}.br`)))).toEqual(original)
      expect(gunzipSync(readFileSync(join(dir, `${file}.gz`)))).toEqual(original)
    }
  })

  it('removes the copies an earlier build left of a file that now goes uncompressed', () => {
    const dir = buildLike()
    precompressDir(dir)
    writeFileSync(join(dir, 'index.html'), '<!doctype html><p>small now</p>')
    precompressDir(dir)
    expect(existsSync(join(dir, 'index.html.br'))).toBe(false)
    expect(existsSync(join(dir, 'index.html.gz'))).toBe(false)
  })

  it('leaves small files and images alone', () => {
    const dir = buildLike()
    precompressDir(dir)
    expect(existsSync(join(dir, 'assets/tiny-3c4d.js.gz'))).toBe(false)
    expect(existsSync(join(dir, 'assets/logo.png.gz'))).toBe(false)
    expect([...findPrecompressed(dir).keys()].sort()).toEqual([
      '/assets/app-1a2b.js',
      '/index.html',
    ])
  })
})

describe('servePrecompressed (npm start)', () => {
  async function serve(dir: string) {
    const app = express()
    app.use(servePrecompressed(findPrecompressed(dir)))
    app.use(express.static(dir))
    const server = await listenOnLoopback(app)
    return server
  }

  it('sends the encoding the browser prefers with the original type, and Vary on every answer', async () => {
    const dir = buildLike()
    precompressDir(dir)
    const server = await serve(dir)
    try {
      const get = (encoding: string) =>
        fetch(`${server.origin}/assets/app-1a2b.js`, {
          headers: { 'accept-encoding': encoding },
        }).then(async (res) => ({ res, body: Buffer.from(await res.arrayBuffer()) }))
      const original = readFileSync(join(dir, 'assets/app-1a2b.js'))
      const br = await get('gzip, deflate, br')
      expect(br.res.headers.get('content-encoding')).toBe('br')
      expect(br.res.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(br.res.headers.get('vary')).toBe('Accept-Encoding')
      const gzip = await get('gzip')
      expect(gzip.res.headers.get('content-encoding')).toBe('gzip')
      const plain = await get('identity')
      expect(plain.res.headers.get('content-encoding')).toBeNull()
      expect(plain.res.headers.get('vary')).toBe('Accept-Encoding')
      expect(plain.body).toEqual(original)
      // fetch decodes what it was sent: the bytes a browser runs are the original's.
      expect(br.body).toEqual(original)
      expect(gzip.body).toEqual(original)
    } finally {
      await server.close()
    }
  })

  it('keeps the query and serves the copy for a query-string request', async () => {
    const dir = buildLike()
    precompressDir(dir)
    const server = await serve(dir)
    try {
      const res = await fetch(`${server.origin}/assets/app-1a2b.js?v=2`, {
        headers: { 'accept-encoding': 'br' },
      })
      expect([res.status, res.headers.get('content-encoding')]).toEqual([200, 'br'])
    } finally {
      await server.close()
    }
  })

  it('prefers what the browser ranks higher, and sends the original when it refuses both', async () => {
    const dir = buildLike()
    precompressDir(dir)
    const chosen = (header: string) => {
      const res = { vary: () => res, type: () => res, setHeader: () => res }
      return chooseEncoding(
        findPrecompressed(dir),
        '/index.html',
        header,
        res as unknown as express.Response,
      )
    }
    expect(chosen('br;q=0.5, gzip')).toBe('.gz')
    expect(chosen('br, gzip')).toBe('.br')
    expect(chosen('gzip;q=0, br;q=0')).toBe('')
    expect(chosen('deflate')).toBe('')
    expect(chosen('gzip, deflate, br, zstd')).toBe('.br')
  })
})
