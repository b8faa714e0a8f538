import type { BundleOptions } from '@temporalio/worker';

/**
 * Workflow bundling for an ESM TypeScript project: sources import './x.js'
 * (NodeNext), which webpack must resolve to './x.ts' when bundling from source.
 * Used by the worker and by tests; prebuilt bundles start from dist/ and need no alias.
 */
export const bundlerOptions: Pick<BundleOptions, 'webpackConfigHook'> = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
    return config;
  },
};
