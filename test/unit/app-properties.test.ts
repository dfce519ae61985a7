import { createHash } from 'node:crypto';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ORG_COLUMNS } from '../../domain/people/hris';
import { db } from '../../domain/platform/table';
import { handler } from '../../functions/api/app';
import { PAGES } from '../../functions/api/pages';
import { MAX_UPLOAD_BYTES } from '../../functions/api/pages/multipart';
import type { HttpResult } from '../../functions/shared/http';
import { clearCookie, SESSION_COOKIE, SIGN_IN_COOKIE } from '../../functions/shared/session';
import { hostileText, PROPERTY_TIMEOUT, RUNS, validEmployee } from '../support/arbitraries';
import { adasSelfAssessment, cycleH1, employee, hrisCsv } from '../support/fixtures';
import {
  fixedClock,
  httpEvent,
  storedItem,
  stubTestEnv,
  TEST_LINK_SECRET_VALUE,
  tableBehind,
} from '../support/unit-doubles';

/*
 * Properties of the signed-in app at its boundary, through the deployed handler (its error
 * middleware included, so a throw shows as the 500 a browser would get): whatever an HR admin's
 * browser posts to an HR action, whatever multipart upload reaches the org import, whatever comes
 * back to the sign-in callback, the answer is a page, never a 5xx nor a crash of the process; a
 * refusal is a 4xx page whose title and first paragraph say what is wrong, and nothing is written
 * on the way to it. The table is a small fake (HR's session, a running cycle, its people, requests
 * and a review) behind the SDK mocks; writes succeed.
 */

// A property runs its inputs in one test: the default 5 s is for one example.
vi.setConfig({ testTimeout: PROPERTY_TIMEOUT });

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const scheduler = mockClient(SchedulerClient);
const ses = mockClient(SESv2Client);
const secrets = mockClient(SecretsManagerClient);
const context = {} as Context;

const NOW = new Date('2025-03-12T09:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

/** The issuer the app signs in with, as the stack wires it; its token endpoint is the test's fetch stub. */
const AUTH_ENV = {
  AUTH_DOMAIN_URL: 'https://auth.example.com',
  AUTH_ISSUER: 'https://auth.example.com',
  AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  AUTH_APP_CLIENT_ID: 'app-client',
  AUTH_CLI_CLIENT_ID: 'cli-client',
};

/** The HR admin's signed-in browser: its session cookie and the session's CSRF token. */
const SESSION_ID = 'S'.repeat(43);
const CSRF = 'C'.repeat(43);
const sessionRow = () =>
  storedItem(
    db().session.put({
      sessionHash: createHash('sha256').update(SESSION_ID).digest('base64url'),
      employeeId: 'hr-1',
      hr: true,
      csrfToken: CSRF,
      idToken: 'id-token',
      idTokenExpiresAt: nowSeconds + 3600,
      createdAt: NOW.toISOString(),
      expiresAt: nowSeconds + 3600,
    }),
  );

const CYCLE_ID = cycleH1().cycleId;
const REQUEST_ID = adasSelfAssessment().requestId;
/** Ada's peer Bo's feedback on her, which HR may pass on to someone else. */
const PEER_REQUEST_ID = 'req-peer-bo';

/** HR's console as the fake table holds it: a running cycle, Ada's open self-assessment, the people. */
const rows = () => [
  sessionRow(),
  storedItem(db().employee.put(employee('hr-1', { name: 'Hana HR' }))),
  storedItem(db().employee.put(employee('emp-ada', { managerId: 'emp-grace' }))),
  storedItem(db().employee.put(employee('emp-grace'))),
  storedItem(db().employee.put(employee('emp-bo', { managerId: 'emp-grace' }))),
  storedItem(db().cycle.put(cycleH1())),
  storedItem(db().request.put(adasSelfAssessment())),
  storedItem(
    db().request.put(
      adasSelfAssessment({ requestId: PEER_REQUEST_ID, kind: 'peer-feedback', recipientId: 'emp-bo' }),
    ),
  ),
  storedItem(
    db().review.put({
      cycleId: CYCLE_ID,
      employeeId: 'emp-ada',
      managerId: 'emp-grace',
      status: 'completed',
      managerAppraisal: { rating: 4 },
      acknowledgmentRequestId: '',
    }),
  ),
];

/**
 * What a refusal changed: every call that writes the table, starts or answers a workflow, schedules
 * or sends an email.
 */
const READS = /^(Get|BatchGet|Query|Scan|Describe|List)/;
type Stub = AwsClientStub<DynamoDBDocumentClient | SFNClient | SchedulerClient | SESv2Client>;
const writesOf = (...clients: Stub[]) =>
  clients.flatMap((client) =>
    client
      .calls()
      .map((call) => call.args[0]?.constructor.name ?? '')
      .filter((name) => !READS.test(name)),
  );

/**
 * Errors thrown outside a request's own promise (a stream's error event no one listens to): on
 * Lambda they end the process, and the gateway answers 502 to every request it was serving.
 */
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => {
  uncaught.push(error);
};
/** What the request just made threw outside its promise, once what it set going has run. */
const crashes = async (): Promise<unknown[]> => {
  await new Promise((resolve) => setImmediate(resolve));
  return uncaught.splice(0);
};

/** A run of a property starts with no calls and no crashes on record. */
const startRun = () => {
  for (const client of [ddb, sfn, scheduler, ses]) client.resetHistory();
  uncaught.length = 0;
};

/**
 * The page a browser is owed whatever it sent: never a 5xx, always HTML; a refusal is a 4xx whose
 * title and first paragraph (an HR API refusal's detail, or the gate's reason) say what is wrong.
 */
const expectClearPage = (result: HttpResult): void => {
  expect(result.statusCode, result.body).toBeLessThan(500);
  if ((result.statusCode ?? 0) < 400) return;
  expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
  const [, title = '', message = ''] =
    /<h1>([^<]*)<\/h1>\s*<p[^>]*>([^<]*)<\/p>/.exec(result.body ?? '') ?? [];
  expect(title.trim(), result.body).not.toBe('');
  expect(message.trim(), result.body).not.toBe('');
};

/** A POST of the HR admin's browser to one of the app's routes. */
const postEvent = (
  routeKey: string,
  input: {
    params: Record<string, string>;
    body: string;
    contentType: string;
    site?: string;
    isBase64Encoded?: boolean;
  },
) => {
  const route = routeKey.split(' ')[1] ?? '/';
  const path = route.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(input.params[name] ?? ''),
  );
  return {
    ...httpEvent({
      method: 'POST',
      route,
      path,
      pathParameters: input.params,
      headers: {
        'content-type': input.contentType,
        accept: 'text/html',
        ...(input.site === undefined ? {} : { 'sec-fetch-site': input.site }),
      },
      body: input.body,
    }),
    cookies: [`${SESSION_COOKIE}=${SESSION_ID}`],
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
};

const paramsOf = (route: string): string[] => [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

/** Every action HR's pages post to. */
const HR_POSTS = Object.entries(PAGES)
  .filter(([key, page]) => key.startsWith('POST ') && page.audience === 'hr')
  .map(([key]) => key);

/** A field's value: one its form would send (weighted), or anything at all. */
const value = (...likely: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...likely) }, hostileText());

/** The CSV the preview hands on to the apply step: base64 of an export, or of anything. */
const carriedCsv = fc.oneof(
  fc
    .uniqueArray(validEmployee(), { maxLength: 3, selector: (e) => e.employeeId })
    .map((people) => Buffer.from(hrisCsv(people)).toString('base64')),
  hostileText(80).map((text) => Buffer.from(text).toString('base64')),
  hostileText(),
);

const IMPORT_CHOICES = {
  mode: value('full', 'partial'),
  dateOrder: value('dmy', 'mdy'),
  'column.0': value('employee_id', 'name', '', 'salary'),
  'column.1': value('email', 'status', ''),
};

/** Each HR action's form, field by field, with the values its page offers and their near misses. */
const FORMS: Record<string, Record<string, fc.Arbitrary<string>>> = {
  'POST /hr/cycles/{cycleId}/extend': {
    days: value('1', '7', '90', '91', '0', '-1', '3.5', ' 4 ', '1e9', 'NaN', ''),
    employeeId: value('emp-ada', 'nobody', ''),
    phase: value('self-assessment', 'manager-appraisal', 'acknowledgment', 'calibration', ''),
  },
  'POST /hr/cycles/{cycleId}/reassign': {
    requestId: value(REQUEST_ID, PEER_REQUEST_ID, 'req-nobody', ''),
    recipientId: value('emp-grace', 'emp-bo', 'emp-ada', 'nobody', ''),
    reason: value('On leave', '', ' '),
  },
  'POST /hr/cycles/{cycleId}/participants': {
    employeeIds: value('emp-bo', 'emp-ada', 'emp-bo, emp-grace', 'emp-bo\nnobody', ' , ', ''),
  },
  'POST /hr/cycles/{cycleId}/participants/remove': { removeId: value('emp-ada', 'emp-bo', 'nobody', '') },
  'POST /hr/cycles/{cycleId}/cancel': {
    reason: value('Reorganisation', '', ' '),
    confirm: value('yes', 'no'),
  },
  'POST /hr/cycles/{cycleId}/release': {},
  'POST /hr/cycles/{cycleId}/calibration': {
    employeeId: value('emp-ada', 'emp-bo', ''),
    overall: value('1', '3', '5', '6', '0', '2.5', 'x', ''),
    justification: value('Calibrated in the panel', '', ' '),
  },
  'POST /hr/import/preview': { csv: carriedCsv, ...IMPORT_CHOICES },
  'POST /hr/import/apply': { csv: carriedCsv, ...IMPORT_CHOICES, skipInvalid: value('true', 'false') },
};

/** An action's form as filled in: any of its fields, and now and then a name no form has. */
const filledIn = (key: string): fc.Arbitrary<Array<[string, string]>> =>
  fc
    .tuple(
      fc.record(FORMS[key] ?? {}, { requiredKeys: [] }),
      fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom('__proto__', 'constructor', 'csrf'), fc.string({ maxLength: 8 })),
          hostileText(),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([form, extra]) => [
      ...Object.entries(form).flatMap(
        ([name, v]): Array<[string, string]> => (v === undefined ? [] : [[name, v]]),
      ),
      ...extra,
    ]);

/**
 * A form body as a browser posts it: mostly with the session's token, so the action reads its
 * fields; else with another token, none, or bytes that are no form at all.
 */
const formBody = (key: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: filledIn(key).map((pairs) => new URLSearchParams([['csrf', CSRF], ...pairs]).toString()),
    },
    fc
      .tuple(fc.constantFrom('', 'C', CSRF.toLowerCase()), filledIn(key))
      .map(([csrf, pairs]) => new URLSearchParams([['csrf', csrf], ...pairs]).toString()),
    hostileText(120),
  );

/** Where the browser says the post comes from: nearly always the app itself, so the action runs. */
const fromSite = fc.oneof(
  { weight: 8, arbitrary: fc.constant('same-origin') },
  fc.constantFrom('cross-site', 'same-site', undefined),
);

fixedClock(NOW);

beforeAll(() => {
  process.on('uncaughtException', recordUncaught);
});
afterAll(() => {
  process.off('uncaughtException', recordUncaught);
});

beforeEach(() => {
  stubTestEnv();
  for (const [name, value] of Object.entries(AUTH_ENV)) vi.stubEnv(name, value);
  ddb.reset();
  sfn.reset();
  scheduler.reset();
  tableBehind(ddb, ...rows());
  sfn.onAnyCommand().resolves({ executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:x:y' });
  scheduler.onAnyCommand().resolves({});
  ses.reset();
  ses.onAnyCommand().resolves({ MessageId: 'message-1' });
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('every HR action of the app, whatever the browser posts', () => {
  it('knows the form of every HR action', () => {
    expect(Object.keys(FORMS).sort()).toEqual([...HR_POSTS].sort());
  });

  it.each(HR_POSTS)('%s answers a page, never a 5xx, and writes nothing when it refuses', async (key) => {
    await fc.assert(
      fc.asyncProperty(
        formBody(key),
        fc.array(fc.oneof(fc.constant(CYCLE_ID), hostileText()), { minLength: 2, maxLength: 2 }),
        fromSite,
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=UTF-8',
          'text/plain',
          '',
        ),
        async (body, values, site, contentType) => {
          // Prepare
          startRun();
          const params = Object.fromEntries(paramsOf(key).map((name, i) => [name, values[i] ?? '']));

          // Act
          const result = await handler(postEvent(key, { params, body, contentType, site }), context);

          // Assess
          expect(await crashes()).toEqual([]);
          expectClearPage(result);
          if ((result.statusCode ?? 0) >= 400) expect(writesOf(ddb, sfn, scheduler, ses)).toEqual([]);
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('the org import’s upload, whatever multipart body arrives', () => {
  const IMPORT_ROUTES = ['POST /hr/import/preview', 'POST /hr/import/apply'];

  /** An export past the upload limit: the page sends it to the CLI instead of cutting it short. */
  const hugeCsv = () => {
    const people = Array.from({ length: 64 }, (_, i) =>
      employee(`e${i}`, { name: `Person ${'x'.repeat(400)}` }),
    );
    const rows = hrisCsv(people).split('\n').slice(1).join('\n');
    const header = hrisCsv([]);
    return header + rows.repeat(Math.ceil(MAX_UPLOAD_BYTES / rows.length) + 1);
  };
  const HUGE = hugeCsv();

  /** A file as HR might pick one: an export, an export gone wrong, any text, or one too large. */
  const csvFile = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .uniqueArray(validEmployee(), { maxLength: 4, selector: (e) => e.employeeId })
        .map((p) => hrisCsv(p, { bom: true, lineEnd: '\r\n' })),
    },
    fc
      .array(fc.array(hostileText(12), { maxLength: 13 }), { maxLength: 5 })
      .map((rows) => [ORG_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n')),
    hostileText(400),
    fc.constant(HUGE),
  );

  type Part = { name: string; filename?: string; type?: string; value: string };
  /** The file part: as the import page's input sends it, mostly, else unnamed or without a file name. */
  const filePart: fc.Arbitrary<Part> = fc.record(
    {
      name: fc.oneof({ weight: 6, arbitrary: fc.constant('file') }, hostileText(8)),
      filename: fc.oneof(
        // A browser escapes a quote in a file name as %22; "" is what it sends when no file was chosen.
        { weight: 3, arbitrary: fc.constantFrom('export.csv', 'Åse Ødegård %222027%22.csv', '') },
        hostileText(12),
      ),
      type: fc.constantFrom('text/csv', 'application/octet-stream', 'text/csv; charset=latin1'),
      value: csvFile,
    },
    { requiredKeys: ['name', 'filename', 'value'] },
  );
  /** Any other part: another token, the import's choices, a second file, or names no form has. */
  const otherPart: fc.Arbitrary<Part> = fc.oneof(
    fc.record({ name: fc.constant('csrf'), value: fc.constantFrom(CSRF, '', 'C') }),
    filePart,
    fc.record({
      name: fc.oneof(fc.constantFrom('mode', 'dateOrder', 'column.0', 'csv', 'skipInvalid'), hostileText(8)),
      value: fc.oneof(fc.constantFrom('full', 'mdy', 'employee_id', 'true'), hostileText()),
    }),
  );
  /** A part that is there four times in five: missing, it makes a body of its own to refuse. */
  const likely = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: arbitrary.map((v) => [v]) }, fc.constant([]));

  const disposition = (p: Part) =>
    `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}${p.type ? `\r\nContent-Type: ${p.type}` : ''}`;

  /** What can go wrong with a multipart body on its way, each breaking it a different way. */
  const DAMAGE = [
    'other boundary',
    'no boundary',
    'cut short',
    'no closing line',
    'bare LF',
    'no parts',
  ] as const;

  const upload = fc.record({
    boundary: fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^-*[A-Za-z0-9]{1,40}$/) },
      fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/),
      hostileText(20),
    ),
    // HR's own browser sends the token first and then the file; anything else may come instead or after.
    parts: fc
      .tuple(
        likely(fc.constant({ name: 'csrf', value: CSRF })),
        likely(filePart),
        fc.array(otherPart, { maxLength: 2 }),
      )
      .map(([csrf, file, rest]) => [...csrf, ...file, ...rest]),
    // Intact two times in five: the rest damaged, each way as often as the others.
    damage: fc.oneof(
      { weight: 2, arbitrary: fc.constant('none' as const) },
      { weight: 3, arbitrary: fc.constantFrom(...DAMAGE) },
    ),
    cutAt: fc.double({ min: 0, max: 1, noNaN: true }),
    base64: fc.boolean(),
    // The preview takes the upload; the apply step takes the CSV the preview handed on, not a file.
    route: fc.oneof(
      { weight: 3, arbitrary: fc.constant(IMPORT_ROUTES[0] as string) },
      fc.constantFrom(...IMPORT_ROUTES),
    ),
  });

  it('answers a page for any upload, never a 5xx nor a crash, and writes nothing when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(upload, async ({ boundary, parts, damage, cutAt, base64, route }) => {
        // Prepare
        startRun();
        const lineEnd = damage === 'bare LF' ? '\n' : '\r\n';
        let text = (damage === 'no parts' ? [] : parts)
          .map((p) => `--${boundary}${lineEnd}${disposition(p)}${lineEnd}${lineEnd}${p.value}${lineEnd}`)
          .join('');
        if (damage !== 'no closing line') text += `--${boundary}--${lineEnd}`;
        if (damage === 'cut short') text = text.slice(0, Math.floor(text.length * cutAt));
        const contentType =
          damage === 'no boundary'
            ? 'multipart/form-data'
            : `multipart/form-data; boundary=${damage === 'other boundary' ? `${boundary}x` : boundary}`;
        const bytes = Buffer.from(text, 'utf8');

        // Act
        const result = await handler(
          postEvent(route, {
            params: {},
            body: base64 ? bytes.toString('base64') : text,
            contentType,
            site: 'same-origin',
            isBase64Encoded: base64,
          }),
          context,
        );

        // Assess
        expect(await crashes()).toEqual([]);
        expectClearPage(result);
        if ((result.statusCode ?? 0) >= 400) expect(writesOf(ddb, sfn, scheduler, ses)).toEqual([]);
      }),
      { numRuns: RUNS.some },
    );
  });

  it('previews any intact upload of a valid export, and refuses one over the limit saying so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(validEmployee(), { minLength: 1, maxLength: 4, selector: (e) => e.employeeId }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
        // The import's choices, typed as they are offered or otherwise: unknown ones take the default.
        fc.array(
          fc.tuple(
            fc.constantFrom('mode', 'dateOrder', 'skipInvalid'),
            fc.oneof(fc.constantFrom('full', 'partial', 'dmy', 'mdy', 'true'), hostileText(12)),
          ),
          { maxLength: 3 },
        ),
        fc.boolean(),
        async (people, tooLarge, choices, base64) => {
          // Prepare
          const boundary = '----growcycle-form';
          const field = (name: string, value: string) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
          const text = [
            field('csrf', CSRF),
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="export.csv"\r\nContent-Type: text/csv\r\n\r\n${tooLarge ? HUGE : hrisCsv(people, { bom: true })}\r\n`,
            ...choices.map(([name, value]) => field(name, value)),
            `--${boundary}--\r\n`,
          ].join('');

          // Act
          const result = await handler(
            postEvent('POST /hr/import/preview', {
              params: {},
              body: base64 ? Buffer.from(text).toString('base64') : text,
              contentType: `multipart/form-data; boundary=${boundary}`,
              site: 'same-origin',
              isBase64Encoded: base64,
            }),
            context,
          );

          // Assess
          expectClearPage(result);
          if (tooLarge) {
            expect(result.statusCode, result.body).toBe(400);
            expect(result.body).toContain('larger than 2 MB');
            return;
          }
          expect(result.statusCode, result.body).toBe(200);
          expect(result.body).toContain(`${people.length} rows:`);
        },
      ),
      { numRuns: RUNS.few },
    );
  });
});

describe('the sign-in callback, whatever comes back to it', () => {
  const STATE = 'T'.repeat(43);
  const attempt = `${STATE}.${'N'.repeat(43)}.${'V'.repeat(43)}`;

  /** A JWT in shape, signed by nobody: the verifier reads its header and asks the issuer for the key. */
  const unsignedJwt = [
    { alg: 'RS256', kid: 'k1', typ: 'JWT' },
    { sub: 'x', token_use: 'id' },
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('c2ln')
    .join('.');

  /** What the issuer answers a code it did not issue, or answers wrongly: it never confirms anyone here. */
  const ISSUER_ANSWERS: Array<[number, string]> = [
    [400, JSON.stringify({ error: 'invalid_grant' })],
    [400, JSON.stringify({ error: 'x'.repeat(100) })],
    [500, '<html>down for maintenance</html>'],
    [200, 'not json'],
    [200, JSON.stringify({ id_token: 'a.b.c' })],
    [200, JSON.stringify({ id_token: 'garbage', access_token: 'a', expires_in: 3600, token_type: 'Bearer' })],
    [
      200,
      JSON.stringify({ id_token: unsignedJwt, access_token: 'a', expires_in: 3600, token_type: 'Bearer' }),
    ],
  ];

  /** Any query at all, its names mostly the callback's own. */
  const anything = fc.dictionary(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('code', 'state', 'error', 'error_description') },
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(fc.constantFrom(STATE, 'a-code', ''), hostileText(), fc.string({ maxLength: 300 })),
    { maxKeys: 4 },
  );
  /** The issuer's answer as it comes back, or nearly: a code and the state, or an error, and more. */
  const nearAnswer = fc
    .tuple(
      fc.record(
        {
          code: fc.oneof(
            fc.constant('a-code'),
            hostileText(),
            fc.string({ minLength: 2040, maxLength: 2060 }),
          ),
          state: fc.oneof(
            { weight: 3, arbitrary: fc.constant(STATE) },
            hostileText(),
            fc.constant(`${STATE}x`),
          ),
          error: fc.constantFrom('access_denied', 'x'.repeat(65)),
        },
        { requiredKeys: ['code', 'state'] },
      ),
      anything,
    )
    .map(([answer, extra]) => ({ ...extra, ...answer }));
  const query = fc.oneof({ weight: 2, arbitrary: nearAnswer }, anything);
  /** The browser's cookies: mostly the attempt's, as sign-in set it, else damaged, someone else's or junk. */
  const cookies = fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(`${SIGN_IN_COOKIE}=${attempt}`) },
      fc
        .tuple(
          fc.constantFrom(attempt, `${attempt}.`, `${attempt}.L2hyL2N5Y2xlcw`, `${attempt}.Ly9ldmls`),
          hostileText(4),
        )
        .map(([value, tail]) => `${SIGN_IN_COOKIE}=${value}${tail}`),
      hostileText().map((value) => `${SIGN_IN_COOKIE}=${value}`),
      hostileText(),
    ),
    { maxLength: 3 },
  );

  it('answers any query, state, code and cookies with a 400 page, never a 5xx, starting no session', async () => {
    let issuerAsked = 0;
    await fc.assert(
      fc.asyncProperty(
        query,
        cookies,
        fc.boolean(),
        fc.constantFrom(...ISSUER_ANSWERS),
        async (q, jar, asHeader, [status, answer]) => {
          // Prepare
          startRun();
          vi.stubGlobal('fetch', async (url: string) => {
            if (String(url).endsWith('/oauth2/token')) issuerAsked++;
            return String(url).endsWith('/oauth2/token')
              ? new Response(answer, { status })
              : new Response(JSON.stringify({ keys: [] }), { status: 200 });
          });
          const event = httpEvent({
            method: 'GET',
            route: '/auth/callback',
            path: '/auth/callback',
            query: q,
            headers: { accept: 'text/html', ...(asHeader ? { cookie: jar.join('; ') } : {}) },
          });

          // Act
          const result = await handler(asHeader ? event : { ...event, cookies: jar }, context);

          // Assess
          expect(await crashes()).toEqual([]);
          expectClearPage(result);
          expect(result.statusCode).toBe(400);
          // The attempt is over either way: a second try starts afresh from sign-in.
          expect(result.cookies).toContain(clearCookie(SIGN_IN_COOKIE, '/auth/'));
          expect(writesOf(ddb)).toEqual([]);
        },
      ),
      { numRuns: RUNS.some },
    );
    // The property reached the code's exchange, not just the checks before it.
    expect(issuerAsked).toBeGreaterThan(0);
  });
});
