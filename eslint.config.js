import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-server/**',
      'node_modules/**',
      'coverage/**',
      '.tmp-e2e/**',
      'client/lib/**',
      'proxy/lib/**',
      'test/fixtures/package/**/node_modules/**',
      'test/fixtures/package/**/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    // The demo and the one process entry may talk to the console; the library may not.
    files: ['client/demo/**', 'proxy/host/server.ts', 'scripts/**', 'test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  prettier,
)
