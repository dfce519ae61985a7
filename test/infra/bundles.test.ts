import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundles, bundleDir, bundleFile, deployedHandlers, type Handler } from '../../infra/bundles';

/*
 * The Lambda bundles as `cdk deploy` builds them (infra/function.ts BUNDLING), built once for every
 * handler the template names and then loaded, as Lambda loads them at a cold start: a handler that
 * bundles but fails at import (a dependency left out, a top-level await on something missing) fails
 * here, not on the first invocation in AWS. The bundles go under `.local/` so that the SDK, left out
 * of them as Lambda provides it, resolves from the project's own node_modules.
 */

const outdir = bundleDir('bundles-');
let built: Handler[] = [];
let metafile: Metafile | undefined;

beforeAll(async () => {
  built = deployedHandlers();
  metafile = await buildBundles(
    built.map((h) => h.entry),
    outdir,
  );
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the Lambda bundles, built as cdk deploy builds them', () => {
  it('bundles every handler the template names, each on its own', () => {
    expect(built.length).toBeGreaterThan(10);
    for (const h of built) expect(statSync(bundleFile(outdir, h.entry)).size).toBeGreaterThan(0);
  });

  it('leaves out of the bundles nothing but the AWS SDK, which Lambda provides, and Node’s own modules', () => {
    const external = new Set(
      Object.values(metafile?.outputs ?? {}).flatMap((o) =>
        o.imports.filter((i) => i.external).map((i) => i.path),
      ),
    );
    // Node's own modules are named with `node:` or without it (the X-Ray SDK's `util`, `dgram`).
    expect([...external].filter((p) => !p.startsWith('@aws-sdk/') && !isBuiltin(p))).toEqual([]);
  });

  it('leaves ElectroDB’s model check out of every bundle, the tests running it instead', () => {
    const checking = Object.entries(metafile?.outputs ?? {}).filter(([, o]) =>
      Object.keys(o.inputs).some((input) => input.includes('node_modules/jsonschema/')),
    );
    expect(checking.map(([file]) => file)).toEqual([]);
  });

  it('takes from zod what the schemas use and its English messages, not every locale it ships', () => {
    // `import { z } from 'zod'` is a namespace value, which a bundler keeps whole: about 260 KB of
    // locales in every bundle, parsed at each cold start. `import * as z` lets esbuild take only
    // what is used.
    const locales = Object.values(metafile?.outputs ?? {}).flatMap((o) =>
      Object.keys(o.inputs).filter((input) => input.includes('node_modules/zod/v4/locales/')),
    );
    expect(new Set(locales.map((input) => input.replace(/.*\/locales\//, '')))).toEqual(new Set(['en.js']));
  });

  it('loads the X-Ray SDK only in a deployment that traces the SDK calls (-c sdkTracing=true)', () => {
    const step = built.find((h) => h.entry === 'functions/steps/check-close.ts');
    expect(step).toBeDefined();
    // A fresh process, as a cold start: the SDK makes its context namespace when it is loaded.
    const loadsXRay = (environment: Record<string, string>) => {
      const url = pathToFileURL(bundleFile(outdir, step?.entry ?? '')).href;
      const script = `await import(${JSON.stringify(url)}); console.log(Object.keys(process.namespaces ?? {}).includes('AWSXRay'));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_REGION: 'us-east-1',
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
          ...environment,
        },
      });
      expect(run.stderr).toBe('');
      return run.stdout.trim();
    };
    expect(loadsXRay(step?.environment ?? {})).toBe('false');
    expect(loadsXRay({ ...step?.environment, POWERTOOLS_TRACE_ENABLED: 'true' })).toBe('true');
  });

  it('loads every bundle and finds its handler, with the environment the template gives it', async () => {
    const saved = { ...process.env };
    try {
      for (const h of built) {
        Object.assign(process.env, h.environment);
        const loaded = (await import(pathToFileURL(bundleFile(outdir, h.entry)).href)) as {
          handler?: unknown;
        };
        expect(typeof loaded.handler, h.entry).toBe('function');
      }
    } finally {
      process.env = saved;
    }
  }, 300_000); // every bundle imported: minutes when the machine is shared and loaded
});
