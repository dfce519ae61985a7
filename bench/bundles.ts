import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBundles, bundleDir, bundleFile, deployedHandlers } from '../infra/bundles';
import { ROOT } from '../infra/function';

/*
 * The handlers' bundles as `cdk deploy` builds them: how large each is, and how long each takes to
 * load in a fresh Node process (what a cold start pays before the handler runs) against a bundle that
 * imports only the AWS SDK clients that handler uses. The ratio is what the handler's own code and
 * its libraries add; timings on a shared machine move, so only the ratio within one run is compared.
 * A handler that uses no SDK client (the health check) has no baseline and no ratio.
 */

const RUNS = 9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** The time, in milliseconds, a fresh Node process takes to import the module. */
const loadMs = (file: string, environment: Record<string, string>): number => {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', ...environment },
  });
  if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr}`);
  return Number(run.stdout.trim());
};

/**
 * The median loads of a bundle and of its baseline, taken in turn, so that a spell of load on a
 * shared machine falls on both rather than on one.
 */
const pairedLoadMs = (file: string, baseline: string, environment: Record<string, string>) => {
  const own: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    own.push(loadMs(file, environment));
    base.push(loadMs(baseline, environment));
  }
  return { own: median(own), base: median(base) };
};

export type BundleFigures = {
  maxKB: number;
  largest: string;
  initRatio: number;
  slowest: string;
  /** The median load of the slowest handler and of its SDK-only baseline. */
  slowestMs: number;
  baselineMs: number;
  /** The slowest handler's ratio when the deployment traces its SDK calls (`-c sdkTracing=true`). */
  sdkTracedRatio: number;
  /** The same ratio for bench/library-floor.ts: the libraries every handler loads, and no code of ours. */
  floorRatio: number;
};

/** A bundle with only the libraries every handler loads (bench/library-floor.ts). */
const FLOOR = 'bench/library-floor.ts';

/** What Lambda and `-c sdkTracing=true` set, under which the Powertools Tracer traces. */
const SDK_TRACED = { POWERTOOLS_TRACE_ENABLED: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' };

export const measureBundles = async (): Promise<BundleFigures> => {
  const handlers = deployedHandlers();
  const outdir = bundleDir('bench-bundles-');
  try {
    const metafile = await buildBundles([...handlers.map((h) => h.entry), FLOOR], outdir);
    const sdkOf = (entry: string) =>
      [
        ...new Set(
          (metafile.outputs[path.relative(ROOT, bundleFile(outdir, entry))]?.imports ?? [])
            .filter((i) => i.external && i.path.startsWith('@aws-sdk/'))
            .map((i) => i.path),
        ),
      ].sort();
    let figures: BundleFigures = {
      maxKB: 0,
      largest: '',
      initRatio: 0,
      slowest: '',
      slowestMs: 0,
      baselineMs: 0,
      sdkTracedRatio: 0,
      floorRatio: 0,
    };
    // The SDK clients alone, written beside a bundle: what its load is measured against.
    const baselineOf = (entry: string): string | undefined => {
      const sdk = sdkOf(entry);
      if (sdk.length === 0) return undefined;
      const baseline = path.join(outdir, `${entry.replace(/\W/g, '-')}.baseline.mjs`);
      writeFileSync(baseline, sdk.map((m) => `import ${JSON.stringify(m)};`).join('\n'));
      return baseline;
    };
    let slowest: { file: string; baseline: string; environment: Record<string, string> } | undefined;
    for (const h of handlers) {
      const file = bundleFile(outdir, h.entry);
      const kb = statSync(file).size / 1024;
      if (kb > figures.maxKB) figures = { ...figures, maxKB: kb, largest: h.entry };
      const baseline = baselineOf(h.entry);
      if (!baseline) continue;
      const { own, base } = pairedLoadMs(file, baseline, h.environment);
      if (own / base > figures.initRatio) {
        figures = { ...figures, initRatio: own / base, slowest: h.entry, slowestMs: own, baselineMs: base };
        slowest = { file, baseline, environment: h.environment };
      }
    }
    if (slowest) {
      const traced = pairedLoadMs(slowest.file, slowest.baseline, { ...slowest.environment, ...SDK_TRACED });
      figures.sdkTracedRatio = traced.own / traced.base;
    }
    const floorBaseline = baselineOf(FLOOR);
    if (floorBaseline) {
      const floor = pairedLoadMs(bundleFile(outdir, FLOOR), floorBaseline, slowest?.environment ?? {});
      figures.floorRatio = floor.own / floor.base;
    }
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
