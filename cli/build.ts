import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/*
 * The CLI's build: one ESM file for Node 24 with its packages left as imports, so that installed
 * without dev dependencies it runs on the production ones alone (`npm run build`, which `npm pack`
 * runs; bin/growcycle.js runs the source through tsx when a checkout has it instead).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const cliBuild = (outfile = path.join(ROOT, 'dist', 'growcycle.js')): BuildOptions => ({
  entryPoints: [path.join(ROOT, 'cli', 'growcycle.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build(cliBuild());
