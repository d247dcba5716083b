// ESLint (flat config) for dealflow: typescript-eslint with type information, plus the rule that keeps
// workflow code deterministic (CONTRIBUTING.md, "Changing a workflow safely"). Formatting is Prettier's
// job (`.prettierrc.json`); eslint-config-prettier turns off every stylistic rule that would disagree.
// Run with `npm run lint` (CONTRIBUTING.md, "Lint and format").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

/**
 * Workflow code (workflows/ and the benchmark's workflow) is replayed, so it may import only:
 * relative modules, @temporalio/workflow, @temporalio/common, and pure data libraries (zod,
 * currency-codes). Everything else (Node built-ins, ioredis, nodemailer, fastify, pino...) is refused.
 */
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'zod', 'currency-codes'];
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const workflowImportRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: builtinModules
        .filter((m) => !m.startsWith('_'))
        .flatMap((m) => [m, `node:${m}`])
        .map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins (CONTRIBUTING.md).' })),
      patterns: [
        {
          // any bare package that is not on the allow-list (this also catches node:* and subpaths)
          regex: `^(?!\\.|${WORKFLOW_PACKAGES.map((p) => `${escape(p)}(/|$)`).join('|')})`,
          message: `Workflow code may import only ${WORKFLOW_PACKAGES.join(', ')} and relative modules (CONTRIBUTING.md).`,
        },
        {
          // config/: only the plain-data modules (defaults, scoring); never config/env, the roster, the repo root
          regex: '(^|/)config/(?!(defaults|scoring)$)',
          message: 'Workflow code may import only config/defaults and config/scoring (plain data), never config/env.',
        },
        {
          // activity implementations: types only (the Activities interface for proxyActivities)
          regex: '(^|/)activities(/(?!errors$|tasks/task$).*)?$',
          allowTypeImports: true,
          message: 'Workflow code may import only types from activities/ (proxyActivities), never an implementation.',
        },
        {
          // the data layer, the API and CLI, dev tooling, workers: nothing but pure helpers and types
          regex: '(^|/)(store|client|cli|devstack|workers|bench|scripts|test)(/(?!errors$|tasks/task$).*)?$',
          allowTypeImports: true,
          message: 'Workflow code may not import the data layer, the API, the CLI or the workers (types only).',
        },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.venv/**',
      '.test-data/**',
      '.data/**',
      'coverage/**',
      'test/replay/histories/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // type-aware: every promise is awaited, returned, or explicitly `void`-ed with a reason
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // `_`-prefixed names are deliberately unused (a required parameter, a destructured omission)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The CLI loads heavy modules (the worker, the API, the benchmark, Redis) only in the command that
    // needs them, synchronously, with `require(...) as typeof import(...)`, so `dealflow --help` and a
    // light command start fast; the import's type is still checked.
    files: ['cli/**/*.ts', 'client/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read HTTP responses as parsed JSON (`{ status, body: any }` from test/support/stack.ts)
    // and assert on them with expect(); typing every response body would be noise.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'bench/*.workflow.ts'],
    rules: workflowImportRules,
  },
  {
    // plain CommonJS: the launcher and the jest configs
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
