import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/growcycle';
import { APP_ROUTES } from '../../functions/api/app';
import { PAGES } from '../../functions/api/pages';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { browse, type Jar, signIn, submit } from '../support/app-browser';
import { startTestStack, type TestStack } from '../support/local-stack';

/*
 * The role matrix of the app: every page and action, opened by each kind of person, through the
 * local gateway and a real session. Ola (e10) is the subject, as in the HR API's matrix: Ingrid (e04)
 * is his manager, Henrik (e02) his skip-level, Lars (e05) a manager outside his line, Emma (e11) a
 * peer, Nora (e13) a mentor outside his line, and an external reviewer has no account at all.
 * A page added to the app without a row here fails the first test.
 */

let stack: TestStack;

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

const ROWS: Row[] = [
  { route: 'GET /', path: () => '/', expect: { ...only(200, signedIn), external: 200 } },
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
