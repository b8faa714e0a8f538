import type { BundleOptions } from '@temporalio/worker';

/**
 * Workflow bundling for an ESM TypeScript project: sources import './x.js'
 * (NodeNext), which webpack must resolve to './x.ts' when bundling from source.
 * Used by the worker and by tests; prebuilt bundles start from dist/ and need no alias.
 *
 * The source map stays inline (the SDK reads it from the bundle's data URL) but
 * without `sourcesContent`: stack traces keep our file names and lines, and each
 * workflows worker stops holding 693 KiB of original sources, which the SDK only
 * reads for `showStackTraceSources` (off). bench/README.md, P4, has the numbers.
 */
export const bundlerOptions: Pick<BundleOptions, 'webpackConfigHook'> = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
    config.devtool = 'inline-nosources-source-map';
    return config;
  },
};
