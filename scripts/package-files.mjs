// A package's prepack (client/ or proxy/, run in that folder): the repository's LICENSE and
// CHANGELOG.md go into the tarball beside the package's own README.md. Both are git-ignored copies.
import { copyFileSync } from 'node:fs'

for (const file of ['LICENSE', 'CHANGELOG.md'])
  copyFileSync(new URL(`../${file}`, import.meta.url), file)
