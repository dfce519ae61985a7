import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/function';
import { MIN_PROPERTY_RUNS, PROPERTY_RUNS_BY_FILE } from '../support/arbitraries';

/*
 * The floor on the property tests: 10,000 generated inputs and more per run of the suite.
 * Each property file declares what it checks, the setup (test/support/unit-setup.ts) fails a file
 * that checks fewer, and this sums the declarations: cutting a property's runs fails its file,
 * cutting a declaration below the floor fails here. A skipped test is no measure to the setup (a -t
 * filter skips tests too), so skipping one in the source is refused here.
 */

const UNIT = path.join(ROOT, 'test/unit');

describe('the property tests', () => {
  it('check at least 10,000 generated inputs in all', () => {
    const total = Object.values(PROPERTY_RUNS_BY_FILE).reduce((sum, runs) => sum + runs, 0);
    expect(total).toBeGreaterThanOrEqual(MIN_PROPERTY_RUNS);
  });

  it('are every file that uses fast-check, each declaring its runs', () => {
    const withFastCheck = readdirSync(UNIT)
      .filter((file) => file.endsWith('.test.ts'))
      .filter((file) => /^import .* from 'fast-check';$/m.test(readFileSync(path.join(UNIT, file), 'utf8')));
    expect(Object.keys(PROPERTY_RUNS_BY_FILE).sort()).toEqual(withFastCheck.sort());
  });

  it('skip none of their tests in the source', () => {
    for (const file of Object.keys(PROPERTY_RUNS_BY_FILE)) {
      const source = readFileSync(path.join(UNIT, file), 'utf8');
      expect(
        source.match(/\b(?:it|test|describe)(?:\.\w+)*\.(?:skip|only|todo|skipIf|runIf)\b/g),
        file,
      ).toBeNull();
    }
  });
});
