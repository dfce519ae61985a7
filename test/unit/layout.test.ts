import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layout the domain README describes is the one the code has: its folders, in the order of the
 * README's table, and every import pointing up that list, never down or outside the domain.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOMAIN = path.join(ROOT, 'domain');

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : name.endsWith('.ts') ? [full] : [];
  });

/** The folders in the order of the table in domain/README.md. */
const documentedOrder = (): string[] =>
  [...readFileSync(path.join(DOMAIN, 'README.md'), 'utf8').matchAll(/^\| `([a-z-]+)\/` *\|/gm)].map(
    (m) => m[1] as string,
  );

/** Every relative import of a module, resolved to a path relative to the repository. */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)';/gms)].map((m) =>
    path.relative(ROOT, path.resolve(path.dirname(file), m[1] as string)),
  );

const folderOf = (repoPath: string): string | undefined =>
  repoPath.startsWith('domain/') ? repoPath.split('/')[1] : undefined;

describe('the domain layout', () => {
  it('has exactly the folders its README lists, and nothing loose beside them', () => {
    const folders = readdirSync(DOMAIN).filter((name) => statSync(path.join(DOMAIN, name)).isDirectory());
    expect([...folders].sort()).toEqual([...documentedOrder()].sort());
    expect(readdirSync(DOMAIN).filter((name) => name.endsWith('.ts'))).toEqual([]);
  });

  it('imports only folders listed above the importer, and nothing outside the domain', () => {
    const order = documentedOrder();
    const wrong: string[] = [];
    for (const file of filesUnder(DOMAIN)) {
      const from = folderOf(path.relative(ROOT, file)) as string;
      for (const target of importsOf(file)) {
        const to = folderOf(target);
        if (to === undefined)
          wrong.push(`${path.relative(ROOT, file)} imports ${target}, outside the domain`);
        else if (to !== from && order.indexOf(to) > order.indexOf(from))
          wrong.push(`${path.relative(ROOT, file)} imports ${target}, below it`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps production code free of imports from test/', () => {
    const production = ['domain', 'functions', 'workflows', 'infra', 'local', 'cli', 'bench'].flatMap((dir) =>
      filesUnder(path.join(ROOT, dir)),
    );
    const intoTests = production.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('test/'))
        .map((target) => `${path.relative(ROOT, file)} imports ${target}`),
    );
    expect(intoTests).toEqual([]);
  });
});
