import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The README and docs/ stay true to the tree: every file or folder they name exists, and they name
 * no machine's own paths.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

const DOCS = [
  'README.md',
  'domain/README.md',
  ...(existsSync(path.join(ROOT, 'docs'))
    ? readdirSync(path.join(ROOT, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`)
    : []),
];

const FOLDERS = [
  'domain',
  'functions',
  'workflows',
  'infra',
  'local',
  'cli',
  'bin',
  'bench',
  'test',
  'scripts',
  'docs',
];
const NAMED = new RegExp(`(?<![\\w./-])((?:${FOLDERS.join('|')})/[\\w./-]*[\\w/])`, 'g');

describe('the README and docs', () => {
  it.each(DOCS)('%s names only files and folders that exist', (doc) => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const missing = [...text.matchAll(NAMED)]
      .map((m) => (m[1] as string).replace(/\/$/, ''))
      .filter((named) => !existsSync(path.join(ROOT, named)));
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s names no path of a particular machine', (doc) => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    expect(text).not.toMatch(/(^|[\s(`'"])\/(work|home|Users|tmp|root)\//m);
  });

  it('keeps the README a user’s page of about 12 KB, the rest in docs/', () => {
    expect(readFileSync(path.join(ROOT, 'README.md')).byteLength).toBeLessThanOrEqual(12_800);
  });
});
