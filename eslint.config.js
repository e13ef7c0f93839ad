import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layering of src/ (docs/ARCHITECTURE.md), checked on every `npm test`:
 * - storage (src/store, src/digest) imports no domain, protocol or HTTP code
 *   (only the domain's error type);
 * - the domain (src/core) imports no S3 errors, XML, HTTP or protocol code;
 * - the protocol layer (src/http, src/s3, src/auth, src/iam, src/sts) never imports storage,
 *   the database or the filesystem: it reaches data through src/core;
 * - io/ (interfaces shared by storage and protocol) imports nothing of Cairn;
 * - and nothing imports in a cycle.
 */
const STORAGE = ['**/store/*', '**/store/**', 'better-sqlite3', 'node:fs', 'node:fs/promises', 'fs', 'fs/promises'];
const PROTOCOL = [
  '**/errors/*',
  '**/xml/*',
  '**/http/*',
  '**/s3/*',
  '**/s3/**',
  '**/auth/*',
  '**/auth/**',
  '**/iam/*',
  '**/iam/**',
  '**/sts/*',
  'fastify',
  '@fastify/*',
  '**/app.js',
  '**/context.js',
];
const restrict = (patterns, message) => ['error', { patterns: [{ group: patterns, message }] }];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['bench/**/*.mjs', 'src/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
    },
  },
  // Type-aware rules that matter in stream-heavy code.
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // No import cycles anywhere in src/.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // Layering.
  {
    files: ['src/store/**/*.ts', 'src/digest/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...PROTOCOL, '**/workers/*', '**/cli/*'], message: 'Storage never imports protocol, HTTP or composition code.' },
            { group: ['**/core/*', '!**/core/errors.js'], message: 'Storage imports nothing of the domain but its error type (core/errors.js).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...PROTOCOL, '**/workers/*', '**/cli/*'],
        'The domain never imports S3 errors, XML, HTTP or protocol code: throw DomainError, return data.',
      ),
    },
  },
  {
    files: ['src/http/**/*.ts', 'src/s3/**/*.ts', 'src/auth/**/*.ts', 'src/iam/**/*.ts', 'src/sts/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...STORAGE, '**/workers/*', '**/cli/*', '**/context.js', '**/app.js'],
        'The protocol layer never imports storage or the filesystem: use the domain services (src/core).',
      ),
    },
  },
  {
    files: ['src/io/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(['../*', '../**'], 'io/ is a leaf that storage and protocol both import: it imports nothing of Cairn.'),
    },
  },
  {
    files: ['src/errors/**/*.ts', 'src/xml/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['**/core/*', '**/store/*', '**/http/*', '**/s3/*', '**/s3/**', '**/auth/*', '**/auth/**', '**/iam/*', '**/iam/**', '**/sts/*', 'node:fs'],
        'errors/ and xml/ are leaves of the protocol layer.',
      ),
    },
  },
);
