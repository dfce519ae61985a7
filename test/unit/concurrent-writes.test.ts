import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Cycle, db, type Goal, type PlanItem } from '../../domain/platform/table';
import { handleHr } from '../../functions/api/hr-api';
import { type CatalogDoc, sampleCatalog } from '../support/catalog';
import { adasGoal, adasItem, adasPlan, employee } from '../support/fixtures';
import {
  conditionalCheckFailed,
  fakeTable,
  HR_CLAIMS,
  httpEvent,
  storedItem,
  stubTestEnv,
} from '../support/unit-doubles';

/*
 * Two people writing one goal at once: a change names the revision it was made from and is refused
 * (409) once another came first; a create is written only if absent, so a retry resets nothing. A
 * plan item's change names its revision the same way, and a cycle's extension the deadlines it read. Two saves of one catalog document at once: the
 * later is refused rather than both becoming one revision.
 */

const ddb = mockClient(DynamoDBDocumentClient);

const goal: Goal = adasGoal({
  progress: [{ at: '2027-01-10T09:00:00.000Z', by: 'ada', value: 40 }],
  updatedAt: '2027-01-10T09:00:00.000Z',
  revision: 3,
});

const patchGoal = (body: unknown) =>
  httpEvent({
    method: 'PATCH',
    route: '/goals/{goalId}',
    path: '/goals/goal-1',
    pathParameters: { goalId: 'goal-1' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    claims: HR_CLAIMS,
  });

const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

/** For a describe whose writes are updates: the audit trail's puts succeed, and all is reset after each test. */
const auditedWrites = () => {
  beforeEach(() => {
    stubTestEnv();
    ddb.on(PutCommand).resolves({});
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });
};

describe('changing a goal', () => {
  auditedWrites();

  it('writes only the changed fields and the next revision, on condition that the goal is still at the one read', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().goal.put(goal))).get);
    ddb
      .on(UpdateCommand)
      .resolves({ Attributes: storedItem(db().goal.put({ ...goal, weight: 30, revision: 4 })) });

    // Act
    const result = await handleHr(patchGoal({ weight: 30, revision: 3 }));

    // Assess: progress recorded meanwhile is not written over.
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).goal).toMatchObject({ weight: 30, revision: 4 });
    const [update] = ddb.commandCalls(UpdateCommand);
    const input = update?.args[0].input;
    expect(input?.ConditionExpression).toMatch(/#revision = :revision\d/);
    expect(Object.values(input?.ExpressionAttributeValues ?? {})).toEqual(expect.arrayContaining([3, 4, 30]));
    expect(input?.UpdateExpression).not.toContain('progress');
  });

  it('refuses with 409 naming the revision a change made from an older one, writing nothing', async () => {
    // Prepare: the caller read revision 2; someone changed the goal since.
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().goal.put(goal))).get);

    // Act
    const result = await handleHr(patchGoal({ weight: 30, revision: 2 }));

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(result)).toMatchObject({
      status: 409,
      errors: [{ field: 'revision', message: 'the goal was changed since this revision' }],
      goal: { revision: 3, weight: 20 },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('refuses with 409 the later of two changes made from the same revision at once', async () => {
    // Prepare: both read revision 3; the other change is written between this one's read and write.
    const table = fakeTable(storedItem(db().goal.put(goal)));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(UpdateCommand).callsFake(() => {
      table.put(storedItem(db().goal.put({ ...goal, weight: 50, revision: 4 })));
      throw conditionalCheckFailed();
    });

    // Act
    const result = await handleHr(patchGoal({ weight: 30, revision: 3 }));

    // Assess: the goal as the other change left it, for the caller to start again from.
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).goal).toMatchObject({ weight: 50, revision: 4 });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('asks for the revision a change is made from', async () => {
    // Act
    const result = await handleHr(patchGoal({ weight: 30 }));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([{ field: 'revision', message: expect.any(String) }]);
  });
});

describe('setting a goal', () => {
  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('writes it only if absent, so a retry with the same Idempotency-Key answers the goal as it is and resets nothing', async () => {
    // Prepare: the first attempt stored the goal, which has progressed since.
    const create = (key: string) =>
      httpEvent({
        method: 'POST',
        route: '/goals',
        path: '/goals',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({
          ownerId: 'ada',
          title: 'Cut p95 latency',
          measure: 'p95 under 200 ms',
          weight: 20,
          dueDate: '2027-06-30',
        }),
        claims: HR_CLAIMS,
      });
    const table = fakeTable(storedItem(db().employee.put(employee('ada'))));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(BatchGetCommand).callsFake(table.batchGet);
    ddb.on(PutCommand).resolvesOnce({});
    const first = await handleHr(create('key-1'));
    const stored = bodyOf(first).goal as Goal;
    table.put(storedItem(db().goal.put({ ...stored, progress: goal.progress, revision: 2 })));
    ddb.on(PutCommand).rejects(conditionalCheckFailed());

    // Act
    const retry = await handleHr(create('key-1'));

    // Assess
    expect(first.statusCode).toBe(201);
    const [firstPut] = ddb.commandCalls(PutCommand);
    expect(firstPut?.args[0].input.ConditionExpression).toContain('attribute_not_exists');
    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry).goal).toMatchObject({ goalId: stored.goalId, progress: goal.progress, revision: 2 });
    // The retry recorded no second creation in the audit trail.
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
  });
});

describe('saving a catalog document', () => {
  const framework = sampleCatalog().find((d) => d.kind === 'framework') as CatalogDoc;
  const put = () =>
    httpEvent({
      method: 'PUT',
      route: '/frameworks/{frameworkId}',
      path: `/frameworks/${framework.id}`,
      pathParameters: { frameworkId: framework.id },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(framework),
      claims: HR_CLAIMS,
    });
  const stored = (revision: number) =>
    storedItem(
      db().framework.put({
        id: framework.id,
        doc: framework,
        revision,
        updatedAt: '2027-01-01T09:00:00.000Z',
        updatedBy: 'hr-1',
      }),
    );

  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('writes a first revision only if absent, and the next only over the revision it read', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand).callsFake(fakeTable().get);
    const first = await handleHr(put());
    ddb.on(GetCommand).callsFake(fakeTable(stored(1)).get);

    // Act
    const second = await handleHr(put());

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(bodyOf(second)).toMatchObject({ revision: 2 });
    // The document's own writes, not its stored revision's or the audit's.
    const [createFirst, replaceFirst] = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .filter((input) => (input.Item as { __edb_e__?: string }).__edb_e__ === 'framework');
    expect(createFirst?.ConditionExpression).toContain('attribute_not_exists');
    expect(replaceFirst?.ConditionExpression).toMatch(/#revision = :revision\d/);
  });

  it('refuses with 409 the later of two saves made at once, so both never become the same revision', async () => {
    // Prepare: revision 2 is read; another save makes revision 3 before this one's write.
    const table = fakeTable(stored(2));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(PutCommand).callsFake(() => {
      table.put(stored(3));
      throw conditionalCheckFailed();
    });

    // Act
    const result = await handleHr(put());

    // Assess: nothing audited as saved.
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).detail).toContain('now revision 3');
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });
});

describe('changing a plan item', () => {
  const plan = adasPlan();
  const item = adasItem({ revision: 2 });
  const patchItem = (body: unknown) =>
    httpEvent({
      method: 'PATCH',
      route: '/plans/{planId}/items/{itemId}',
      path: '/plans/plan-1/items/i1',
      pathParameters: { planId: 'plan-1', itemId: 'i1' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      claims: HR_CLAIMS,
    });
  const stored = (over: Partial<PlanItem> = {}) => storedItem(db().planItem.put({ ...item, ...over }));

  auditedWrites();

  it('writes the change and the next revision on condition that the item is still at the one read', async () => {
    // Prepare
    const table = fakeTable(storedItem(db().plan.put(plan)), stored());
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(UpdateCommand).callsFake(() => {
      table.put(stored({ title: 'Review three designs', revision: 3 }));
      return {};
    });

    // Act
    const result = await handleHr(patchItem({ title: 'Review three designs', revision: 2 }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).item).toMatchObject({ title: 'Review three designs', revision: 3 });
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toMatch(/#revision = :revision\d/);
    expect(input?.UpdateExpression).toMatch(/ADD #revision/);
  });

  it('refuses with 409 naming the revision a change made from an older one, writing nothing', async () => {
    // Prepare: the owner answered since the caller read revision 1.
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().plan.put(plan)), stored()).get);

    // Act
    const result = await handleHr(patchItem({ drop: true, revision: 1 }));

    // Assess
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({
      errors: [{ field: 'revision', message: 'the item was changed since this revision' }],
      item: { itemId: 'i1', revision: 2, status: 'open' },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('refuses with 409 the later of two changes made from the same revision at once', async () => {
    // Prepare: the other change is written between this one's read and its write.
    const table = fakeTable(storedItem(db().plan.put(plan)), stored());
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(UpdateCommand).callsFake(() => {
      table.put(stored({ title: 'Theirs', revision: 3 }));
      throw conditionalCheckFailed();
    });

    // Act
    const result = await handleHr(patchItem({ title: 'Mine', revision: 2 }));

    // Assess: the item as the other change left it; nothing audited.
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).item).toMatchObject({ title: 'Theirs', revision: 3 });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('asks for the revision a change is made from', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().plan.put(plan)), stored()).get);

    // Act
    const result = await handleHr(patchItem({ title: 'Mine' }));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([{ field: 'revision', message: expect.any(String) }]);
  });
});

describe('extending a whole cycle', () => {
  const cycle: Cycle = {
    cycleId: 'cycle-1',
    name: 'H1',
    startAt: '2027-03-01T09:00:00.000Z',
    selfDueAt: '2027-03-08T17:00:00.000Z',
    peerDueAt: '2027-03-15T17:00:00.000Z',
    managerDueAt: '2027-03-22T17:00:00.000Z',
    closeAt: '2027-03-29T17:00:00.000Z',
    status: 'running',
    participants: 1,
    openReviews: 1,
    createdAt: '2027-02-20T09:00:00.000Z',
  };
  const extend = () =>
    httpEvent({
      method: 'POST',
      route: '/cycles/{cycleId}/extend',
      path: '/cycles/cycle-1/extend',
      pathParameters: { cycleId: 'cycle-1' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ days: 7 }),
      claims: HR_CLAIMS,
    });

  auditedWrites();
  beforeEach(() => {
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().cycle.put(cycle))).get);
  });

  it('moves the cycle’s dates only from the dates it read, before any request', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const result = await handleHr(extend());

    // Assess
    expect(result.statusCode).toBe(200);
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toMatch(/#closeAt = :closeAt\d/);
    expect(Object.values(input?.ExpressionAttributeValues ?? {})).toEqual(
      expect.arrayContaining([cycle.closeAt, '2027-04-05T17:00:00.000Z']),
    );
  });

  it('refuses with 409 the later of two extensions made from one reading, moving no request', async () => {
    // Prepare: the other extension moved the dates between this one's read and its write.
    ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

    // Act
    const result = await handleHr(extend());

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });
});
