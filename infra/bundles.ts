import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { synthesize } from '../local/template';
import { BUNDLE_ALIASES, BUNDLING, ENTRY_METADATA, ROOT } from './function';

/*
 * The handlers bundled as `cdk deploy` bundles them (./function.ts BUNDLING), outside CDK: for the
 * test that loads every bundle (test/infra/bundles.test.ts) and the benchmark that weighs and times
 * them (bench/bundles.ts). Each entry is its own bundle, as each function's asset is.
 */

/** Where a handler's bundle lands under `outdir`: `functions/steps/human-step.ts` → `…/functions/steps/human-step.mjs`. */
export const bundleFile = (outdir: string, entry: string): string =>
  path.join(outdir, `${entry.replace(/\.ts$/, '')}.mjs`);

/**
 * A fresh folder for bundles under `.local/`, inside the repository, so that the SDK, left out of
 * the bundles as Lambda provides it, resolves from the project's node_modules.
 */
export const bundleDir = (prefix: string): string => {
  mkdirSync(path.join(ROOT, '.local'), { recursive: true });
  return mkdtempSync(path.join(ROOT, '.local', prefix));
};

/** Builds each entry (relative to the repository root) into `outdir` (from bundleDir). */
export const buildBundles = async (entries: string[], outdir: string): Promise<Metafile> =>
  (
    await build({
      entryPoints: Object.fromEntries(entries.map((e) => [e.replace(/\.ts$/, ''), path.join(ROOT, e)])),
      outdir,
      outbase: ROOT,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: BUNDLING.format,
      target: BUNDLING.target,
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      sourcesContent: BUNDLING.sourcesContent,
      alias: Object.fromEntries(
        Object.entries(BUNDLE_ALIASES).map(([name, to]) => [name, path.join(ROOT, to)]),
      ),
      mainFields: BUNDLING.mainFields,
      external: BUNDLING.externalModules,
      banner: { js: BUNDLING.banner },
      metafile: true,
      logLevel: 'silent',
    })
  ).metafile;

export type Handler = { entry: string; environment: Record<string, string> };

/**
 * Every function's handler module and its environment in the synthesized template, intrinsics
 * replaced by placeholders.
 */
export const deployedHandlers = (): Handler[] =>
  Object.values(
    synthesize({
      senderAddress: 'growcycle@example.com',
      hrAddress: 'hr@example.com',
      publicBaseUrl: 'https://growcycle.example.com',
    }).Resources,
  ).flatMap((r) => {
    const entry = r.Metadata?.[ENTRY_METADATA];
    if (r.Type !== 'AWS::Lambda::Function' || typeof entry !== 'string') return [];
    const variables = ((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder-${k}`]),
    );
    return [{ entry, environment }];
  });
