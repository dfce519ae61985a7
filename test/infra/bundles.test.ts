import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLING, ENTRY_METADATA, ROOT } from '../../infra/function';
import { synthesize } from '../../local/template';

/*
 * The Lambda bundles as `cdk deploy` builds them (infra/function.ts BUNDLING), built once for every
 * handler the template names and then loaded, as Lambda loads them at a cold start: a handler that
 * bundles but fails at import (a dependency left out, a top-level await on something missing) fails
 * here, not on the first invocation in AWS. The bundles go under `.local/` so that the SDK, left out
 * of them as Lambda provides it, resolves from the project's own node_modules.
 */

type Handler = { entry: string; environment: Record<string, string> };

/** Every function's handler module and its environment, intrinsics replaced by placeholders. */
const handlers = (): Handler[] => {
  const template = synthesize({
    senderAddress: 'growcycle@example.com',
    hrAddress: 'hr@example.com',
    publicBaseUrl: 'https://growcycle.example.com',
  });
  return Object.values(template.Resources).flatMap((r) => {
    const entry = r.Metadata?.[ENTRY_METADATA];
    if (r.Type !== 'AWS::Lambda::Function' || typeof entry !== 'string') return [];
    const variables = ((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder-${k}`]),
    );
    return [{ entry, environment }];
  });
};

mkdirSync(path.join(ROOT, '.local'), { recursive: true });
const outdir = mkdtempSync(path.join(ROOT, '.local', 'bundles-'));
let built: Handler[] = [];
let metafile: Metafile | undefined;
const bundleOf = (entry: string) => path.join(outdir, `${entry.replace(/\.ts$/, '')}.mjs`);

beforeAll(async () => {
  built = handlers();
  const result = await build({
    entryPoints: Object.fromEntries(
      built.map((h) => [h.entry.replace(/\.ts$/, ''), path.join(ROOT, h.entry)]),
    ),
    outdir,
    outbase: ROOT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: BUNDLING.mainFields,
    external: BUNDLING.externalModules,
    banner: { js: BUNDLING.banner },
    metafile: true,
    logLevel: 'silent',
  });
  metafile = result.metafile;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the Lambda bundles, built as cdk deploy builds them', () => {
  it('bundles every handler the template names, each on its own', () => {
    expect(built.length).toBeGreaterThan(10);
    for (const h of built) expect(statSync(bundleOf(h.entry)).size).toBeGreaterThan(0);
  });

  it('leaves out of the bundles nothing but the AWS SDK, which Lambda provides, and Node’s own modules', () => {
    const external = new Set(
      Object.values(metafile?.outputs ?? {}).flatMap((o) =>
        o.imports.filter((i) => i.external).map((i) => i.path),
      ),
    );
    const unexpected = [...external].filter((p) => !p.startsWith('@aws-sdk/') && !p.startsWith('node:'));
    // The banner's createRequire comes from Node's own `module`.
    expect(unexpected.filter((p) => p !== 'module')).toEqual([]);
  });

  it('loads every bundle and finds its handler, with the environment the template gives it', async () => {
    const saved = { ...process.env };
    try {
      for (const h of built) {
        Object.assign(process.env, h.environment);
        const loaded = (await import(pathToFileURL(bundleOf(h.entry)).href)) as { handler?: unknown };
        expect(typeof loaded.handler, h.entry).toBe('function');
      }
    } finally {
      process.env = saved;
    }
  });
});
