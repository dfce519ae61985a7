import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kindOf } from '../../domain/human-steps/kinds';
import { armRequest, openRequest } from '../../domain/human-steps/step';
import { db, type HumanRequest } from '../../domain/platform/table';
import { nextGoalStep } from '../../domain/reviews/goal-setting';
import { parseAcknowledgment, parseGoalDecision, parseGoalRows } from '../../domain/reviews/phase-forms';
import {
  mayRelease,
  releaseCycle,
  releaseGate,
  releaseReview,
  resultsVisible,
} from '../../domain/reviews/release';
import { reviewStepKinds } from '../../domain/reviews/step-kinds';
import { handleHr } from '../../functions/api/hr-api';
import { fakeTable, HR_CLAIMS, httpEvent, storedItem, stubTestEnv } from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);

describe('nextGoalStep', () => {
  const returned = (comment: string) => ({
    status: 'submitted' as const,
    answer: { decision: 'return', comment },
  });

  it('opens round 1 when goal setting starts', () => {
    expect(nextGoalStep({ round: 0 })).toEqual({ action: 'open', round: 1 });
  });

  it('settles as approved when the manager approves', () => {
    expect(
      nextGoalStep({
        round: 1,
        goalSetting: { status: 'submitted' },
        approval: { status: 'submitted', answer: { decision: 'approve' } },
      }),
    ).toEqual({ action: 'settle', status: 'approved' });
  });

  it('opens the next round with the manager’s comment when the goals are returned', () => {
    expect(
      nextGoalStep({
        round: 1,
        goalSetting: { status: 'submitted' },
        approval: returned('Make them measurable'),
      }),
    ).toEqual({ action: 'open', round: 2, note: 'Make them measurable' });
  });

  it('escalates instead of opening a round past the limit', () => {
    expect(
      nextGoalStep({ round: 3, goalSetting: { status: 'submitted' }, approval: returned('Still vague') }, 3),
    ).toEqual({ action: 'settle', status: 'escalated' });
  });

  it('settles as expired when the drafts or the decision never came', () => {
    expect(
      nextGoalStep({ round: 2, goalSetting: { status: 'expired' }, approval: { status: 'expired' } }),
    ).toEqual({ action: 'settle', status: 'expired' });
    expect(
      nextGoalStep({ round: 1, goalSetting: { status: 'submitted' }, approval: { status: 'expired' } }),
    ).toEqual({ action: 'settle', status: 'expired' });
  });

  it('keeps the round under way while the decision is still open (a retried step)', () => {
    expect(
      nextGoalStep({ round: 2, goalSetting: { status: 'submitted' }, approval: { status: 'open' } }),
    ).toEqual({ action: 'open', round: 2 });
  });
});

describe('what a settled goal approval tells the workflow', () => {
  const settledRequest = (kind: HumanRequest['kind']): HumanRequest => ({
    requestId: `req-${kind}`,
    kind,
    recipientId: 'emp-grace',
    subjectId: 'emp-ada',
    dueAt: '2027-01-12T22:59:59.000Z',
    closeAt: '2027-01-20T22:59:59.000Z',
    reminderHoursBefore: [],
    escalations: [],
    status: 'submitted',
    remindersSent: 0,
    escalationsSent: 0,
    createdAt: '2027-01-04T08:00:00.000Z',
  });
  const told = (kind: HumanRequest['kind'], answer: unknown) =>
    kindOf(reviewStepKinds, kind).settled?.(settledRequest(kind), answer) ?? Promise.resolve({});

  it('gives the workflow the manager’s decision on a goal approval, and nothing for any other request', async () => {
    expect(await told('goal-approval', { decision: 'approve' })).toEqual({ decision: 'approve' });
    expect(await told('goal-approval', { decision: 'return', comment: 'Sharper' })).toEqual({
      decision: 'return',
    });
    expect(await told('goal-approval', undefined)).toEqual({});
    expect(await told('acknowledgment', { decision: 'approve' })).toEqual({});
    expect(await told('goal-setting', { decision: 'approve' })).toEqual({});
  });
});

describe('goal forms', () => {
  const row = (prefix: string, over: Record<string, string> = {}) => ({
    [`${prefix}.title`]: 'Ship the billing API',
    [`${prefix}.measure`]: 'Live for three customers',
    [`${prefix}.weight`]: '40',
    [`${prefix}.dueDate`]: '2027-12-31',
    ...over,
  });

  it('accepts edited drafts and a new goal', () => {
    const parsed = parseGoalRows(['g1'], { ...row('goal.g1'), ...row('new', { 'new.title': 'Mentor' }) });
    expect(parsed).toEqual({
      ok: true,
      edits: [
        {
          goalId: 'g1',
          title: 'Ship the billing API',
          measure: 'Live for three customers',
          weight: 40,
          dueDate: '2027-12-31',
        },
      ],
      added: { title: 'Mentor', measure: 'Live for three customers', weight: 40, dueDate: '2027-12-31' },
    });
  });

  it('ignores an empty new row but refuses a submission without any goal', () => {
    expect(parseGoalRows(['g1'], { ...row('goal.g1'), 'new.title': ' ' })).toMatchObject({ ok: true });
    expect(parseGoalRows([], { 'new.title': '' })).toEqual({
      ok: false,
      errors: { 'new.title': 'Add at least one goal' },
    });
  });

  it('names each bad field: a weight out of range, a missing measure, a bad date', () => {
    const parsed = parseGoalRows(['g1'], {
      ...row('goal.g1', { 'goal.g1.weight': '140', 'goal.g1.measure': '' }),
      ...row('new', { 'new.dueDate': '31/12/2027' }),
    });
    expect(parsed).toEqual({
      ok: false,
      errors: {
        'goal.g1.weight': 'The weight is a whole number from 0 to 100',
        'goal.g1.measure': 'The measure is required',
        'new.dueDate': 'The due date is a date such as 2027-12-31',
      },
    });
  });

  it('approves without a comment but returns only with one', () => {
    expect(parseGoalDecision({ decision: 'approve' })).toEqual({ ok: true, value: { decision: 'approve' } });
    expect(parseGoalDecision({ decision: 'return', comment: '  ' })).toEqual({
      ok: false,
      errors: { comment: 'The comment is required when you return the goals' },
    });
    expect(parseGoalDecision({ decision: 'return', comment: 'Fewer, bigger goals' })).toEqual({
      ok: true,
      value: { decision: 'return', comment: 'Fewer, bigger goals' },
    });
    expect(parseGoalDecision({})).toMatchObject({
      ok: false,
      errors: { decision: 'Choose approve or return' },
    });
  });
});

describe('acknowledgment', () => {
  const at = '2027-01-25T09:00:00.000Z';

  it('records agreement, or a disagreement with its text', () => {
    expect(parseAcknowledgment({ agreement: 'agree', disagreement: 'ignored' }, at)).toEqual({
      ok: true,
      value: { at, agrees: true },
    });
    expect(parseAcknowledgment({ agreement: 'disagree', disagreement: 'The rating misses Q4' }, at)).toEqual({
      ok: true,
      value: { at, agrees: false, disagreement: 'The rating misses Q4' },
    });
  });

  it('refuses a disagreement without a text, naming the field', () => {
    expect(parseAcknowledgment({ agreement: 'disagree' }, at)).toEqual({
      ok: false,
      errors: { disagreement: 'What you disagree with is required if you disagree' },
    });
  });
});

describe('release rules', () => {
  it('lets HR and the direct manager release, nobody else', () => {
    expect(mayRelease('hr')).toBe(true);
    expect(mayRelease('direct-manager')).toBe(true);
    for (const access of ['self', 'reporting-line', 'none'] as const) expect(mayRelease(access)).toBe(false);
  });

  it('shows the results to the employee only once released; HR always sees them', () => {
    expect(resultsVisible({}, 'employee')).toBe(false);
    expect(resultsVisible({ releasedAt: '2027-01-22T10:00:00Z' }, 'employee')).toBe(true);
    expect(resultsVisible({}, 'hr')).toBe(true);
  });
});

describe('releaseReview', () => {
  const review = (over: Record<string, unknown>) =>
    storedItem(
      db().review.put({
        cycleId: 'c1',
        employeeId: 'ola',
        managerId: 'ingrid',
        status: 'completed',
        acknowledgmentRequestId: 'ack-1',
        ...over,
      }),
    );

  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
  });

  it('refuses a review whose appraisal is not in, writing nothing', async () => {
    const table = fakeTable(review({ status: 'in-progress' }));
    ddb.on(GetCommand).callsFake(table.get);
    expect(await releaseReview('c1', 'ola', 'hr-1')).toBe('not-ready');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('releases a completed review without an acknowledgment step too (a cycle without a template)', async () => {
    const table = fakeTable(review({ acknowledgmentRequestId: '' }));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).resolves({});
    expect(await releaseReview('c1', 'ola', 'hr-1')).toBe('released');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('releases a review once: a released one is left alone', async () => {
    const table = fakeTable(review({ releasedAt: '2027-01-22T10:00:00Z' }));
    ddb.on(GetCommand).callsFake(table.get);
    expect(await releaseReview('c1', 'ola', 'hr-1')).toBe('already-released');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('writes the release and its audit event in one transaction conditioned on not yet released', async () => {
    const table = fakeTable(review({}));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).resolves({});
    expect(await releaseReview('c1', 'ola', 'ingrid')).toBe('released');
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]?.Update?.ConditionExpression).toMatch(/attribute_not_exists/);
    expect(items[1]?.Put?.Item).toMatchObject({ action: 'review.released', actor: 'ingrid' });
  });

  it('refuses a peer at the route before reading anything', async () => {
    ddb.on(GetCommand).callsFake(fakeTable().get);
    const res = await handleHr(
      httpEvent({
        method: 'POST',
        route: '/cycles/{cycleId}/reviews/{employeeId}/release',
        path: '/cycles/c1/reviews/ola/release',
        pathParameters: { cycleId: 'c1', employeeId: 'ola' },
        claims: { 'custom:employee_id': 'emma' },
      }),
    );
    expect(res.statusCode).toBe(403);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});

describe('releaseGate', () => {
  const at = new Date('2027-01-20T09:00:00Z');
  const ack = {
    requestId: 'ack-1',
    kind: 'acknowledgment' as const,
    gate: 'release' as const,
    recipientId: 'ola',
    subjectId: 'ola',
    cycleId: 'c1',
    dueAt: '2027-01-25T22:59:59.000Z',
    closeAt: '2027-01-31T22:59:59.000Z',
    reminderHoursBefore: [72, 24],
    escalations: [],
    status: 'pending' as const,
    remindersSent: 0,
    escalationsSent: 0,
    createdAt: '2027-01-04T08:00:00.000Z',
  };
  const reviewRow = (over: Record<string, unknown>) =>
    storedItem(
      db().review.put({
        cycleId: 'c1',
        employeeId: 'ola',
        managerId: 'ingrid',
        status: 'completed',
        ...over,
      }),
    );

  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
  });

  it('opens the acknowledgment once released', async () => {
    ddb.on(GetCommand).callsFake(fakeTable(reviewRow({ releasedAt: '2027-01-19T10:00:00Z' })).get);
    expect(await releaseGate(ack, at)).toEqual({ open: true });
  });

  it('waits for the release until the due date, without telling anyone yet', async () => {
    ddb.on(GetCommand).callsFake(fakeTable(reviewRow({})).get);
    expect(await releaseGate(ack, at)).toEqual({ open: false, expire: false, wakeAt: ack.dueAt });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('expires a step unopened when the review ended without an appraisal', async () => {
    ddb.on(GetCommand).callsFake(fakeTable(reviewRow({ status: 'incomplete' })).get);
    expect(await releaseGate(ack, at)).toMatchObject({ open: false, expire: true });
    expect(await releaseGate({ ...ack, kind: 'review-meeting', gate: 'appraisal' }, at)).toMatchObject({
      open: false,
      expire: true,
    });
  });

  it('opens the review meeting once the appraisal is in, released or not', async () => {
    ddb.on(GetCommand).callsFake(fakeTable(reviewRow({})).get);
    expect(await releaseGate({ ...ack, kind: 'review-meeting', gate: 'appraisal' }, at)).toEqual({
      open: true,
    });
  });
});

describe('a step the review does not have', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('is skipped without reading or writing anything: opening says it is over, arming completes the wait at once', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await openRequest(reviewStepKinds, '')).toEqual({
      requestId: '',
      outcome: 'expired',
      wakeInSeconds: 1,
    });
    await armRequest(reviewStepKinds, '', 'token-1');
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1' });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});

describe('releaseCycle', () => {
  const reviewOf = (employeeId: string) =>
    storedItem(
      db().review.put({
        cycleId: 'c1',
        employeeId,
        managerId: 'ingrid',
        status: 'completed',
        acknowledgmentRequestId: '',
      }),
    );

  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
  });

  it('stops when its time budget is spent and says where to go on from; the next call finishes', async () => {
    // Prepare: two pages of one review each.
    const [ola, kari] = [reviewOf('ola'), reviewOf('kari')];
    const table = fakeTable(ola, kari);
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).resolves({});
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [ola], LastEvaluatedKey: { pk: ola.pk, sk: ola.sk } })
      .resolvesOnce({ Items: [kari] });

    // Act
    const first = await releaseCycle('c1', 'hr-1', { budgetMs: 0 });
    const second = await releaseCycle('c1', 'hr-1', { cursor: first.next, budgetMs: 0 });

    // Assess
    expect(first).toEqual({ released: 1, alreadyReleased: 0, notReady: 0, next: expect.any(String) });
    expect(second).toEqual({ released: 1, alreadyReleased: 0, notReady: 0 });
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toMatchObject({ pk: ola.pk });
  });

  it('refuses a cursor it did not give out for this cycle, naming the field, and releases nothing', async () => {
    // Prepare: the cycle exists; one cursor is garbage, one is a review key of another cycle.
    const cycle = storedItem(
      db().cycle.put({
        cycleId: 'c1',
        name: 'Winter',
        startAt: '2027-01-04T08:00:00.000Z',
        selfDueAt: '2027-01-11T08:00:00.000Z',
        peerDueAt: '2027-01-14T08:00:00.000Z',
        managerDueAt: '2027-01-18T08:00:00.000Z',
        closeAt: '2027-01-25T08:00:00.000Z',
        status: 'running',
        participants: 2,
        openReviews: 0,
        createdAt: '2027-01-01T08:00:00.000Z',
      }),
    );
    ddb.on(GetCommand).callsFake(fakeTable(cycle).get);
    const other = db()
      .review.get({ cycleId: 'c2', employeeId: 'ola' })
      .params<{ Key: Record<string, string> }>();
    const foreign = Buffer.from(JSON.stringify(other.Key)).toString('base64url');

    for (const cursor of ['not-a-cursor', foreign]) {
      // Act
      const res = await handleHr(
        httpEvent({
          method: 'POST',
          route: '/cycles/{cycleId}/release',
          path: '/cycles/c1/release',
          pathParameters: { cycleId: 'c1' },
          query: { cursor },
          claims: HR_CLAIMS,
        }),
      );

      // Assess
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(String(res.body)).errors).toEqual([
        { field: 'cursor', message: 'not a cursor this route gave out' },
      ]);
    }
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
