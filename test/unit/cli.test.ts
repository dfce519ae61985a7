import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandLine, run } from '../../cli/growcycle';

/*
 * The command line: ids that begin with a dash are ids, wrong options and incomplete commands are
 * usage errors, found before any call to the API; what `plan draft` prints of the API's answers,
 * with fetch answering as the API does; what `import-org` asks of the API to read an export under its
 * own header names.
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
    [['plan', 'draft', 'c1', 'c2', '--employee', 'e1'], 'unexpected "c2"'],
    [['plan', 'frobnicate'], 'unknown plan command "frobnicate"'],
    [['plan', 'show'], 'plan show needs a PLAN_ID'],
    [['plan', 'show', 'p1', 'p2'], 'unexpected "p2"'],
    [['plan', 'list'], 'plan list needs one of --owner ID, --team MANAGER_ID, --mentor ID or --overdue'],
    [
      ['plan', 'list', '--owner', 'e1', '--overdue'],
      'plan list needs one of --owner ID, --team MANAGER_ID, --mentor ID or --overdue',
    ],
    [['plan', 'cancel', 'p1'], 'plan cancel needs --reason TEXT'],
    [['feedback'], 'feedback needs ask, give or list'],
    [['feedback', 'ask', '--days', '3', '--question', 'How?'], 'feedback ask needs --to ID,...'],
    [
      ['feedback', 'ask', '--to', 'e09', '--days', '3'],
      'feedback ask needs --items ID,... or --question TEXT',
    ],
    [
      ['feedback', 'give', 'e10', '--value', 'ownership'],
      'feedback give needs --value ID and --message TEXT',
    ],
    [['feedback', 'list'], 'feedback list needs an EMPLOYEE_ID'],
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

/** What `POST /plans/draft` answers for Ola's review: the plan as a draft, its items on the draft. */
const drafted = (over: Record<string, unknown> = {}) => ({
  planId: 'p-ola',
  plan: {
    planId: 'p-ola',
    ownerId: 'ola',
    title: 'Development plan: Ola Oslo',
    status: 'draft',
    origin: 'review',
    cycleId: 'c1',
    policyId: 'development',
    revision: 1,
    draft: {
      managerId: 'mgr',
      nextKey: 3,
      items: [
        {
          key: 'd1',
          kind: 'training',
          title: 'Complete the advanced course',
          dueAt: '2027-04-16T17:00:00.000Z',
          competencyId: 'craft',
          source: 'gap',
        },
        {
          key: 'd2',
          kind: 'practice',
          title: 'Lead a design review from start to finish',
          dueAt: '2027-05-31T17:00:00.000Z',
          source: 'manager',
        },
      ],
    },
    items: [],
    overdueItems: 0,
    ...over,
  },
});

describe('growcycle plan draft', () => {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const answering = (status: number, body: unknown) =>
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify(body), { status });
    });
  const draft = async (...extra: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(['plan', 'draft', 'c1', '--employee', 'ola', '--api', 'http://api', ...extra], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      isTty: false,
    });
    return { code, out, err };
  };

  afterEach(() => {
    vi.unstubAllGlobals();
    calls.length = 0;
  });

  it('asks the API to draft from the cycle’s review of the employee, and prints the draft, an item a line, and what happens next', async () => {
    answering(201, drafted());
    const { code, out, err } = await draft();
    expect(calls.map((c) => [c.url, c.init?.method, c.init?.body])).toEqual([
      ['http://api/plans/draft', 'POST', JSON.stringify({ cycleId: 'c1', employeeId: 'ola' })],
    ]);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual([
      'drafted plan p-ola · Development plan: Ola Oslo · draft · owner ola',
      '',
      'item  kind      title                                      due (UTC)         competency',
      '────  ────────  ─────────────────────────────────────────  ────────────────  ──────────',
      'd1    training  Complete the advanced course               2027-04-16 17:00  craft',
      'd2    practice  Lead a design review from start to finish  2027-05-31 17:00',
      '',
      'next: ola and their manager mgr each get an agreement form by email, to change the items and agree;',
      '  the plan starts once both agree to the same version, the due dates the draft proposed moved later by the days that took',
    ]);
  });

  it('says HR agrees for an employee without a manager', async () => {
    const answer = drafted();
    answer.plan.draft.managerId = 'hr';
    answering(201, answer);
    expect((await draft()).out.at(-2)).toBe(
      'next: ola and HR (they have no manager) each get an agreement form by email, to change the items and agree;',
    );
  });

  it('prints the API’s answer as it is with --json', async () => {
    answering(201, drafted());
    const { code, out } = await draft('--json');
    expect(code).toBe(0);
    expect(out).toEqual([JSON.stringify(drafted())]);
  });

  it('says nothing was drafted when the review drafted its plan already, and shows that plan as it is', async () => {
    answering(200, { ...drafted({ status: 'cancelled', endReason: 'not agreed' }), alreadyDrafted: true });
    const cancelled = await draft();
    expect(cancelled.code).toBe(0);
    expect(cancelled.out.slice(0, 3)).toEqual([
      'nothing drafted: ola has a plan from cycle c1 already, p-ola (cancelled: not agreed)',
      '  a review drafts one plan; another is drafted by hand (POST /plans with draft: true)',
      '',
    ]);
    // What was proposed, without asking anyone to agree to it any more.
    expect(cancelled.out.slice(5)).toEqual([
      'd1    training  Complete the advanced course               2027-04-16 17:00  craft',
      'd2    practice  Lead a design review from start to finish  2027-05-31 17:00',
    ]);

    const { draft: _draft, ...started } = drafted({ status: 'active' }).plan;
    answering(200, {
      planId: 'p-ola',
      alreadyDrafted: true,
      plan: {
        ...started,
        items: [
          {
            itemId: 'i1',
            kind: 'training',
            title: 'Complete the advanced course',
            dueAt: '2027-04-30T17:00:00.000Z',
            status: 'done',
            overdue: false,
          },
        ],
      },
    });
    const active = await draft();
    expect(active.out[0]).toBe('nothing drafted: ola has a plan from cycle c1 already, p-ola (active)');
    expect(active.out).toContain('1/1 done · 0 overdue');
    expect(active.out.at(-1)).toMatch(
      /^i1\s+training\s+Complete the advanced course\s+2027-04-30 17:00\s+done$/,
    );
  });

  it('exits 1 with the API’s reason when it drafts nothing', async () => {
    answering(409, {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'employeeId: the review’s results are not released yet',
      errors: [{ field: 'employeeId', message: 'the review’s results are not released yet' }],
    });
    expect(await draft()).toEqual({
      code: 1,
      out: [],
      err: ['growcycle: the API answered 409: employeeId: the review’s results are not released yet'],
    });
  });

  it('exits 1 saying what it did not understand when the answer has another shape', async () => {
    answering(201, { planId: 'p-ola', plan: { planId: 'p-ola' } });
    const { code, err } = await draft();
    expect(code).toBe(1);
    expect(err[0]).toMatch(
      /^growcycle: the API answered with something the CLI does not understand \(plan\.ownerId: /,
    );
  });
});

describe('growcycle import-org, reading an export under its own names', () => {
  const bodies: unknown[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'import-org-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const importOrg = async (...args: string[]) => {
    vi.stubGlobal('fetch', async (_url: string, init?: RequestInit) => {
      bodies.push(JSON.parse(String(init?.body)));
      // An answer both a preview and an import read: nothing found, nothing wrong.
      const answer = {
        columns: [],
        counts: {},
        rows: [],
        leavers: [],
        errors: [],
        applied: true,
        dryRun: false,
      };
      return new Response(JSON.stringify(answer), { status: 200 });
    });
    const err: string[] = [];
    const code = await run(['import-org', ...args, '--api', 'http://api'], {
      out: () => undefined,
      err: (l) => err.push(l),
      isTty: false,
    });
    return { code, err };
  };

  afterEach(() => {
    vi.unstubAllGlobals();
    bodies.length = 0;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends --map and a map file (lines or JSON, a header may hold "=") merged, and the date order', async () => {
    // Prepare
    const csv = file('org.csv', 'Staff Ref,Full=Name\n');
    const lines = file('map.txt', 'Full=Name = name\r\n\r\nOld Column=\n');
    const json = file('map.json', '{"Grade": "level"}');

    // Act
    const fromLines = await importOrg(
      csv,
      '--preview',
      '--map',
      'Staff Ref=employee_id',
      '--map-file',
      lines,
    );
    const fromJson = await importOrg(csv, '--map-file', json, '--date-order', 'dmy');

    // Assess
    expect([fromLines.code, fromJson.code]).toEqual([0, 0]);
    expect(bodies).toEqual([
      {
        csv: 'Staff Ref,Full=Name\n',
        mode: 'partial',
        map: { 'Staff Ref': 'employee_id', 'Full=Name': 'name', 'Old Column': '' },
      },
      expect.objectContaining({ map: { Grade: 'level' }, dateOrder: 'dmy', dryRun: false }),
    ]);
  });

  it.each([
    [['--map', 'Staff Ref'], 'growcycle: --map: "Staff Ref" is not Header=field (growcycle --help)'],
    [['--date-order', 'ymd'], 'growcycle: --date-order is dmy or mdy (growcycle --help)'],
  ])('refuses %j with exit code 2 before calling the API', async (args, message) => {
    const { code, err } = await importOrg(file('o.csv', 'a\n'), '--preview', ...args);
    expect({ code, err, calls: bodies.length }).toEqual({ code: 2, err: [message], calls: 0 });
  });

  it('refuses a map file that is not a JSON object of strings with exit code 1', async () => {
    const { code, err } = await importOrg(file('o.csv', 'a\n'), '--map-file', file('bad.json', '{"a": 1'));
    expect({ code, err }).toEqual({
      code: 1,
      err: [expect.stringMatching(/bad\.json: expected \{"Header": "field"/)],
    });
  });
});

describe('growcycle feedback ask', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('asks colleagues by id and people outside by name and address, and says how many and by when', async () => {
    const calls: Array<RequestInit | undefined> = [];
    vi.stubGlobal('fetch', async (_url: string, init?: RequestInit) => {
      calls.push(init);
      const request = { askId: 'a1', dueAt: '2027-01-11T22:59:59.000Z', requestIds: ['r1', 'r2'] };
      return new Response(JSON.stringify({ request }), { status: 201 });
    });
    const out: string[] = [];
    const args = [
      'feedback',
      'ask',
      '--to',
      'e09, Kim Partner <kim@example.org>',
      '--items',
      'craft',
      '--days',
      '7',
    ];
    const code = await run([...args, '--anonymous', '--api', 'http://api'], {
      out: (l) => out.push(l),
      err: () => undefined,
      isTty: false,
    });

    expect(code).toBe(0);
    expect(JSON.parse(String(calls[0]?.body))).toEqual({
      recipients: [{ employeeId: 'e09' }, { name: 'Kim Partner', email: 'kim@example.org' }],
      templateId: 'annual-review',
      items: ['craft'],
      anonymous: true,
      managerSees: false,
      days: 7,
    });
    expect(out).toEqual(['asked 2 people for feedback (request a1), due 2027-01-11 22:59 UTC']);
  });
});
