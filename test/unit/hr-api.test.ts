import { SFNClient } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '../../domain/platform/table';
import { handleHr } from '../../functions/api/hr-api';
import type { FieldError } from '../../functions/shared/http';
import { employee } from '../support/fixtures';
import { fakeTable, HR_CLAIMS, httpEvent, storedItem, stubTestEnv } from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

type Problem = { type: string; title: string; status: number; detail: string; errors?: FieldError[] };

const request = (method: 'PUT' | 'POST', route: string, body: string, contentType = 'application/json') =>
  httpEvent({
    method,
    route,
    path: route,
    headers: { 'content-type': contentType },
    body,
    claims: HR_CLAIMS,
  });

const json = (value: unknown) => JSON.stringify(value);

const problemOf = (body: string | undefined): Problem => JSON.parse(body ?? '{}') as Problem;

const ada = employee('ada', { name: 'Ada Lovelace', level: 4, timeZone: 'Europe/London' });

/** True when nothing was written and no workflow was started. */
const expectNothingChanged = () => {
  expect(ddb).not.toHaveReceivedCommand(PutCommand);
  expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  expect(sfn).not.toHaveReceivedAnyCommand();
};

describe('handleHr', () => {
  beforeEach(() => {
    stubTestEnv();
  });

  afterEach(() => {
    ddb.reset();
    sfn.reset();
    vi.unstubAllEnvs();
  });

  it('rejects an employee with an invalid email as a problem document naming the field', async () => {
    // Prepare
    const body = json({ employees: [{ ...ada, email: 'not-an-email' }] });

    // Act
    const result = await handleHr(request('PUT', '/employees', body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    const problem = problemOf(result.body);
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['employees.0.email']);
    expect(problem.detail).toContain('employees.0.email');
    expectNothingChanged();
  });

  it('names every invalid field of every employee, by position', async () => {
    // Prepare
    const body = json({
      employees: [ada, { ...ada, employeeId: 'bob', timeZone: 'Mars/Olympus_Mons', level: 'senior' }],
    });

    // Act
    const result = await handleHr(request('PUT', '/employees', body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(
      problemOf(result.body)
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(['employees.1.level', 'employees.1.timeZone']);
    expectNothingChanged();
  });

  it('rejects the same employee id twice, naming the second one', async () => {
    // Act
    const result = await handleHr(request('PUT', '/employees', json({ employees: [ada, ada] })));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(problemOf(result.body).errors).toEqual([
      { field: 'employees.1.employeeId', message: 'duplicate id' },
    ]);
    expectNothingChanged();
  });

  it('rejects a cycle without participants, naming the field', async () => {
    // Act
    const result = await handleHr(request('POST', '/cycles', json({ name: 'H1 2025', participants: [] })));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(problemOf(result.body).errors?.map((e) => e.field)).toEqual(['participants']);
    expectNothingChanged();
  });

  it('rejects phase timings out of order, naming the timings', async () => {
    // Prepare
    const body = json({
      name: 'H1 2025',
      participants: ['ada'],
      timings: { selfDays: 7, peerDays: 10, managerDays: 30, closeDays: 21 },
    });

    // Act
    const result = await handleHr(request('POST', '/cycles', body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(problemOf(result.body).errors?.map((e) => e.field)).toEqual(['timings']);
  });

  it('rejects a body that is not JSON with 400', async () => {
    // Act
    const result = await handleHr(request('POST', '/cycles', '{"name": "H1", participants: [ada]'));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(problemOf(result.body).errors).toEqual([{ field: '(body)', message: 'not valid JSON' }]);
    expectNothingChanged();
  });

  it('rejects a body sent as anything but JSON with 415', async () => {
    // Act
    const result = await handleHr(
      request('POST', '/cycles', 'name=H1&participants=ada', 'application/x-www-form-urlencoded'),
    );

    // Assess
    expect(result.statusCode).toBe(415);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(problemOf(result.body).status).toBe(415);
    expectNothingChanged();
  });

  it('rejects a JSON-like media type that is not application/json with 415', async () => {
    // Act
    const result = await handleHr(request('POST', '/cycles', '{"name":"H1"}', 'application/json-patch+json'));

    // Assess
    expect(result.statusCode).toBe(415);
    expectNothingChanged();
  });

  it('refuses an HR-only route to a caller who is not an HR admin, and changes nothing', async () => {
    // Act
    const result = await handleHr(
      httpEvent({
        method: 'POST',
        route: '/cycles',
        path: '/cycles',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'H1', participants: ['ada'] }),
        claims: { 'custom:employee_id': 'ada', 'cognito:groups': '[]' },
      }),
    );

    // Assess
    expect(result.statusCode).toBe(403);
    expect(problemOf(result.body).detail).toBe('Only HR admins may do this');
    expectNothingChanged();
  });

  it('refuses a token that names no employee', async () => {
    // Act
    const result = await handleHr(
      httpEvent({ method: 'GET', route: '/cycles/{cycleId}', path: '/cycles/c1', claims: { sub: 'x' } }),
    );

    // Assess
    expect(result.statusCode).toBe(403);
    expectNothingChanged();
  });

  it('rejects a cycle with unknown participants, naming each one, and schedules nothing', async () => {
    // Prepare: only Ada exists.
    ddb.on(BatchGetCommand).callsFake(fakeTable(storedItem(db().employee.put(ada))).batchGet);
    const body = json({ name: 'H1 2025', participants: ['ada', 'ghost', 'phantom'] });

    // Act
    const result = await handleHr(request('POST', '/cycles', body));

    // Assess
    expect(result.statusCode).toBe(400);
    const problem = problemOf(result.body);
    expect(problem.errors).toHaveLength(1);
    expect(problem.errors?.[0]?.field).toBe('participants');
    expect(problem.errors?.[0]?.message).toContain('ghost');
    expect(problem.errors?.[0]?.message).toContain('phantom');
    expect(problem.errors?.[0]?.message).not.toContain('ada');
    expectNothingChanged();
  });

  it('answers 404 as a problem document to a route it does not serve', async () => {
    // Act
    const result = await handleHr(request('POST', '/employees', json({})));

    // Assess
    expect(result.statusCode).toBe(404);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
  });

  it('refuses an audit key with a malformed percent escape with 400 naming entityKey', async () => {
    // Act: "%E0%A4" starts a three-byte character it never finishes.
    const result = await handleHr(
      httpEvent({
        method: 'GET',
        route: '/audit/{entityKey}',
        path: '/audit/plan%23%E0%A4',
        pathParameters: { entityKey: 'plan%23%E0%A4' },
        claims: HR_CLAIMS,
      }),
    );

    // Assess
    expect(result.statusCode).toBe(400);
    expect(problemOf(result.body).errors?.map((e) => e.field)).toEqual(['entityKey']);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
