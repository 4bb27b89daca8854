// @ts-check
/**
 * Lint enforces the architecture, not only style: dependencies point one way
 * (web -> phone -> shared, server -> shared, cli -> server -> shared, cli -> demo-phone -> shared), shared
 * code imports neither Node nor the DOM, the server never imports web or phone code, and the demo phone
 * system (a local Kamailio for trying calls) is a tool the CLI starts, never part of the server.
 */
import js from '@eslint/js';
import globals from 'globals';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'stream',
  'url',
  'child_process',
  'worker_threads',
];

/** @param {string[]} groups @param {string} message */
const banImports = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'test-results/**',
      'coverage/**',
      'bench/results/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: { 'vue/multi-word-component-names': 'error' },
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      ...banImports(
        [...nodeBuiltins, '**/server/**', '**/web/**', '**/phone/**', '**/cli/**'],
        'shared code imports neither Node, the DOM, nor other layers',
      ),
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'process',
        'Buffer',
        '__dirname',
        'require',
        'localStorage',
      ],
    },
  },
  {
    files: ['src/server/**/*.ts', 'src/cli/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: banImports(
      ['**/web/**', '**/phone/**', 'vue', 'pinia', 'jssip', '@telnyx/webrtc'],
      'the server never imports browser code',
    ),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: banImports(
      [
        '**/web/**',
        '**/phone/**',
        '**/demo-phone/**',
        '**/cli/**',
        'vue',
        'pinia',
        'jssip',
        '@telnyx/webrtc',
      ],
      'the server never imports browser code, the CLI, or the demo phone system (a tool the CLI starts)',
    ),
  },
  {
    files: ['src/demo-phone/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: banImports(
      ['**/server/**', '**/web/**', '**/phone/**', '**/cli/**', 'vue', 'pinia', 'jssip', '@telnyx/webrtc'],
      'the demo phone system depends only on Node and shared code; the CLI hands it the demo data',
    ),
  },
  {
    files: ['src/phone/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: banImports(
      [...nodeBuiltins, '**/server/**', '**/web/**', '**/cli/**'],
      'the phone depends only on shared code and browser APIs',
    ),
  },
  {
    files: ['src/web/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, '**/server/**', '**/cli/**', 'jssip', '@telnyx/webrtc'],
              message: 'the page talks to the softphone interface, never to a SIP library or the server code',
            },
            {
              // The phone's public surface is its index; adapters load lazily through createSoftphone().
              group: ['**/phone/**', '!**/phone/index.js'],
              message: 'import the phone only from src/phone/index.ts (its public surface)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,js,mjs}', '*.config.{ts,js}', 'bin/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Tests read arbitrary JSON bodies and page globals; typing every one adds noise, not safety.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Last: Prettier owns formatting, so lint's layout rules (incl. Vue template layout) step aside.
  prettierConfig,
);
