import { describe, expect, it } from 'vitest';
import { parseCommandLine, run } from '../../cli/growcycle';

/* The command line: ids that begin with a dash are ids, wrong options are still usage errors. */

describe('the growcycle command line', () => {
  it('takes a request id that begins with a dash for the id it is, wherever the options stand', () => {
    const { positionals, values } = parseCommandLine([
      'reassign',
      '-Xq3vJ0bKc1RzY8sPwLmN4A',
      '--to',
      'e04',
      '--reason',
      'left',
    ]);
    expect(positionals).toEqual(['reassign', '-Xq3vJ0bKc1RzY8sPwLmN4A']);
    expect(values).toMatchObject({ to: 'e04', reason: 'left' });
  });

  it('keeps an option’s value that begins with a dash as that value', () => {
    const { values, positionals } = parseCommandLine([
      'status',
      'c1',
      '--employee',
      '-Xq3vJ0bKc1RzY8sPwLmN4A',
    ]);
    expect(positionals).toEqual(['status', 'c1']);
    expect(values.employee).toBe('-Xq3vJ0bKc1RzY8sPwLmN4A');
  });

  it('still refuses an option it does not know, with exit code 2', async () => {
    const err: string[] = [];
    const code = await run(['status', 'c1', '--bogus'], {
      out: () => undefined,
      err: (l) => err.push(l),
      isTty: false,
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/bogus/);
  });
});
