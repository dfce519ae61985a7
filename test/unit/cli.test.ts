import { describe, expect, it } from 'vitest';
import { parseCommandLine, run } from '../../cli/growcycle';

/*
 * The command line: ids that begin with a dash are ids, wrong options and incomplete commands are
 * usage errors, found before any call to the API.
 */

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

  it('takes a plan id that begins with a dash for the id, after the plan subcommand', () => {
    const { positionals, values } = parseCommandLine([
      'plan',
      'cancel',
      '--reason',
      'left',
      '-Xq3vJ0bKc1RzY8sPwLmN4A',
    ]);
    expect(positionals).toEqual(['plan', 'cancel', '-Xq3vJ0bKc1RzY8sPwLmN4A']);
    expect(values.reason).toBe('left');
  });

  it.each([
    [['plan'], 'plan needs draft, show, list or cancel'],
    [['plan', 'draft'], 'plan draft needs a CYCLE_ID'],
    [['plan', 'draft', 'c1'], 'plan draft needs --employee EMPLOYEE_ID'],
    [['plan', 'frobnicate'], 'unknown plan command "frobnicate"'],
    [['plan', 'show'], 'plan show needs a PLAN_ID'],
    [['plan', 'show', 'p1', 'p2'], 'unexpected "p2"'],
    [['plan', 'list'], 'plan list needs one of --owner ID, --team MANAGER_ID, --mentor ID or --overdue'],
    [
      ['plan', 'list', '--owner', 'e1', '--overdue'],
      'plan list needs one of --owner ID, --team MANAGER_ID, --mentor ID or --overdue',
    ],
    [['plan', 'cancel', 'p1'], 'plan cancel needs --reason TEXT'],
  ])('refuses %j with exit code 2 before calling the API: %s', async (args, reason) => {
    const err: string[] = [];
    const code = await run([...args, '--api', 'http://127.0.0.1:9'], {
      out: () => undefined,
      err: (l) => err.push(l),
      isTty: false,
    });
    expect({ code, err }).toEqual({ code: 2, err: [`growcycle: ${reason} (growcycle --help)`] });
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
