import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    // Vitest's default (one worker per core but one) is a single worker on two cores, where the unit
    // files and the package test then run one after another; they wait on sockets, Redis and child
    // processes as much as on the CPU, so two share two cores well. (e2e keeps its one file at a time.)
    maxWorkers: Math.max(availableParallelism() - 1, 2),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'test/client/**/*.test.ts',
            'test/proxy/**/*.test.ts',
            'test/mock-wechat/**/*.test.ts',
          ],
          environment: 'node',
          // The Store contract runs concurrently: its ten lifetime tests wait on Redis's real clock
          // together (about 2 s), not in turns of five.
          maxConcurrency: 16,
          // The Redis suites need a real redis-server: installed here when missing.
          globalSetup: ['test/setup/ensure-redis.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Chromium for the browser, redis-server for `npm start` on Redis.
          globalSetup: ['test/e2e/global-setup.ts', 'test/setup/ensure-redis.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          // npm pack, two npm installs, a Vite build and a browser: minutes, not seconds.
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
