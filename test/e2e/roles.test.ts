import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogFile, run } from '../../cli/growcycle';
import { stableId } from '../../domain/platform/ids';
import { HR_ROUTES } from '../../functions/api/hr-api';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { employee } from '../support/fixtures';
import { runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The whole role × route matrix of the HR API, through the local gateway's JWT check and the
 * function's authorization. Ola (e10) is the subject: Ingrid (e04) is his manager, Henrik (e02) his
 * skip-level, Lars (e05) a manager outside his line, Emma (e11) a peer.
 */

let stack: TestStack;
let cycleId: string;
let planId: string;
let cancelPlanId: string;
let goalId: string;
let spareCycleId: string;
let companyGoalId: string;
/** A manager appraisal of a review under way (pending until the appraisal phase opens). */
let appraisalRequestId: string;
/** Ola's own request for feedback, not shared with his manager. */
let askId: string;

type Caller = 'hr' | 'manager' | 'skipLevel' | 'otherManager' | 'self' | 'peer' | 'mentor';
const CALLERS: Record<Caller, { id: string; hr?: boolean }> = {
  hr: { id: 'hr-admin-1', hr: true },
  manager: { id: 'e04' },
  skipLevel: { id: 'e02' },
  otherManager: { id: 'e05' },
  self: { id: 'e10' },
  peer: { id: 'e11' },
  // Outside e10's line; mentors one item of e10's plan.
  mentor: { id: 'e13' },
};

const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.text();
  return res.status;
};
const as = (caller: Caller) => stack.devToken(CALLERS[caller].id, { hr: CALLERS[caller].hr ?? false });

type Row = {
  route: string;
  method: string;
  path: () => string;
  /** A body, or a function giving one once the setup has read it (or once it has read the API). */
  body?: unknown;
  expect: Record<Caller, number>;
  /** The kinds of data the route answers with: rows of the who-sees-what table in docs/security.md. */
  shows?: string[];
};
const bodyOf = async (row: Row): Promise<unknown> =>
  typeof row.body === 'function' ? await (row.body as () => unknown)() : row.body;
/** What GET answers at a path, read as HR: where a change finds the revision it names. */
const readAsHr = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${stack.urls.api}${path}`, { headers: { authorization: `Bearer ${as('hr')}` } });
  return (await res.json()) as T;
};
const goalRevision = async (id: string): Promise<number> =>
  (await readAsHr<{ goal: { revision: number } }>(`/goals/${id}`)).goal.revision;
const itemRevision = async (planId: string, itemId: string): Promise<number> =>
  (
    await readAsHr<{ plan: { items: Array<{ itemId: string; revision: number }> } }>(`/plans/${planId}`)
  ).plan.items.find((i) => i.itemId === itemId)?.revision ?? 0;
let catalog: unknown[] = [];
const everyoneBut = (ok: number, allowed: Caller[]): Record<Caller, number> =>
  Object.fromEntries(
    (Object.keys(CALLERS) as Caller[]).map((c) => [c, allowed.includes(c) ? ok : 403]),
  ) as Record<Caller, number>;
const line: Caller[] = ['hr', 'manager', 'skipLevel', 'self'];
const everyone = everyoneBut(200, Object.keys(CALLERS) as Caller[]);

/** A kind of catalog document's list, its revisions and its first revision, each answered as `expect`. */
const catalogListRows = (segment: string, param: string, id: string, expect: Record<Caller, number>): Row[] =>
  [
    [`GET /${segment}`, `/${segment}`],
    [`GET /${segment}/{${param}}/revisions`, `/${segment}/${id}/revisions`],
    [`GET /${segment}/{${param}}/revisions/{revision}`, `/${segment}/${id}/revisions/1`],
  ].map(([route, path]) => ({ route: route as string, method: 'GET', path: () => path as string, expect }));

const ROWS: Row[] = [
  // HR's lists: the organisation, the catalog by kind with revisions, a day of the audit trail.
  {
    route: 'GET /employees',
    shows: ['The organisation: everyone, leavers, bounced addresses'],
    method: 'GET',
    path: () => '/employees?limit=5',
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /audit',
    shows: ['The audit trail'],
    method: 'GET',
    path: () => '/audit',
    expect: everyoneBut(200, ['hr']),
  },
  ...catalogListRows('frameworks', 'frameworkId', 'company-2027', everyone),
  ...catalogListRows('templates', 'templateId', 'annual-review', everyone),
  ...catalogListRows('plan-policies', 'planPolicyId', 'development', everyone),
  {
    route: 'GET /audit/{entityKey}',
    shows: ['The audit trail'],
    method: 'GET',
    path: () => `/audit/${encodeURIComponent(`cycle#${cycleId}`)}`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /employees/{employeeId}',
    shows: ["A person's record: name, title, level, manager, department, time zone"],
    method: 'GET',
    path: () => '/employees/e10',
    expect: everyoneBut(200, line),
  },
  {
    route: 'PUT /employees/{employeeId}/aspiration',
    method: 'PUT',
    path: () => '/employees/e10/aspiration',
    body: { track: 'management', level: 3, note: 'Lead the platform team' },
    expect: everyoneBut(200, ['hr', 'manager', 'self']),
  },
  {
    route: 'GET /employees/{employeeId}/reports',
    method: 'GET',
    path: () => '/employees/e04/reports',
    expect: everyoneBut(200, ['hr', 'manager', 'skipLevel']),
  },
  {
    route: 'GET /employees/{employeeId}/export',
    shows: ['Everything held about a person (the export)'],
    method: 'GET',
    path: () => '/employees/e10/export',
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /employees/{employeeId}/pseudonymise',
    method: 'POST',
    path: () => '/employees/e10/pseudonymise',
    // HR may, but Ola has not left: refused with why; everyone else is refused first.
    expect: { ...everyoneBut(403, []), hr: 409 },
  },
  {
    route: 'GET /employees/{employeeId}/requests',
    shows: ['What a person is asked to do and by when'],
    method: 'GET',
    path: () => '/employees/e10/requests',
    expect: everyoneBut(200, line),
  },
  {
    route: 'GET /employees/{employeeId}/reviews',
    shows: ['Reviews: where each stands, the self-assessment, the goals of the cycle'],
    method: 'GET',
    path: () => '/employees/e10/reviews',
    expect: everyoneBut(200, line),
  },
  {
    route: 'GET /employees/{employeeId}/aspiration',
    shows: ['Career aspiration'],
    method: 'GET',
    path: () => '/employees/e10/aspiration',
    expect: everyoneBut(200, line),
  },
  {
    route: 'PUT /employees',
    method: 'PUT',
    path: () => '/employees',
    body: {
      employees: [employee('x1', { name: 'X', title: 'T', level: 4 })],
    },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /org/import',
    method: 'POST',
    path: () => '/org/import',
    body: { rows: [], dryRun: true },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /org/import/preview',
    method: 'POST',
    path: () => '/org/import/preview',
    body: { rows: [] },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'PUT /frameworks/{frameworkId}',
    method: 'PUT',
    path: () => '/frameworks/company-2027',
    body: () => catalog[0],
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /frameworks/{frameworkId}',
    shows: ['Frameworks and templates: the competencies and questions'],
    method: 'GET',
    path: () => '/frameworks/company-2027',
    expect: everyoneBut(200, Object.keys(CALLERS) as Caller[]),
  },
  {
    route: 'PUT /templates/{templateId}',
    method: 'PUT',
    path: () => '/templates/annual-review',
    body: () => catalog[1],
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /templates/{templateId}',
    shows: ['Frameworks and templates: the competencies and questions'],
    method: 'GET',
    path: () => '/templates/annual-review',
    expect: everyoneBut(200, Object.keys(CALLERS) as Caller[]),
  },
  {
    route: 'PUT /triggers/{triggerId}',
    method: 'PUT',
    path: () => '/triggers/end-of-probation',
    body: () => ({
      kind: 'trigger',
      id: 'end-of-probation',
      name: 'End-of-probation review',
      templateId: 'annual-review',
      daysAfterStart: 180,
    }),
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /triggers/{triggerId}',
    method: 'GET',
    path: () => '/triggers/end-of-probation',
    expect: everyoneBut(200, ['hr']),
  },
  // After the trigger is saved above.
  ...catalogListRows('triggers', 'triggerId', 'end-of-probation', everyoneBut(200, ['hr'])),
  {
    route: 'POST /cycles',
    method: 'POST',
    path: () => '/cycles',
    body: { name: 'Matrix', participants: ['e12'], startAt: '2030-01-01T00:00:00Z' },
    expect: everyoneBut(201, ['hr']),
  },
  {
    route: 'GET /cycles',
    shows: ["A cycle's status and export"],
    method: 'GET',
    path: () => '/cycles?status=scheduled&limit=2',
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /cycles/{cycleId}/calibration',
    shows: ['Calibration of a cycle: distributions and adjustments'],
    method: 'GET',
    path: () => `/cycles/${cycleId}/calibration`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /cycles/{cycleId}',
    shows: ["A cycle's status and export"],
    method: 'GET',
    path: () => `/cycles/${cycleId}`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /cycles/{cycleId}/extend',
    method: 'POST',
    path: () => `/cycles/${cycleId}/extend`,
    body: { days: 1, employeeId: 'e10' },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /cycles/{cycleId}/participants',
    method: 'POST',
    path: () => `/cycles/${cycleId}/participants`,
    body: { employeeIds: ['e12'] },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'DELETE /cycles/{cycleId}/participants/{employeeId}',
    method: 'DELETE',
    path: () => `/cycles/${cycleId}/participants/e12`,
    // HR's removal succeeds; callers after HR are refused before the review's state is looked at.
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /cycles/{cycleId}/export',
    shows: ["A cycle's status and export"],
    method: 'GET',
    path: () => `/cycles/${cycleId}/export`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /cycles/{cycleId}/cancel',
    method: 'POST',
    path: () => `/cycles/${spareCycleId}/cancel`,
    body: { reason: 'Matrix' },
    // HR's cancel succeeds once; the matrix runs HR first, so later callers are refused before the state is checked.
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /cycles/{cycleId}/reviews/{employeeId}',
    shows: [
      'Reviews: where each stands, the self-assessment, the goals of the cycle',
      "Results: ratings, the manager's texts, calibration, combined peer feedback",
    ],
    method: 'GET',
    path: () => `/cycles/${cycleId}/reviews/e10`,
    expect: everyoneBut(200, line),
  },
  {
    route: 'GET /cycles/{cycleId}/reviews/{employeeId}?view=hr',
    shows: ['Who gave which peer answer'],
    method: 'GET',
    path: () => `/cycles/${cycleId}/reviews/e10?view=hr`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /cycles/{cycleId}/reviews/{employeeId}/calibration',
    method: 'POST',
    path: () => `/cycles/${cycleId}/reviews/e10/calibration`,
    body: { overall: 3, justification: 'Matrix' },
    // HR may calibrate, but not before the manager appraisal is in; everyone else is refused first.
    expect: { ...everyoneBut(403, []), hr: 409 },
  },
  {
    route: 'POST /cycles/{cycleId}/reviews/{employeeId}/release',
    method: 'POST',
    path: () => `/cycles/${cycleId}/reviews/e10/release`,
    // HR and the direct manager may release, but not before the appraisal is in; everyone else is refused first.
    expect: { ...everyoneBut(403, []), hr: 409, manager: 409 },
  },
  {
    route: 'POST /cycles/{cycleId}/release',
    method: 'POST',
    path: () => `/cycles/${cycleId}/release`,
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /requests/{requestId}/reassign',
    method: 'POST',
    path: () => `/requests/${appraisalRequestId}/reassign`,
    body: { recipientId: 'e02', reason: 'Matrix' },
    // HR's succeeds (and a repeat would change nothing); everyone else is refused before the request is read.
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /plans',
    method: 'POST',
    path: () => '/plans',
    body: {
      ownerId: 'e10',
      title: 'Matrix plan',
      items: [{ title: 'Read a book', dueAt: '2030-01-01T00:00:00Z' }],
    },
    expect: everyoneBut(201, ['hr', 'manager']),
  },
  {
    route: 'POST /plans/draft',
    method: 'POST',
    path: () => '/plans/draft',
    body: () => ({ cycleId, employeeId: 'e10' }),
    // HR and the direct manager may draft, but not before the results are released; everyone else is refused first.
    expect: { ...everyoneBut(403, []), hr: 409, manager: 409 },
  },
  {
    route: 'GET /plans/{planId}',
    shows: ['Development plans'],
    method: 'GET',
    path: () => `/plans/${planId}`,
    expect: everyoneBut(200, [...line, 'mentor']),
  },
  {
    route: 'GET /plans?ownerId',
    method: 'GET',
    path: () => '/plans?ownerId=e10',
    expect: everyoneBut(200, line),
  },
  {
    route: 'GET /plans?mentorId',
    method: 'GET',
    path: () => '/plans?mentorId=e13',
    expect: everyoneBut(200, ['hr', 'mentor']),
  },
  {
    route: 'GET /plans?overdue',
    method: 'GET',
    path: () => '/plans?overdue=true',
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /plans?status',
    method: 'GET',
    path: () => '/plans?status=active',
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'POST /plans/{planId}/items',
    method: 'POST',
    path: () => `/plans/${planId}/items`,
    body: { title: 'Another', dueAt: '2030-02-01T00:00:00Z' },
    expect: everyoneBut(201, ['hr', 'manager']),
  },
  {
    route: 'PATCH /plans/{planId}/items/{itemId}',
    method: 'PATCH',
    path: () => `/plans/${planId}/items/i1`,
    body: async () => ({ title: 'Pair on a design review', revision: await itemRevision(planId, 'i1') }),
    expect: everyoneBut(200, ['hr', 'manager']),
  },
  {
    route: 'POST /plans/{planId}/cancel',
    method: 'POST',
    path: () => `/plans/${cancelPlanId}/cancel`,
    body: { reason: 'Matrix' },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'PUT /plan-policies/{planPolicyId}',
    method: 'PUT',
    path: () => '/plan-policies/matrix',
    body: { kind: 'plan-policy', id: 'matrix', name: 'Matrix policy' },
    expect: everyoneBut(200, ['hr']),
  },
  {
    route: 'GET /plan-policies/{planPolicyId}',
    method: 'GET',
    path: () => '/plan-policies/matrix',
    expect: everyoneBut(200, Object.keys(CALLERS) as Caller[]),
  },
  {
    route: 'POST /feedback/requests',
    method: 'POST',
    path: () => '/feedback/requests',
    body: {
      subjectId: 'e10',
      recipients: [{ name: 'Ext', email: 'ext@example.org' }],
      question: 'How?',
      days: 3,
    },
    // HR asks only as a person, about themselves; the admin of this matrix has no employee record.
    expect: everyoneBut(201, ['manager', 'self']),
  },
  {
    route: 'GET /feedback/requests/{askId}',
    method: 'GET',
    path: () => `/feedback/requests/${askId}`,
    expect: everyoneBut(200, ['hr', 'self']),
  },
  {
    route: 'POST /feedback/praise',
    method: 'POST',
    path: () => '/feedback/praise',
    body: { employeeId: 'e10', templateId: 'annual-review', itemId: 'ownership', message: 'Thanks' },
    expect: { ...everyoneBut(201, ['manager', 'skipLevel', 'otherManager', 'peer', 'mentor']), self: 400 },
  },
  {
    route: 'GET /employees/{employeeId}/feedback',
    shows: ['Feedback received any time and praise'],
    method: 'GET',
    path: () => '/employees/e10/feedback',
    expect: everyoneBut(200, ['hr', 'manager', 'self']),
  },
  {
    route: 'GET /employees/{employeeId}/feedback-requests',
    shows: ['Requests for feedback about a person and their answers'],
    method: 'GET',
    path: () => '/employees/e10/feedback-requests',
    expect: everyoneBut(200, ['hr', 'manager', 'self']),
  },
  {
    route: 'GET /employees/{employeeId}/goals',
    shows: ['Goals and their progress'],
    method: 'GET',
    path: () => '/employees/e10/goals',
    expect: everyoneBut(200, line),
  },
  {
    route: 'POST /goals',
    method: 'POST',
    path: () => '/goals',
    body: { ownerId: 'e10', title: 'Matrix goal', measure: 'Ship it', weight: 10, dueDate: '2027-12-31' },
    expect: everyoneBut(201, ['hr', 'manager', 'self']),
  },
  {
    route: 'GET /goals/{goalId}',
    shows: ['Goals and their progress'],
    method: 'GET',
    path: () => `/goals/${goalId}`,
    expect: everyoneBut(200, line),
  },
  {
    route: 'PATCH /goals/{goalId}',
    method: 'PATCH',
    path: () => `/goals/${goalId}`,
    body: async () => ({ weight: 30, revision: await goalRevision(goalId) }),
    expect: everyoneBut(200, ['hr', 'manager', 'self']),
  },
  {
    route: 'POST /goals/{goalId}/progress',
    method: 'POST',
    path: () => `/goals/${goalId}/progress`,
    body: { value: 40, note: 'Halfway' },
    expect: everyoneBut(201, ['hr', 'manager', 'self']),
  },
];

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-09-06T08:00:00Z'));
  const hr = as('hr');
  const io = { out: () => undefined, err: () => undefined, isTty: false };
  expect(await run(['import-org', SAMPLE_ORG_CSV, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  catalog = readCatalogFile(CATALOG_YAML);
  expect(await run(['apply', CATALOG_YAML, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${hr}` };
  const cycle = await fetch(`${stack.urls.api}/cycles`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Roles', participants: ['e10', 'e11'], startAt: '2030-01-01T00:00:00Z' }),
  });
  cycleId = String(((await cycle.json()) as { cycleId: string }).cycleId);
  const spare = await fetch(`${stack.urls.api}/cycles`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'To cancel', participants: ['e12'], startAt: '2030-01-01T00:00:00Z' }),
  });
  spareCycleId = String(((await spare.json()) as { cycleId: string }).cycleId);
  const running = await fetch(`${stack.urls.api}/cycles`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Reassign matrix', participants: ['e10'], startAt: '2027-09-06T08:00:00Z' }),
  });
  const runningId = String(((await running.json()) as { cycleId: string }).cycleId);
  appraisalRequestId = stableId(runningId, 'e10', 'manager');
  await runUntil(stack, async () => {
    const status = await fetch(`${stack.urls.api}/cycles/${runningId}`, { headers });
    const { phases } = (await status.json()) as { phases: Record<string, Record<string, number>> };
    return Object.values(phases['manager-appraisal'] ?? {}).some((n) => n > 0);
  });
  const plan = await fetch(`${stack.urls.api}/plans`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      ownerId: 'e10',
      title: 'Grow',
      items: [
        { title: 'Pair', dueAt: '2030-01-01T00:00:00Z' },
        { kind: 'mentoring', title: 'Mentoring on design', dueAt: '2030-01-01T00:00:00Z', mentorId: 'e13' },
      ],
    }),
  });
  planId = String(((await plan.json()) as { planId: string }).planId);
  const toCancel = await fetch(`${stack.urls.api}/plans`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      ownerId: 'e10',
      title: 'To cancel',
      items: [{ title: 'Read', dueAt: '2030-01-01T00:00:00Z' }],
    }),
  });
  cancelPlanId = String(((await toCancel.json()) as { planId: string }).planId);
  const goal = async (body: Record<string, unknown>) => {
    const res = await fetch(`${stack.urls.api}/goals`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return String(((await res.json()) as { goal: { goalId: string } }).goal.goalId);
  };
  companyGoalId = await goal({
    ownerId: 'company',
    title: 'Halve time to first value',
    measure: 'Median onboarding days',
    targetValue: 7,
    unit: 'days',
    weight: 100,
    dueDate: '2027-12-31',
  });
  goalId = await goal({
    ownerId: 'e10',
    title: 'Faster onboarding API',
    measure: 'p95 under 200 ms',
    targetValue: 200,
    unit: 'ms',
    weight: 40,
    dueDate: '2027-11-30',
    parentGoalId: companyGoalId,
  });
  const aspiration = await fetch(`${stack.urls.api}/employees/e10/aspiration`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ level: 5 }),
  });
  expect(aspiration.status).toBe(200);
  const ask = await fetch(`${stack.urls.api}/feedback/requests`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${as('self')}` },
    body: JSON.stringify({ recipients: [{ employeeId: 'e11' }], question: 'How did the demo go?', days: 5 }),
  });
  expect(ask.status).toBe(201);
  askId = String(((await ask.json()) as { request: { askId: string } }).request.askId);
  // The plan's workflow opens its first action item in the background; let it finish, so the
  // "function never runs" rows count only their own invocations.
  await stack.settle();
});

afterAll(async () => {
  await stack?.dispose();
});

/** The who-sees-what table of docs/security.md: each kind of data, and each role's cell. */
const whoSeesWhat = (): Map<string, Record<string, string>> => {
  const doc = readFileSync(path.join(import.meta.dirname, '../../docs/security.md'), 'utf8');
  const lines = doc
    .slice(doc.indexOf('<!-- who-sees-what'))
    .split('\n')
    .slice(1)
    .filter((l, i, all) => l.startsWith('|') && all.slice(0, i).every((b) => b === '' || b.startsWith('|')));
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const [header = [], , ...rows] = lines.map(cells);
  return new Map(
    rows.map((r) => [
      r[0] ?? '',
      Object.fromEntries(header.slice(1).map((role, i) => [role, r[i + 1] ?? ''])),
    ]),
  );
};
const COLUMN: Record<Caller, string> = {
  hr: 'HR',
  manager: 'Manager',
  skipLevel: 'Skip-level',
  self: 'Employee',
  peer: 'Colleague',
  otherManager: 'Colleague',
  mentor: 'Mentor',
};

describe('HR API role × route matrix', () => {
  it('covers every route the HR API serves', () => {
    expect([...new Set(ROWS.map((r) => r.route.split('?')[0]))].sort()).toEqual([...HR_ROUTES].sort());
  });

  it('answers every kind of data as the who-sees-what table in docs/security.md says, and covers the table', () => {
    const table = whoSeesWhat();
    expect(table.size).toBeGreaterThan(10);
    const answered = new Set<string>();
    for (const row of ROWS) {
      for (const kind of row.shows ?? []) {
        const cells = table.get(kind);
        expect(cells, `"${kind}" is a row of the table`).toBeDefined();
        answered.add(kind);
        for (const caller of Object.keys(CALLERS) as Caller[]) {
          const sees = /^yes\b/.test(cells?.[COLUMN[caller]] ?? '');
          expect(row.expect[caller] === 200, `${row.route} as ${caller}`).toBe(sees);
        }
      }
    }
    expect([...table.keys()].filter((kind) => !answered.has(kind))).toEqual([]);
    // An external reviewer has no account: the API answers them nothing.
    expect([...table.values()].filter((cells) => cells['External reviewer'] !== 'no')).toEqual([]);
  });

  for (const row of ROWS) {
    for (const caller of Object.keys(CALLERS) as Caller[]) {
      it(`${row.route} as ${caller} → ${row.expect[caller]}`, async () => {
        const body = await bodyOf(row);
        expect(await call(as(caller), row.method, row.path(), body)).toBe(row.expect[caller]);
      });
    }
    it(`${row.route} without a token → 401, and the function never runs`, async () => {
      const body = await bodyOf(row);
      // What earlier rows set going (a cancelled plan's workflow closing it) ends first.
      await stack.settle();
      const before = stack.lambda.stats.invocations;
      expect(await call(undefined, row.method, row.path(), body)).toBe(401);
      expect(stack.lambda.stats.invocations).toBe(before);
    });
  }

  it('lists every cycle, latest start first, a page at a time, by status, patched ones included', async () => {
    type Page = {
      cycles: Array<{ cycleId: string; name: string; status: string; startAt: string }>;
      next?: string;
    };
    const listed: Page['cycles'] = [];
    let next: string | undefined;
    do {
      const page: Page = await readAsHr<Page>(`/cycles?limit=2${next ? `&cursor=${next}` : ''}`);
      listed.push(...page.cycles);
      next = page.next;
    } while (next);
    expect(listed.map((c) => c.cycleId)).toEqual(expect.arrayContaining([cycleId, spareCycleId]));
    expect(new Set(listed.map((c) => c.cycleId)).size).toBe(listed.length);
    const starts = listed.map((c) => c.startAt);
    expect(starts).toEqual([...starts].sort().reverse());
    // Opening a cycle patches its status: the cycle stays in the list, under its new status.
    const running = await readAsHr<Page>('/cycles?status=running');
    expect(running.cycles.map((c) => c.name)).toContain('Reassign matrix');
    expect(running.cycles.every((c) => c.status === 'running')).toBe(true);
    // The CLI reads the same list page after page.
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: () => undefined, isTty: false };
    expect(
      await run(['cycle', 'list', '--status', 'scheduled', '--api', stack.urls.api, '--token', as('hr')], io),
    ).toBe(0);
    expect(lines[0]).toMatch(/^cycle +name +status +start \(UTC\) +closes \(UTC\) +people$/);
    expect(lines.find((l) => l.startsWith(cycleId))).toMatch(/Roles +scheduled +2030-01-01 00:00 /);
    expect(lines.some((l) => l.includes('Reassign matrix'))).toBe(false);
    const bad = await fetch(`${stack.urls.api}/cycles?cursor=bm90LWEtY3Vyc29y`, {
      headers: { authorization: `Bearer ${as('hr')}` },
    });
    expect(bad.status).toBe(400);
  });

  it('shows a mentor only the items they mentor of a plan, and nothing else of it', async () => {
    const res = await fetch(`${stack.urls.api}/plans/${planId}`, {
      headers: { authorization: `Bearer ${as('mentor')}` },
    });
    const { plan } = (await res.json()) as {
      plan: Record<string, unknown> & { items: Array<{ mentorId?: string }> };
    };
    expect(plan.items.map((i) => i.mentorId)).toEqual(['e13']);
    expect(Object.keys(plan).sort()).toEqual(['items', 'ownerId', 'planId', 'status']);
  });

  it('refuses a token whose signature was altered, or that has expired', async () => {
    const token = as('hr');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), 'custom:employee_id': 'e01' })).toString('base64url')}.${sig}`;
    expect(await call(forged, 'GET', '/employees/e10')).toBe(401);
    const stale = stack.devToken('hr-admin-1', { hr: true });
    await stack.clock?.advance(2 * 3_600_000);
    expect(await call(stale, 'GET', '/employees/e10')).toBe(401);
  });

  it('keeps the email-link forms, the health check and the API description open without an account', async () => {
    expect(await call(undefined, 'GET', '/r/unknown?e=1&s=x')).toBe(403);
    expect(await call(undefined, 'GET', '/health')).toBe(200);
    const doc = await fetch(`${stack.urls.api}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});

describe('goals', () => {
  const json = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.urls.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('shows a goal with the company goal it aligns to, and keeps every progress update with who made it', async () => {
    const got = await json(as('self'), 'GET', `/goals/${goalId}`);
    expect(got.status).toBe(200);
    expect(got.body.alignedTo).toEqual([
      { goalId: companyGoalId, title: 'Halve time to first value', ownerId: 'company' },
    ]);
    const progress = (got.body.goal as { progress: Array<{ by: string; value?: number; note?: string }> })
      .progress;
    expect(progress.map((p) => p.by)).toEqual(['hr-admin-1', 'e04', 'e10']);
    expect(progress[0]).toMatchObject({ value: 40, note: 'Halfway' });
  });

  it('lets everyone read a company goal but only HR set one', async () => {
    expect((await json(as('peer'), 'GET', `/goals/${companyGoalId}`)).status).toBe(200);
    const refused = await json(as('manager'), 'POST', '/goals', {
      ownerId: 'company',
      title: 'x',
      measure: 'y',
      weight: 1,
      dueDate: '2027-12-31',
    });
    expect(refused.status).toBe(403);
  });

  it('shows the goals live during a cycle on the review, so the cycle reads them', async () => {
    const live = await json(as('self'), 'POST', '/goals', {
      ownerId: 'e10',
      title: 'Live in 2030',
      measure: 'Done',
      weight: 20,
      dueDate: '2030-06-30',
    });
    const got = await json(as('manager'), 'GET', `/cycles/${cycleId}/reviews/e10`);
    const ids = (got.body.goals as Array<{ goalId: string }>).map((g) => g.goalId);
    // The cycle starts in 2030: the goal due then is read, the one due in 2027 is not.
    expect(ids).toContain((live.body.goal as { goalId: string }).goalId);
    expect(ids).not.toContain(goalId);
  });

  it('records who changed what, and when, in the audit trail HR can read', async () => {
    const trail = await json(as('hr'), 'GET', `/audit/${encodeURIComponent(`goal#${goalId}`)}`);
    const events = trail.body.events as Array<{ actor: string; action: string; at: string }>;
    expect(events.map((e) => `${e.actor} ${e.action}`)).toEqual(
      expect.arrayContaining(['hr-admin-1 goal.created', 'e04 goal.updated', 'e10 goal.progress']),
    );
    expect(events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
  });

  it('exports everything held about a person for HR, and says what the export does not hold', async () => {
    const exported = await json(as('hr'), 'GET', '/employees/e10/export');
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      employeeId: 'e10',
      employee: { employee: { name: 'Ola Haugen' } },
      notIncluded: expect.arrayContaining([expect.stringContaining('outbox')]),
    });
    expect(JSON.stringify(exported.body.goals)).toContain(goalId);
    expect(JSON.stringify(exported.body.plans)).toContain(planId);
    expect(Array.isArray(exported.body.reviews)).toBe(true);
    expect(Array.isArray(exported.body.answersGiven)).toBe(true);
    expect((await json(as('hr'), 'GET', '/employees/nobody/export')).status).toBe(404);

    // The same from the command line, and its refusal naming the person for someone unknown.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false };
    const cli = (id: string) =>
      run(['person', 'export', id, '--api', stack.urls.api, '--token', as('hr')], io);
    expect(await cli('e10')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ employeeId: 'e10' });
    expect(await cli('nobody')).toBe(1);
    expect(err.join('\n')).toContain('nobody');
    // Pseudonymising someone who has not left is refused, saying why, with exit code 1.
    err.length = 0;
    expect(
      await run(['person', 'pseudonymise', 'e10', '--api', stack.urls.api, '--token', as('hr')], io),
    ).toBe(1);
    expect(err.join('\n')).toContain('this person has not left');
  });

  it('aligns up the line but never to a goal outside it, which reads as no goal and is never shown', async () => {
    // Arrange: Ingrid's own goal (his manager's), and Lars's (a manager outside his line).
    const goalOf = async (caller: Caller, ownerId: string, title: string) =>
      (
        (
          await json(as(caller), 'POST', '/goals', {
            ownerId,
            title,
            measure: 'Done',
            weight: 10,
            dueDate: '2027-12-31',
          })
        ).body.goal as { goalId: string }
      ).goalId;
    const managers = await goalOf('manager', 'e04', 'Platform uptime');
    const outside = await goalOf('otherManager', 'e05', 'Secret mobile launch');
    const align = (parentGoalId: string) =>
      json(as('self'), 'POST', '/goals', {
        ownerId: 'e10',
        title: 'My part',
        measure: 'Done',
        weight: 10,
        dueDate: '2027-12-31',
        parentGoalId,
      });

    // Act
    const upTheLine = await align(managers);
    const sideways = await align(outside);

    // Assess
    expect(upTheLine.status).toBe(201);
    const mine = (upTheLine.body.goal as { goalId: string }).goalId;
    expect((await json(as('self'), 'GET', `/goals/${mine}`)).body.alignedTo).toEqual([
      { goalId: managers, title: 'Platform uptime', ownerId: 'e04' },
    ]);
    expect(sideways.status).toBe(400);
    expect(sideways.body.errors).toEqual([{ field: 'parentGoalId', message: `no goal ${outside}` }]);
    expect(JSON.stringify(sideways.body)).not.toContain('Secret mobile launch');
  });

  it('refuses an alignment that would make a loop, naming the field', async () => {
    const res = await json(as('hr'), 'PATCH', `/goals/${companyGoalId}`, {
      parentGoalId: goalId,
      revision: await goalRevision(companyGoalId),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'parentGoalId', message: 'that alignment would make a loop' }]);
  });

  it('refuses the later of two changes made from the same revision, keeping the first and the progress', async () => {
    const revision = await goalRevision(goalId);
    const [first, second] = [
      await json(as('self'), 'PATCH', `/goals/${goalId}`, { weight: 35, revision }),
      await json(as('manager'), 'PATCH', `/goals/${goalId}`, { weight: 45, revision }),
    ];
    expect(first.status).toBe(200);
    expect(first.body.goal).toMatchObject({ weight: 35, revision: revision + 1 });
    expect(second.status).toBe(409);
    expect(second.body.errors).toEqual([
      { field: 'revision', message: 'the goal was changed since this revision' },
    ]);
    const now = (await json(as('hr'), 'GET', `/goals/${goalId}`)).body.goal as {
      weight: number;
      progress: unknown[];
    };
    expect(now.weight).toBe(35);
    expect(now.progress.length).toBeGreaterThan(0);
  });

  it('answers a retried create with the same Idempotency-Key with the goal as it is, resetting nothing', async () => {
    const create = () =>
      fetch(`${stack.urls.api}/goals`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${as('self')}`,
          'idempotency-key': 'goal-retry-1',
        },
        body: JSON.stringify({
          ownerId: 'e10',
          title: 'Retried',
          measure: 'Done',
          weight: 5,
          dueDate: '2027-12-31',
        }),
      }).then(async (res) => ({
        status: res.status,
        goal: ((await res.json()) as { goal: { goalId: string } }).goal,
      }));
    const first = await create();
    await json(as('self'), 'POST', `/goals/${first.goal.goalId}/progress`, { note: 'Started' });
    const retry = await create();
    expect(retry.status).toBe(201);
    expect(retry.goal).toMatchObject({ goalId: first.goal.goalId, progress: [{ note: 'Started' }] });
  });

  it('refuses progress with neither a value nor a note, and a goal without a measure', async () => {
    expect((await json(as('self'), 'POST', `/goals/${goalId}/progress`, {})).body.errors).toEqual([
      { field: 'value', message: 'give a value, a note, or both' },
    ]);
    const noMeasure = await json(as('self'), 'POST', '/goals', {
      ownerId: 'e10',
      title: 'Vague',
      measure: ' ',
      weight: 5,
      dueDate: '2027-12-31',
    });
    expect(noMeasure.body.errors).toEqual([{ field: 'measure', message: 'say how progress is measured' }]);
  });
});

describe('career aspiration', () => {
  it('keeps the last one set, with who set it, and every change in the audit trail', async () => {
    const headers = (caller: Caller) => ({ authorization: `Bearer ${as(caller)}` });
    const got = await fetch(`${stack.urls.api}/employees/e10/aspiration`, { headers: headers('skipLevel') });
    expect(await got.json()).toMatchObject({
      aspiration: {
        employeeId: 'e10',
        track: 'management',
        level: 3,
        note: 'Lead the platform team',
        updatedBy: 'e10',
      },
    });
    const trail = await fetch(`${stack.urls.api}/audit/${encodeURIComponent('aspiration#e10')}`, {
      headers: headers('hr'),
    });
    const { events } = (await trail.json()) as { events: Array<{ actor: string; action: string }> };
    expect(events.map((e) => `${e.actor} ${e.action}`)).toEqual(
      expect.arrayContaining(['hr-admin-1 aspiration.set', 'e04 aspiration.set', 'e10 aspiration.set']),
    );
  });

  it('answers 404 naming the employee for someone who recorded none', async () => {
    const res = await fetch(`${stack.urls.api}/employees/e11/aspiration`, {
      headers: { authorization: `Bearer ${as('peer')}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([
      { field: 'employeeId', message: 'not found' },
    ]);
  });
});
