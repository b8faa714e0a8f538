import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

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

const workflowPaths = workflowForbidden.map((name) => ({
  name,
  message: 'Not allowed in workflow code (determinism).',
}));
const workflowPatterns = [
  {
    group: ['**/activities/*', '**/activities/**'],
    allowTypeImports: true,
    message: 'Workflows import activities as types only.',
  },
  {
    group: ['**/config', '**/config/**', '**/config.js', '**/kube/*', '**/kube/**', '**/observability/**'],
    message: 'Workflows may not read config or talk to Kubernetes.',
  },
];

// For each runtime folder, the folders above it that it must never import.
const TOP = ['cli', 'worker', 'devstack'];
const LAYER_RULES = {
  crd: [...TOP, 'watcher', 'client', 'activities', 'workflows', 'kube', 'config', 'observability'],
  domain: [...TOP, 'watcher', 'client', 'activities', 'workflows', 'kube', 'config', 'observability'],
  config: [...TOP, 'watcher', 'client', 'activities', 'workflows', 'kube', 'observability'],
  observability: [...TOP, 'watcher', 'client', 'activities', 'workflows', 'kube'],
  kube: [...TOP, 'watcher', 'client', 'activities', 'workflows', 'observability'],
  activities: [...TOP, 'watcher', 'client', 'workflows'],
  workflows: [...TOP, 'watcher', 'client'],
  client: [...TOP, 'watcher', 'activities'],
  watcher: [...TOP, 'activities'],
};

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
  // Imports only go down: cli/ (commands) and worker/ (a process) sit on top;
  // the runtime layers below never import them, nor devstack/ (test infrastructure).
  ...Object.entries(LAYER_RULES).map(([folder, forbidden]) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: folder === 'workflows' ? workflowPaths : [],
          patterns: [
            ...forbidden.map((f) => ({
              group: [`**/${f}/*`, `**/${f}/**`],
              message: `${folder}/ may not import ${f}/ (imports only go down; see README "How it works").`,
            })),
            ...(folder === 'workflows' ? workflowPatterns : []),
          ],
        },
      ],
      ...(folder === 'workflows' && {
        'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
      }),
    },
  })),
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  { files: ['**/*.js'], languageOptions: { globals: globals.node } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
);
