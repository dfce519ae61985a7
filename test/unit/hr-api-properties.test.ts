import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { ORG_COLUMNS, readStatus } from '../../domain/people/hris';
import { db } from '../../domain/platform/table';
import { HR_ROUTES, handleHr } from '../../functions/api/hr-api';
import { OPERATIONS } from '../../functions/api/openapi';
import { fieldErrors } from '../../functions/shared/http';
import {
  anyJson,
  expectClearJsonAnswer,
  hostileText,
  PROPERTY_TIMEOUT,
  RUNS,
  validEmployee,
  validId,
} from '../support/arbitraries';
import { adasGoal, adasItem, adasPlan, employee, hrisCsv } from '../support/fixtures';
import {
  fixedClock,
  HR_CLAIMS,
  httpEvent,
  type Row,
  storedItem,
  stubTestEnv,
  tableBehind,
} from '../support/unit-doubles';

/*
 * Properties of the HR API at its boundary, for every route: whatever the body, path, query, media
 * type or caller, the answer is never a 5xx and a refusal is a problem document; a body its schema
 * refuses answers 400 naming exactly the fields the schema names; valid people, imports, goals and
 * plan-item changes are accepted. The table is a small fake (one employee, their manager, a goal, a
 * running plan and its item) behind the SDK mock; writes succeed.
 */

// A property runs its inputs in one test: the default 5 s is for one example.
vi.setConfig({ testTimeout: PROPERTY_TIMEOUT });

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const scheduler = mockClient(SchedulerClient);

const NOW = new Date('2027-03-10T09:00:00Z');

/** The rows, built once the environment names the table. */
const rows = (): Row[] => [
  storedItem(db().employee.put(employee('ada', { managerId: 'mgr' }))),
  storedItem(db().employee.put(employee('mgr'))),
  storedItem(db().employee.put(employee('hr-1'))),
  storedItem(db().plan.put(adasPlan())),
  storedItem(db().planItem.put(adasItem())),
  storedItem(db().goal.put(adasGoal())),
];

/** The ids the fake table holds, by the path parameter that names them. */
const KNOWN: Record<string, string> = {
  employeeId: 'ada',
  planId: 'plan-1',
  itemId: 'i1',
  goalId: 'goal-1',
  cycleId: 'cycle-1',
  requestId: 'req-i1',
  entityKey: 'plan#plan-1',
  frameworkId: 'engineering',
  templateId: 'yearly',
  triggerId: 'new-joiner',
  planPolicyId: 'development',
};

const CALLERS = [
  HR_CLAIMS,
  { 'custom:employee_id': 'mgr', 'cognito:groups': '[]' },
  { 'custom:employee_id': 'ada' },
  { 'custom:employee_id': 'nobody-known' },
];

const paramsOf = (route: string): string[] => [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

/** A request to one route, as the gateway hands it over. */
const routeEvent = (
  key: string,
  input: {
    params: Record<string, string>;
    body?: string;
    contentType?: string;
    query?: Record<string, string>;
    claims?: Record<string, string>;
  },
) => {
  const [method = 'GET', route = '/'] = key.split(' ');
  const path = route.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(input.params[name] ?? ''),
  );
  return httpEvent({
    method: method as 'GET' | 'POST' | 'PUT' | 'PATCH',
    route,
    path,
    pathParameters: input.params,
    headers: { 'content-type': input.contentType ?? 'application/json' },
    ...(input.query ? { query: input.query } : {}),
    ...(input.body === undefined ? {} : { body: input.body }),
    claims: input.claims ?? HR_CLAIMS,
  });
};

const withBodies = HR_ROUTES.filter((key) => OPERATIONS[key]?.body).map(
  (key) => [key, OPERATIONS[key]?.body as z.ZodType] as const,
);

/** Values valid for some field somewhere, at the edges: dates of the first and last years, limits. */
const edgeValue = fc.constantFrom(
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59+23:59',
  '2028-02-29',
  '0000-01-01',
  'ada',
  'Europe/Oslo',
  0,
  -1,
  20,
  90,
  1e308,
  true,
  [],
  ['ada', 'ada'],
);

/** Objects with the schema's own fields holding any JSON: the inputs closest to valid ones. */
const nearBody = (schema: z.ZodType): fc.Arbitrary<unknown> => {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
  return keys.length
    ? fc.dictionary(fc.constantFrom(...keys), fc.oneof(anyJson(), validId(), edgeValue), {
        maxKeys: keys.length,
      })
    : anyJson();
};

const fieldsOf = (body: string | undefined) =>
  (JSON.parse(body ?? '{}') as { errors?: Array<{ field: string }> }).errors?.map((e) => e.field).sort();

fixedClock(NOW);

beforeEach(() => {
  stubTestEnv();
  ddb.reset();
  sfn.reset();
  scheduler.reset();
  tableBehind(ddb, ...rows());
  sfn
    .onAnyCommand()
    .resolves({ executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:x:y', startDate: NOW });
  scheduler.onAnyCommand().resolves({});
});

describe('every HR API route, whatever it is sent', () => {
  it.each(withBodies)(
    '%s refuses a body its schema refuses with 400 naming exactly those fields',
    async (key, schema) => {
      // Prepare: the path names what the table holds, so the route reaches its body.
      const params = Object.fromEntries(paramsOf(key).map((name) => [name, KNOWN[name] ?? 'x']));

      await fc.assert(
        fc.asyncProperty(fc.oneof(anyJson(), nearBody(schema)), async (body) => {
          // Act
          const result = await handleHr(routeEvent(key, { params, body: JSON.stringify(body) }));

          // Assess
          expectClearJsonAnswer(result);
          const parsed = schema.safeParse(body);
          if (parsed.success) return;
          expect(result.statusCode).toBe(400);
          expect(fieldsOf(result.body)).toEqual(
            fieldErrors(parsed.error)
              .map((e) => e.field)
              .sort(),
          );
        }),
        { numRuns: RUNS.some },
      );
    },
  );

  it('answers any path, query, media type, body and caller without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HR_ROUTES, 'GET /openapi.json', 'DELETE /nowhere'),
        fc.dictionary(fc.string({ maxLength: 12 }), hostileText(), { maxKeys: 3 }),
        fc.oneof(
          hostileText(200),
          anyJson().map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          '',
          'APPLICATION/JSON',
        ),
        fc.constantFrom(...CALLERS),
        fc.array(fc.oneof(hostileText(), fc.constantFrom(...Object.values(KNOWN))), {
          minLength: 3,
          maxLength: 3,
        }),
        async (key, query, body, contentType, claims, values) => {
          // Prepare
          const params = Object.fromEntries(paramsOf(key).map((name, i) => [name, values[i] ?? '']));

          // Act
          const result = await handleHr(routeEvent(key, { params, body, contentType, query, claims }));

          // Assess
          expectClearJsonAnswer(result);
        },
      ),
      { numRuns: RUNS.more },
    );
  });
});

describe('the org import', () => {
  /** A value of an export's cell: a valid one of some column, or anything at all. */
  const cell = fc.oneof(
    fc.constantFrom('ada', 'mgr', 'Ada Lovelace', 'ada@example.com', 'Engineer', '3', 'UTC', 'Europe/Oslo'),
    fc.constantFrom('2027-02-30', 'on-leave', 'left', '-1', '21', '1e3', 'Mars/Olympus', 'not-an-email'),
    hostileText(),
    fc.integer(),
    fc.constant(null),
  );
  const row = fc.dictionary(fc.oneof(fc.constantFrom(...ORG_COLUMNS), fc.string({ maxLength: 6 })), cell, {
    maxKeys: ORG_COLUMNS.length + 2,
  });

  it('answers any rows or CSV of the export with its report, or a refusal naming each bad row and column', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(row, { maxLength: 6 }).map((rows) => ({ rows })),
          fc
            .array(
              fc.array(
                cell.map((v) => String(v ?? '')),
                { maxLength: 13 },
              ),
              { maxLength: 6 },
            )
            .map((lines) => ({
              csv: [ORG_COLUMNS.join(','), ...lines.map((l) => l.join(','))].join('\n'),
            })),
        ),
        fc.record({
          mode: fc.constantFrom('full', 'partial'),
          dryRun: fc.boolean(),
          skipInvalid: fc.boolean(),
        }),
        async (source, options) => {
          // Act
          const result = await handleHr(
            routeEvent('POST /org/import', { params: {}, body: JSON.stringify({ ...source, ...options }) }),
          );

          // Assess
          expectClearJsonAnswer(result);
          if (result.statusCode !== 422) return;
          const { errors } = JSON.parse(result.body ?? '{}') as {
            errors: Array<{ row: number; field: string; reason: string }>;
          };
          expect(errors.length).toBeGreaterThan(0);
          for (const e of errors) {
            expect(e.row).toBeGreaterThan(0);
            expect(e.field.length).toBeGreaterThan(0);
            expect(e.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('an HRIS export with its own header names', () => {
  /** A header in any case, its words joined by spaces, hyphens or underscores. */
  const spelled = (header: string) =>
    fc
      .tuple(fc.constantFrom(' ', '-', '_', ''), fc.boolean())
      .map(([sep, upper]) => header.split(' ').join(sep)[upper ? 'toUpperCase' : 'toLowerCase']());
  const header = fc.tuple(
    spelled('Employee Number'),
    spelled('Preferred Name'),
    spelled('Work Email'),
    spelled('Job Title'),
    spelled('Job Level'),
    spelled('Time Zone'),
    spelled('Employment Status'),
  );

  it('answers any unknown status, on preview and on import, with its row, column and value; never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        header,
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((s) => /^[A-Za-z][A-Za-z ]*$/.test(s) && !readStatus(s).ok),
        fc.constantFrom('POST /org/import', 'POST /org/import/preview'),
        async (columns, status, route) => {
          // Prepare
          const csv = `${columns.join(',')}\nn1,Ada,ada@example.com,Engineer,L3,oslo,Active\nn2,Bo,bo@example.com,Engineer,3,UTC,${status}\n`;

          // Act
          const result = await handleHr(routeEvent(route, { params: {}, body: JSON.stringify({ csv }) }));

          // Assess
          expectClearJsonAnswer(result);
          const body = JSON.parse(result.body ?? '{}') as {
            errors?: unknown[];
            rows?: Array<{ row: number; action: string; problems: unknown[] }>;
          };
          const problem = { row: 3, employeeId: 'n2', field: 'status', column: columns[6], value: status };
          if (route === 'POST /org/import') {
            expect(result.statusCode, result.body).toBe(422);
            expect(body.errors).toEqual([expect.objectContaining(problem)]);
          } else {
            expect(result.statusCode, result.body).toBe(200);
            expect(body.rows).toEqual([
              { row: 2, employeeId: 'n1', action: 'new', problems: [] },
              { row: 3, employeeId: 'n2', action: 'invalid', problems: [expect.objectContaining(problem)] },
            ]);
          }
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('valid input to the HR API', () => {
  it('PUT /employees accepts any set of valid people', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(validEmployee(), { minLength: 1, maxLength: 5, selector: (e) => e.employeeId }),
        async (employees) => {
          // Act
          const result = await handleHr(
            routeEvent('PUT /employees', { params: {}, body: JSON.stringify({ employees }) }),
          );

          // Assess
          expect(result.statusCode, result.body).toBe(200);
          expect(JSON.parse(result.body ?? '{}')).toMatchObject({ upserted: employees.length });
        },
      ),
      { numRuns: RUNS.few },
    );
  });

  it('POST /org/import accepts the HRIS export of any valid people, as CSV or as rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(validEmployee(), { minLength: 1, maxLength: 5, selector: (e) => e.employeeId }),
        fc.boolean(),
        fc.constantFrom('\n' as const, '\r\n' as const),
        fc.boolean(),
        async (people, bom, lineEnd, asRows) => {
          // Prepare
          const csv = hrisCsv(people, { bom, lineEnd });
          const body = asRows
            ? {
                rows: people.map((p) => ({
                  employee_id: p.employeeId,
                  name: p.name,
                  email: p.email,
                  job_title: p.title,
                  level: p.level,
                  time_zone: p.timeZone,
                  status: p.status,
                })),
              }
            : { csv };

          // Act
          const result = await handleHr(
            routeEvent('POST /org/import', { params: {}, body: JSON.stringify({ ...body, dryRun: true }) }),
          );

          // Assess
          expect(result.statusCode, result.body).toBe(200);
        },
      ),
      { numRuns: RUNS.few },
    );
  });

  it('POST /goals accepts any valid goal of an employee', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            title: hostileText(60).filter((t) => t.trim() !== ''),
            measure: hostileText(60).filter((t) => t.trim() !== ''),
            weight: fc.integer({ min: 0, max: 100 }),
            dueDate: fc
              .date({
                min: new Date('2000-01-01T00:00:00Z'),
                max: new Date('2099-12-31T00:00:00Z'),
                noInvalidDate: true,
              })
              .map((d) => d.toISOString().slice(0, 10)),
            targetValue: fc.double({ noNaN: true, noDefaultInfinity: true }),
            status: fc.constantFrom('draft', 'active'),
          },
          { requiredKeys: ['title', 'measure', 'weight', 'dueDate'] },
        ),
        async (goal) => {
          // Act
          const result = await handleHr(
            routeEvent('POST /goals', { params: {}, body: JSON.stringify({ ownerId: 'ada', ...goal }) }),
          );

          // Assess
          expect(result.statusCode, result.body).toBe(201);
        },
      ),
      { numRuns: RUNS.few },
    );
  });

  it('PATCH /plans/{planId}/items/{itemId} accepts any valid change made from the current revision', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record(
            {
              title: hostileText(60).filter((t) => t.trim().length > 0),
              definitionOfDone: hostileText(60).filter((t) => t.trim().length > 0),
              dueAt: fc
                .date({ min: NOW, max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
                .map((d) => d.toISOString()),
            },
            { requiredKeys: [] },
          )
          .filter((change) => Object.keys(change).length > 0),
        async (change) => {
          // Act
          const result = await handleHr(
            routeEvent('PATCH /plans/{planId}/items/{itemId}', {
              params: { planId: 'plan-1', itemId: 'i1' },
              body: JSON.stringify({ ...change, revision: 1 }),
            }),
          );

          // Assess
          expect(result.statusCode, result.body).toBe(200);
        },
      ),
      { numRuns: RUNS.few },
    );
  });
});
