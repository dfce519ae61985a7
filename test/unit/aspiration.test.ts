import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '../../domain/platform/table';
import { handleHr } from '../../functions/api/hr-api';
import { employee } from '../support/fixtures';
import { fakeTable, HR_CLAIMS, httpEvent, storedItem, stubTestEnv } from '../support/unit-doubles';

/*
 * An employee's career aspiration through the HR API: checked at the boundary with the field named,
 * written whole by the employee, their direct manager or HR, and read like the employee.
 */

const ddb = mockClient(DynamoDBDocumentClient);

const ROUTE = '/employees/{employeeId}/aspiration';
const claimsOf = (employeeId: string) => ({ 'custom:employee_id': employeeId, 'cognito:groups': '[]' });

const put = (employeeId: string, body: unknown, claims: Record<string, string> = claimsOf(employeeId)) =>
  handleHr(
    httpEvent({
      method: 'PUT',
      route: ROUTE,
      path: `/employees/${employeeId}/aspiration`,
      pathParameters: { employeeId },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      claims,
    }),
  );

const get = (employeeId: string, claims: Record<string, string>) =>
  handleHr(
    httpEvent({
      method: 'GET',
      route: ROUTE,
      path: `/employees/${employeeId}/aspiration`,
      pathParameters: { employeeId },
      claims,
    }),
  );

const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

/** The items written, by ElectroDB entity name. */
const written = (entity: string) =>
  ddb
    .commandCalls(PutCommand)
    .map((call) => call.args[0].input.Item as Record<string, unknown>)
    .filter((item) => item.__edb_e__ === entity);

/** Ola reports to Ingrid; Lars manages another team. */
const ola = employee('ola', { managerId: 'ingrid' });
const ingrid = employee('ingrid', { managerId: 'henrik' });
const henrik = employee('henrik');
const lars = employee('lars', { managerId: 'henrik' });

describe('the career aspiration routes', () => {
  beforeEach(() => {
    stubTestEnv();
    vi.useFakeTimers({ now: new Date('2027-10-04T09:30:00Z'), toFake: ['Date'] });
    const table = fakeTable(...[ola, ingrid, henrik, lars].map((e) => storedItem(db().employee.put(e))));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(PutCommand).resolves({});
  });

  afterEach(() => {
    ddb.reset();
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('records the employee’s own aspiration whole, with who and when, and audits it without its content', async () => {
    // Act
    const result = await put('ola', { track: 'management', level: 3, note: '  Lead the platform team  ' });

    // Assess
    expect(result.statusCode).toBe(200);
    const aspiration = {
      employeeId: 'ola',
      track: 'management',
      level: 3,
      note: 'Lead the platform team',
      updatedAt: '2027-10-04T09:30:00.000Z',
      updatedBy: 'ola',
      revision: 1,
    };
    expect(bodyOf(result)).toEqual({ aspiration });
    expect(written('aspiration')).toEqual([expect.objectContaining(aspiration)]);
    expect(written('audit')).toEqual([
      expect.objectContaining({
        entityKey: 'aspiration#ola',
        actor: 'ola',
        action: 'aspiration.set',
        details: {},
      }),
    ]);
  });

  it('lets the direct manager and HR set it, and clears a track or note left out', async () => {
    // Act
    const byManager = await put('ola', { level: 5, note: '' }, claimsOf('ingrid'));
    const byHr = await put('ola', { level: 5 }, HR_CLAIMS);

    // Assess
    expect([byManager.statusCode, byHr.statusCode]).toEqual([200, 200]);
    expect(written('aspiration').map(({ track, note, updatedBy }) => ({ track, note, updatedBy }))).toEqual([
      { track: undefined, note: undefined, updatedBy: 'ingrid' },
      { track: undefined, note: undefined, updatedBy: 'hr-1' },
    ]);
  });

  it('refuses the skip-level and anyone outside the line, and writes nothing', async () => {
    // Act
    const bySkipLevel = await put('ola', { level: 5 }, claimsOf('henrik'));
    const byOther = await put('ola', { level: 5 }, claimsOf('lars'));

    // Assess
    expect([bySkipLevel.statusCode, byOther.statusCode]).toEqual([403, 403]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('names the field of a level off the scale, a blank track or an overlong note, and writes nothing', async () => {
    // Act
    const result = await put('ola', { track: ' ', level: 25, note: 'x'.repeat(1001) });

    // Assess
    expect(result.statusCode).toBe(400);
    expect((bodyOf(result).errors as Array<{ field: string }>).map((e) => e.field)).toEqual([
      'track',
      'level',
      'note',
    ]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('answers 404 naming the employee when HR sets an aspiration for someone who is not employed', async () => {
    // Act
    const result = await put('ghost', { level: 3 }, HR_CLAIMS);

    // Assess
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).errors).toEqual([{ field: 'employeeId', message: 'not found' }]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('shows the aspiration to the employee’s reporting line, and to nobody else', async () => {
    // Prepare
    const stored = { employeeId: 'ola', level: 5, updatedAt: '2027-10-01T08:00:00.000Z', updatedBy: 'ola' };
    const table = fakeTable(
      ...[ola, ingrid, henrik, lars].map((e) => storedItem(db().employee.put(e))),
      storedItem(db().aspiration.put(stored)),
    );
    ddb.on(GetCommand).callsFake(table.get);

    // Act
    const bySkipLevel = await get('ola', claimsOf('henrik'));
    const byOther = await get('ola', claimsOf('lars'));

    // Assess
    expect(bySkipLevel.statusCode).toBe(200);
    expect(bodyOf(bySkipLevel)).toEqual({ aspiration: stored });
    expect(byOther.statusCode).toBe(403);
  });

  it('answers 404 naming the employee when none was recorded', async () => {
    // Act
    const result = await get('ingrid', claimsOf('ingrid'));

    // Assess
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).detail).toBe('employeeId: no aspiration recorded for ingrid');
  });
});
