import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBuild } from '../../cli/build';

/*
 * The CLI as installed without dev dependencies: its build (cli/build.ts) imports nothing but Node's
 * own modules and the package's production dependencies, and runs on plain Node. The build goes
 * under `.local/` so that its imports resolve from the project's node_modules as they would from an
 * installed package's.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
mkdirSync(path.join(ROOT, '.local'), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, '.local', 'cli-'));
const outfile = path.join(dir, 'growcycle.js');
let metafile: Metafile | undefined;

beforeAll(async () => {
  metafile = (await build({ ...cliBuild(outfile), logLevel: 'silent' })).metafile;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI’s build', () => {
  it('imports only Node’s own modules and production dependencies', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = Object.values(metafile?.outputs ?? {}).flatMap((o) => o.imports.map((i) => i.path));
    const packageOf = (p: string) =>
      p
        .split('/')
        .slice(0, p.startsWith('@') ? 2 : 1)
        .join('/');
    const outside = imported.filter(
      (p) => !p.startsWith('node:') && !builtinModules.includes(p) && !(packageOf(p) in pkg.dependencies),
    );
    expect(imported.length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('is what the bin runs when installed with production dependencies only', () => {
    // An install without dev dependencies: the bin, the build, and the production packages alone.
    const installed = mkdtempSync(path.join(tmpdir(), 'growcycle-installed-'));
    try {
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      for (const sub of ['bin', 'dist']) mkdirSync(path.join(installed, sub));
      writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ type: 'module' }));
      copyFileSync(path.join(ROOT, 'bin', 'growcycle.js'), path.join(installed, 'bin', 'growcycle.js'));
      copyFileSync(outfile, path.join(installed, 'dist', 'growcycle.js'));
      for (const name of Object.keys(pkg.dependencies)) {
        mkdirSync(path.dirname(path.join(installed, 'node_modules', name)), { recursive: true });
        symlinkSync(path.join(ROOT, 'node_modules', name), path.join(installed, 'node_modules', name));
      }
      const help = spawnSync(process.execPath, [path.join(installed, 'bin', 'growcycle.js'), '--help'], {
        encoding: 'utf8',
      });
      expect(help.stderr).toBe('');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('usage: growcycle <command>');
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });

  it('runs on plain Node, without tsx: its usage, and a usage error exits 2', () => {
    const help = spawnSync(process.execPath, [outfile, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: growcycle <command>');
    const wrong = spawnSync(process.execPath, [outfile, 'no-such-command'], { encoding: 'utf8' });
    expect(wrong.status).toBe(2);
  });
});
