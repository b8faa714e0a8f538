import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node
// builtins, no HTTP or Kubernetes clients, no process config. Activities are
// imported as types only.
const workflowForbidden = [
  ...builtinModules.flatMap((m) => [m, `node:${m}`]),
  'axios',
  '@kubernetes/client-node',
  'pino',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.stackwright/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbidden.map((name) => ({
            name,
            message: 'Not allowed in workflow code (determinism).',
          })),
          patterns: [
            {
              group: ['**/activities/*', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only.',
            },
            {
              group: ['**/config', '**/config/**', '**/config.js'],
              message: 'Workflows may not read config.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: globals.node } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
);
