import { describe, expect, it } from 'vitest'
import { ENTRIES, measure } from '../../scripts/size'

// The same measurement as `npx tsx scripts/size.ts` (esbuild minify, peers external, gzip -9), so the
// test and docs/benchmarks.md cannot disagree.
const budgeted = ENTRIES.filter((entry) => entry.budget !== undefined)

describe('size budget', () => {
  it.each(budgeted.map((entry) => [entry.name, entry] as const))(
    '%s stays within its gzipped budget',
    async (_name, entry) => {
      const { gzipBytes, budget } = await measure(entry)
      expect(gzipBytes).toBeLessThanOrEqual(budget as number)
    },
  )
})
