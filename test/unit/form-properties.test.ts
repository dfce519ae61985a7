import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FIXED_FORMS } from '../../domain/catalog/fixed-forms';
import { answerSchema, errorsOf } from '../../domain/catalog/forms';
import { checkLink, signedPath } from '../../domain/mail/links';
import { type DraftPlanItem, readDraftForm, valuesOf } from '../../domain/plans/agreement-form';
import { db, type HumanRequest } from '../../domain/platform/table';
import { EXTERNAL_REVIEWERS, formBody, nominationSchema, PEER_FIELD } from '../../domain/reviews/nominations';
import { handleForm } from '../../functions/api/forms';
import { nominationPage } from '../../functions/api/nomination-page';
import { hostileText, PROPERTY_TIMEOUT, RUNS } from '../support/arbitraries';
import { adasSelfAssessment, cycleH1, employee, TEST_LINK_NONCE } from '../support/fixtures';
import {
  fixedClock,
  httpEvent,
  storedItem,
  stubTestEnv,
  TEST_LINK_KEY,
  TEST_LINK_SECRET_VALUE,
  tableBehind,
} from '../support/unit-doubles';

/*
 * Properties of the forms behind email links: whatever link, query or body arrives, the answer is an
 * HTML page and never a 5xx; a link is valid only as signed; a posted answer its schema refuses
 * answers 400 with the page naming each failing field, one it accepts is saved; what was typed is
 * shown back escaped. The nomination and agreement forms are read by their own parsers, checked here
 * directly.
 */

// A property runs its inputs in one test: the default 5 s is for one example.
vi.setConfig({ testTimeout: PROPERTY_TIMEOUT });

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

const NOW = new Date('2025-03-12T09:00:00Z');
const CLOSE_AT = new Date('2025-03-21T17:00:00Z');
/** Markup someone might type, which a page must never carry unescaped. */
const MARKUP = '<img src=x onerror=alert(1)>';

const selfAssessment = adasSelfAssessment({ escalations: [] });

/** Ada's choice of peers to review her, in a cycle made without a template. */
const nomination: HumanRequest = {
  ...selfAssessment,
  requestId: 'req-nominate-ada',
  kind: 'peer-nomination',
};
const cycle = cycleH1();

const form = FIXED_FORMS['self-assessment'];
const schema = answerSchema(form);
const FIELDS = form.sections.flatMap((s) => s.fields.map((f) => f.name));

const formEvent = (method: 'GET' | 'POST', requestId: string, query: Record<string, string>, body?: string) =>
  httpEvent({
    method,
    route: '/r/{requestId}',
    path: `/r/${encodeURIComponent(requestId)}`,
    pathParameters: { requestId },
    query,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...(body === undefined ? {} : { body }),
  });

/** The query of the genuine link to a request. */
const genuine = (requestId: string, expiresAt = CLOSE_AT): Record<string, string> =>
  Object.fromEntries(
    new URL(
      signedPath(TEST_LINK_KEY, 'respond', { requestId, nonce: TEST_LINK_NONCE }, expiresAt),
      'https://x',
    ).searchParams,
  );

/** A page, never a 5xx: what a person who followed a link is owed whatever they sent. */
const expectPage = (result: { statusCode?: number; headers?: Record<string, unknown>; body?: string }) => {
  expect(result.statusCode, result.body).toBeLessThan(500);
  expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
  expect(result.body).not.toContain(MARKUP);
};

/** A form body of the form's own fields, other names and hostile values, as a browser would send it. */
const postedValues = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELDS, '__proto__', 'constructor'), fc.string({ maxLength: 8 })),
  fc.oneof(hostileText(), fc.constantFrom(MARKUP, '1', '5', '0', '6', '3.5', ' 4 ')),
  { maxKeys: 6 },
);

fixedClock(NOW);

beforeEach(() => {
  stubTestEnv();
  ddb.reset();
  secrets.reset();
  sfn.reset();
  secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
  tableBehind(
    ddb,
    storedItem(db().request.put(selfAssessment)),
    storedItem(db().request.put(nomination)),
    storedItem(db().cycle.put(cycle)),
    storedItem(db().employee.put(employee('emp-ada', { name: 'Ada Lovelace', managerId: 'emp-grace' }))),
    storedItem(db().employee.put(employee('emp-grace'))),
  );
  sfn.onAnyCommand().resolves({});
});

describe('a link', () => {
  it('checks valid only as it was signed: for its request, expiry and assignment', () => {
    fc.assert(
      fc.property(
        // Request ids are ours (domain/platform/ids.ts): never a "." or ".." path segment, which URLs resolve away.
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
          .filter((id) => id !== '.' && id !== '..'),
        fc.date({ min: NOW, max: new Date('2099-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.nat({ max: 999_999 }),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        (requestId, expiresAt, assignment, other) => {
          // Act: the link as the email carries it, read back as the gateway hands it over.
          const url = new URL(
            signedPath(TEST_LINK_KEY, 'respond', { requestId, assignment }, expiresAt),
            'https://x',
          );
          const q = Object.fromEntries(url.searchParams);
          const pathId = decodeURIComponent(url.pathname.slice('/r/'.length));

          // Assess
          expect(pathId).toBe(requestId);
          expect(checkLink(TEST_LINK_KEY, 'respond', { requestId: pathId, assignment }, q.e, q.s, NOW)).toBe(
            'valid',
          );
          if (other !== requestId)
            expect(checkLink(TEST_LINK_KEY, 'respond', { requestId: other, assignment }, q.e, q.s, NOW)).toBe(
              'invalid',
            );
          expect(
            checkLink(
              { ...TEST_LINK_KEY, secret: 'another-key' },
              'respond',
              { requestId: pathId, assignment },
              q.e,
              q.s,
              NOW,
            ),
          ).toBe('invalid');
          expect(
            checkLink(
              TEST_LINK_KEY,
              'respond',
              { requestId: pathId, assignment: assignment + 1 },
              q.e,
              q.s,
              NOW,
            ),
          ).toBe('invalid');
        },
      ),
      { numRuns: RUNS.many },
    );
  });

  it('never checks valid with an expiry or signature not signed, whatever they hold', () => {
    fc.assert(
      fc.property(hostileText(), fc.option(hostileText()), fc.option(hostileText(60)), (requestId, e, s) => {
        expect(checkLink(TEST_LINK_KEY, 'respond', { requestId }, e ?? undefined, s ?? undefined, NOW)).toBe(
          'invalid',
        );
      }),
      { numRuns: RUNS.many },
    );
  });

  it('answers any query and path on the form route with a page, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileText(), fc.constant(selfAssessment.requestId)),
        fc.oneof(
          fc.dictionary(fc.constantFrom('e', 's', 'a', 'choice', 'x'), hostileText(), { maxKeys: 4 }),
          fc
            .record({ a: hostileText(8), choice: hostileText() }, { requiredKeys: [] })
            .map((extra) => ({ ...genuine(selfAssessment.requestId), ...extra })),
        ),
        fc.constantFrom('GET' as const, 'POST' as const),
        async (requestId, query, method) => {
          // Act
          const result = await handleForm(formEvent(method, requestId, query, ''));

          // Assess
          expectPage(result);
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('a posted self-assessment', () => {
  it('is saved when its schema takes it, else refused with 400 and the page naming each failing field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          postedValues.map((values) => new URLSearchParams(values).toString()),
          hostileText(80),
        ),
        async (body) => {
          // Act
          const result = await handleForm(
            formEvent('POST', selfAssessment.requestId, genuine(selfAssessment.requestId), body),
          );

          // Assess
          expectPage(result);
          const parsed = schema.safeParse(Object.fromEntries(new URLSearchParams(body)));
          if (parsed.success) {
            expect(result.statusCode).toBe(200);
            return;
          }
          expect(result.statusCode).toBe(400);
          expect(result.body).toContain('role="alert"');
          for (const field of Object.keys(errorsOf(parsed.error)))
            expect(result.body).toContain(`id="${field}-error"`);
        },
      ),
      { numRuns: RUNS.some },
    );
  });

  it('is saved whenever every field is answered within its limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        hostileText(200).filter((t) => t.trim() !== ''),
        hostileText(200).filter((t) => t.trim() !== ''),
        async (rating, achievements, growth) => {
          // Act
          const result = await handleForm(
            formEvent(
              'POST',
              selfAssessment.requestId,
              genuine(selfAssessment.requestId),
              new URLSearchParams({ rating: String(rating), achievements, growth }).toString(),
            ),
          );

          // Assess
          expect(result.statusCode, result.body).toBe(200);
        },
      ),
      { numRuns: RUNS.few },
    );
  });
});

describe('the nomination form', () => {
  const rules = {
    employeeId: 'emp-ada',
    managerId: 'emp-grace',
    suggestions: ['emp-bob', 'emp-cy', 'emp-dee'].map((employeeId) => ({
      employeeId,
      name: employeeId,
      title: 'Engineer',
      teammate: true,
    })),
    minPeers: 1,
    maxPeers: 2,
  };
  const names = [PEER_FIELD, ...EXTERNAL_REVIEWERS.flatMap((x) => [x.name.name, x.email.name])];

  it('reads any posted body without throwing, refusing it on the fields it names, and shows it back escaped', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...names, '__proto__', 'constructor'), fc.string({ maxLength: 6 })),
            fc.oneof(hostileText(), fc.constantFrom(MARKUP, 'emp-bob', 'emp-cy', 'a@example.com')),
          ),
          { maxLength: 6 },
        ),
        (pairs) => {
          // Prepare
          const values = formBody(new URLSearchParams(pairs).toString());

          // Act
          const parsed = nominationSchema(rules).safeParse(values);

          // Assess
          if (parsed.success) return;
          const errors = errorsOf(parsed.error);
          for (const field of Object.keys(errors)) expect(names).toContain(field);
          const page = nominationPage({
            kind: 'peer-nomination',
            action: '/r/x',
            context: 'About Ada.',
            rules,
            checked: [],
            checkedExternals: [],
            values,
            errors,
          });
          expect(page).not.toContain(MARKUP);
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('a posted nomination', () => {
  const names = [PEER_FIELD, ...EXTERNAL_REVIEWERS.flatMap((x) => [x.name.name, x.email.name])];

  it('is saved, or refused with 400 and the page naming each failing field, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .array(
              fc.tuple(
                fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 6 })),
                fc.oneof(hostileText(), fc.constantFrom(MARKUP, 'emp-bob', 'Bo Bell', 'bo@example.org')),
              ),
              { maxLength: 6 },
            )
            .map((pairs) => new URLSearchParams(pairs).toString()),
          hostileText(80),
        ),
        async (body) => {
          // Act
          const result = await handleForm(
            formEvent('POST', nomination.requestId, genuine(nomination.requestId), body),
          );

          // Assess
          expectPage(result);
          expect([200, 400]).toContain(result.statusCode);
          if (result.statusCode === 400) expect(result.body).toMatch(/<p class="error" id="[^"]+-error">/);
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('the agreement form of a draft plan', () => {
  const items: DraftPlanItem[] = [
    { key: 'd1', kind: 'training', title: 'Take the course', dueAt: '2027-04-09T17:00:00.000Z' },
    { key: 'd2', kind: 'mentoring', title: 'Be mentored', dueAt: '2027-04-09T17:00:00.000Z', mentorId: 'e9' },
  ];
  const context = { timeZone: 'Europe/Oslo', today: '2027-03-10' };
  const shown = { revision: '3', ...valuesOf(items, context.timeZone) };
  const names = Object.keys(shown);

  it('reads any posted body without throwing: an edit, or errors each with a message', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(...names, 'agree', 'new.title', 'd1.remove', '__proto__'),
            fc.string({ maxLength: 6 }),
          ),
          fc.oneof(hostileText(), fc.constantFrom('', 'yes', '2027-05-01', '2027-02-30', 'mentoring')),
          { maxKeys: 6 },
        ),
        (changes) => {
          // Act
          const read = readDraftForm(
            items,
            formBody(new URLSearchParams({ ...shown, ...changes }).toString()),
            context,
          );

          // Assess
          if (!read.ok)
            for (const message of Object.values(read.errors)) expect(message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});
