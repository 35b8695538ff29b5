#!/usr/bin/env node
// The proxy package's command (`npx wechat-h5-auth-proxy keys ...`, `npm run keys -- ...`): see keys-command.ts.
import { main } from './keys-command.js'

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
