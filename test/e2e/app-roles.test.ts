import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/growcycle';
import { stableId } from '../../domain/platform/ids';
import { APP_ROUTES } from '../../functions/api/app';
import { PAGES } from '../../functions/api/pages';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { browse, type Jar, signIn, submit } from '../support/app-browser';
import { apiAs, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The role matrix of the app: every page and action, opened by each kind of person, through the
 * local gateway and a real session. Ola (e10) is the subject, as in the HR API's matrix: Ingrid (e04)
 * is his manager, Henrik (e02) his skip-level, Lars (e05) a manager outside his line, Emma (e11) a
 * peer, Nora (e13) a mentor outside his line, and an external reviewer has no account at all.
 * A page added to the app without a row here fails the first test.
 */

let stack: TestStack;
// The team, own-page and feedback pages: Ola's goal and his own request for feedback (not shared).
let olaGoalId = '';
let olaAskId = '';

type Caller = 'hr' | 'manager' | 'skipLevel' | 'otherManager' | 'self' | 'peer' | 'mentor' | 'external';
const SIGN_IN_AS: Record<Exclude<Caller, 'external'>, string> = {
  hr: 'hr-admin-1:hr',
  manager: 'e04',
  skipLevel: 'e02',
  otherManager: 'e05',
  self: 'e10',
  peer: 'e11',
  mentor: 'e13',
};
const CALLERS = [...Object.keys(SIGN_IN_AS), 'external'] as Caller[];
const jars = new Map<Caller, Jar>();

type Row = {
  route: string;
  path: () => string;
  /** A POST's form fields, besides the CSRF token. */
  form?: () => Record<string, string>;
  expect: Record<Caller, number>;
};

/** Statuses for a page: `ok` for the callers listed, 403 for the other signed-in ones, sign-in for the external. */
const only = (ok: number, allowed: Caller[], method: 'GET' | 'POST' = 'GET'): Record<Caller, number> =>
  Object.fromEntries(
    CALLERS.map((c) => [
      c,
      c === 'external' ? (method === 'GET' ? 303 : 401) : allowed.includes(c) ? ok : 403,
    ]),
  ) as Record<Caller, number>;
const signedIn: Caller[] = ['hr', 'manager', 'skipLevel', 'otherManager', 'self', 'peer', 'mentor'];

// --- HR: cycles, calibration and plans (functions/api/pages/hr-cycles.ts, hr-calibration.ts, hr-plans.ts)
/** A cycle under way (its first requests out), one scheduled years ahead for the levers, one to cancel, a plan. */
const hrConsole = { runningId: '', futureId: '', spareId: '', planId: '' };
const hrConsoleRows = (): Row[] => {
  const cycle = (suffix = '') => `/hr/cycles/${hrConsole.futureId}${suffix}`;
  const hrOnly = (ok: number, method: 'GET' | 'POST' = 'GET') => only(ok, ['hr'], method);
  return [
    { route: 'GET /hr/cycles', path: () => '/hr/cycles', expect: hrOnly(200) },
    {
      route: 'GET /hr/cycles/{cycleId}',
      path: () => `/hr/cycles/${hrConsole.runningId}`,
      expect: hrOnly(200),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/extend',
      path: () => cycle('/extend'),
      form: () => ({ days: '1', employeeId: '', phase: '' }),
      expect: hrOnly(303, 'POST'),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/reassign',
      path: () => `/hr/cycles/${hrConsole.runningId}/reassign`,
      form: () => ({
        requestId: stableId(hrConsole.runningId, 'e12', 'manager'),
        recipientId: 'e11',
        reason: 'Matrix',
      }),
      expect: hrOnly(303, 'POST'),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/participants',
      path: () => cycle('/participants'),
      form: () => ({ employeeIds: 'e12' }),
      expect: hrOnly(303, 'POST'),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/participants/remove',
      path: () => cycle('/participants/remove'),
      form: () => ({ removeId: 'e13' }),
      expect: hrOnly(303, 'POST'),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/cancel',
      path: () => `/hr/cycles/${hrConsole.spareId}/cancel`,
      form: () => ({ reason: 'Matrix', confirm: 'yes' }),
      expect: hrOnly(303, 'POST'),
    },
    {
      route: 'POST /hr/cycles/{cycleId}/release',
      path: () => cycle('/release'),
      expect: hrOnly(303, 'POST'),
    },
    { route: 'GET /hr/cycles/{cycleId}/export', path: () => cycle('/export'), expect: hrOnly(200) },
    { route: 'GET /hr/cycles/{cycleId}/calibration', path: () => cycle('/calibration'), expect: hrOnly(200) },
    {
      route: 'POST /hr/cycles/{cycleId}/calibration',
      path: () => cycle('/calibration'),
      form: () => ({ employeeId: 'e10', overall: '3', justification: 'Matrix' }),
      // HR reaches the API, which refuses: no manager appraisal is in yet (the page says so, 409).
      expect: { ...hrOnly(303, 'POST'), hr: 409 },
    },
    { route: 'GET /hr/plans', path: () => '/hr/plans', expect: hrOnly(200) },
    { route: 'GET /hr/plans/{planId}', path: () => `/hr/plans/${hrConsole.planId}`, expect: hrOnly(200) },
  ];
};

/** Sets up what the HR console's rows need, as HR through the HR API. */
const setUpHrConsole = async () => {
  const api = apiAs(stack, 'hr-admin-1', { hr: true });
  const schedule = async (name: string, participants: string[], startAt: string) => {
    const res = await api('POST', '/cycles', { name, participants, startAt });
    expect(res.status).toBe(201);
    return String(res.body.cycleId);
  };
  hrConsole.futureId = await schedule('Console levers', ['e10', 'e13'], '2030-01-01T00:00:00Z');
  hrConsole.spareId = await schedule('Console cancel', ['e12'], '2030-01-01T00:00:00Z');
  hrConsole.runningId = await schedule('Console running', ['e12'], '2027-09-06T08:00:00Z');
  const plan = await api('POST', '/plans', {
    ownerId: 'e10',
    title: 'Console plan',
    items: [{ title: 'Pair on reviews', dueAt: '2030-01-01T00:00:00Z' }],
  });
  expect(plan.status).toBe(201);
  hrConsole.planId = String(plan.body.planId);
  // The running cycle's manager appraisal is written (pending until its phase): the request the
  // reassign row passes on.
  await runUntil(stack, async () => {
    const { phases } = (await api('GET', `/cycles/${hrConsole.runningId}`)).body as {
      phases: Record<string, Record<string, number>>;
    };
    return Object.values(phases['manager-appraisal'] ?? {}).some((n) => n > 0);
  });
};
// --- end of HR: cycles, calibration and plans

const ROWS: Row[] = [
  { route: 'GET /', path: () => '/', expect: { ...only(200, signedIn), external: 200 } },
  ...hrConsoleRows(),
  // ---- A manager's team, an employee's own page, feedback (functions/api/pages/me.ts, team.ts, feedback.ts)
  { route: 'GET /me', path: () => '/me', expect: only(200, signedIn) },
  {
    route: 'POST /me/goals/{goalId}/progress',
    path: () => `/me/goals/${olaGoalId}/progress`,
    form: () => ({ value: '240', note: 'Cache in place' }),
    expect: only(303, ['hr', 'manager', 'self'], 'POST'),
  },
  {
    route: 'POST /me/aspiration',
    path: () => '/me/aspiration',
    form: () => ({ level: '5', note: 'Lead a team' }),
    // Each sets their own; the HR admin of the sample has no employee record to set it on.
    expect: { ...only(303, signedIn, 'POST'), hr: 404 },
  },
  {
    route: 'GET /team',
    path: () => '/team',
    expect: only(200, ['hr', 'manager', 'skipLevel', 'otherManager']),
  },
  {
    route: 'GET /team/{employeeId}',
    path: () => '/team/e10',
    expect: only(200, ['hr', 'manager', 'skipLevel']),
  },
  { route: 'GET /feedback', path: () => '/feedback', expect: only(200, signedIn) },
  {
    route: 'POST /feedback/ask',
    path: () => '/feedback/ask',
    form: () => ({
      key: randomUUID(),
      ids: 'e12',
      question: 'How did the launch go?',
      deadline: '2027-09-13',
    }),
    // Everyone asks about themselves; the HR admin has no employee record to ask from.
    expect: only(
      303,
      signedIn.filter((c) => c !== 'hr'),
      'POST',
    ),
  },
  {
    route: 'POST /feedback/give',
    path: () => '/feedback/give',
    form: () => ({
      key: randomUUID(),
      employeeId: 'e10',
      itemId: 'ownership',
      message: 'Thanks for the demo',
    }),
    // Nobody praises themselves (400); praise comes from someone with a record.
    expect: { ...only(303, ['manager', 'skipLevel', 'otherManager', 'peer', 'mentor'], 'POST'), self: 400 },
  },
  {
    route: 'GET /feedback/asks/{askId}',
    path: () => `/feedback/asks/${olaAskId}`,
    expect: only(200, ['hr', 'self']),
  },
  // ---- end of the team, own-page and feedback rows
  // HR: people, import, catalog and audit (functions/api/pages/hr-people.ts, hr-catalog.ts, hr-audit.ts).
  { route: 'GET /hr/people', path: () => '/hr/people', expect: only(200, ['hr']) },
  { route: 'GET /hr/people/{employeeId}', path: () => '/hr/people/e10', expect: only(200, ['hr']) },
  { route: 'GET /hr/import', path: () => '/hr/import', expect: only(200, ['hr']) },
  {
    route: 'POST /hr/import/preview',
    path: () => '/hr/import/preview',
    form: () => ({ csv: Buffer.from(IMPORT_CSV).toString('base64'), mode: 'partial', dateOrder: 'dmy' }),
    expect: only(200, ['hr'], 'POST'),
  },
  {
    route: 'POST /hr/import/apply',
    path: () => '/hr/import/apply',
    form: () => ({ csv: Buffer.from(IMPORT_CSV).toString('base64'), mode: 'partial', dateOrder: 'dmy' }),
    expect: only(200, ['hr'], 'POST'),
  },
  { route: 'GET /hr/catalog', path: () => '/hr/catalog', expect: only(200, ['hr']) },
  {
    route: 'GET /hr/catalog/{kind}/{id}',
    path: () => '/hr/catalog/template/annual-review',
    expect: only(200, ['hr']),
  },
  {
    route: 'GET /hr/catalog/{kind}/{id}/emails',
    path: () => '/hr/catalog/plan-policy/development/emails',
    expect: only(200, ['hr']),
  },
  { route: 'GET /hr/audit', path: () => '/hr/audit', expect: only(200, ['hr']) },
];

/** An HRIS export that changes nobody: one person of the sample organisation, written as an HRIS writes it. */
const IMPORT_CSV = [
  'Worker ID,Preferred Name,Work Email,Reports To,Business Title,Career Track,Grade,Dept,Office,Timezone,Hire Date,Employment Status',
  'e10,Ola Haugen,ola.haugen@example.com,e04,Engineer,individual contributor,L4,Engineering,Oslo,Europe/Oslo,06/01/2020,Active',
].join('\n');

const AUTH_ROUTES = ['GET /auth/sign-in', 'GET /auth/callback', 'POST /auth/sign-out', 'GET /auth/config'];

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-09-06T08:00:00Z'));
  const hr = stack.devToken('hr-admin-1', { hr: true });
  const io = { out: () => undefined, err: () => undefined, isTty: false };
  expect(await run(['import-org', SAMPLE_ORG_CSV, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  expect(await run(['apply', CATALOG_YAML, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  await setUpHrConsole();
  // ---- The team, own-page and feedback pages' setup
  const json = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
  const goal = await fetch(`${stack.urls.api}/goals`, {
    method: 'POST',
    headers: json(hr),
    body: JSON.stringify({
      ownerId: 'e10',
      title: 'Faster API',
      measure: 'p95 ms',
      weight: 40,
      dueDate: '2027-11-30',
    }),
  });
  expect(goal.status).toBe(201);
  olaGoalId = ((await goal.json()) as { goal: { goalId: string } }).goal.goalId;
  const ask = await fetch(`${stack.urls.api}/feedback/requests`, {
    method: 'POST',
    headers: json(stack.devToken('e10')),
    body: JSON.stringify({ recipients: [{ employeeId: 'e11' }], question: 'How did the demo go?', days: 5 }),
  });
  expect(ask.status).toBe(201);
  olaAskId = ((await ask.json()) as { request: { askId: string } }).request.askId;
  // ---- end of their setup
  for (const [caller, as] of Object.entries(SIGN_IN_AS))
    jars.set(caller as Caller, (await signIn(stack, as)).jar);
  jars.set('external', new Map());
});

afterAll(async () => {
  await stack?.dispose();
});

describe('the app role matrix', () => {
  it('has a row for every page and action of the app', () => {
    const covered = new Set(ROWS.map((r) => r.route));
    expect(Object.keys(PAGES).filter((key) => !covered.has(key))).toEqual([]);
    expect(Object.keys(APP_ROUTES).sort()).toEqual([...Object.keys(PAGES), ...AUTH_ROUTES].sort());
  });

  it('refuses every action posted without the session’s CSRF token, or from another site, before it runs', async () => {
    const jar = jars.get('hr') ?? new Map();
    const actions = ROWS.filter((r) => r.route.startsWith('POST '));
    expect(actions.length).toBeGreaterThan(10);
    for (const row of actions) {
      const fields = new URLSearchParams(row.form?.() ?? {}).toString();
      const post = (headers: Record<string, string>, body: string) =>
        browse(stack, jar, row.path(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body,
        });
      const noToken = await post({ 'sec-fetch-site': 'same-origin' }, fields);
      const crossSite = await post({ 'sec-fetch-site': 'cross-site' }, fields);
      expect([row.route, noToken.res.status, crossSite.res.status]).toEqual([row.route, 403, 403]);
    }
  });

  it.each(ROWS)('$route', async (row) => {
    const method = row.route.split(' ')[0];
    const answers: Record<string, number> = {};
    for (const caller of CALLERS) {
      const jar = jars.get(caller) ?? new Map();
      const answer =
        method === 'POST'
          ? await submit(stack, jar, row.path(), row.form?.() ?? {})
          : await browse(stack, jar, row.path());
      answers[caller] = answer.res.status;
    }
    expect(answers).toEqual(row.expect);
  });
});
