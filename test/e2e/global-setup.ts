import { spawnSync } from 'node:child_process'

// The browser tests need Debian's Chromium: install it when missing, fail loudly when that is impossible.
export default function setup(): void {
  const result = spawnSync('bash', ['scripts/ensure-chromium.sh'], { stdio: 'inherit' })
  if (result.status !== 0) {
    throw new Error('Chromium is required for the browser tests and could not be installed')
  }
}
