import { defineConfig } from 'vite'

/**
 * `npm run build:kit` (the `wechat-h5-auth` package): the client entries as ESM into client/lib/, with shared chunks so
 * that every entry uses one copy of the kit's state (its injection key, its store). Peers and
 * dependencies stay imports: the app's bundler resolves them to the app's own copies.
 */
const EXTERNAL = /^(vue|vue-router|pinia|axios|lean-qr)(\/|$)/

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'client/lib',
    emptyOutDir: false,
    target: 'es2022',
    // The app's bundler minifies; readable output is easier to debug and measures the same after it.
    minify: false,
    sourcemap: false,
    lib: {
      entry: {
        index: 'client/index.ts',
        profile: 'client/profile.ts',
        helpers: 'client/helpers.ts',
        qr: 'client/qr.ts',
        'qr-login': 'client/qr-login.ts',
        jssdk: 'client/jssdk.ts',
        ui: 'client/ui.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: (id) => EXTERNAL.test(id),
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
})
