import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reassignRequest } from '../../domain/human-steps/reassign';
import { withKnownState } from '../../domain/people/org';
import { db, type Employee, type HumanRequest } from '../../domain/platform/table';
import { reviewStepKinds } from '../../domain/reviews/step-kinds';
import { employee } from '../support/fixtures';
import {
  conditionalCheckFailed,
  fakeTable,
  storedItem,
  stubTestEnv,
  TEST_LINK_SECRET_VALUE,
  transactionCanceledByCondition,
} from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const secrets = mockClient(SecretsManagerClient);

/** The people here work in Oslo, where the cycle's send window is, unless a test moves them. */
const inOslo = (employeeId: string, over: Partial<Employee> = {}): Employee =>
  employee(employeeId, { timeZone: 'Europe/Oslo', ...over });

const appraisal: HumanRequest = {
  requestId: 'req-manager-ada',
  kind: 'manager-appraisal',
  recipientId: 'emp-grace',
  subjectId: 'emp-ada',
  cycleId: 'cycle-1',
  dueAt: '2025-03-14T17:00:00.000Z',
  closeAt: '2025-03-21T17:00:00.000Z',
  reminderHoursBefore: [72, 24],
  escalations: [
    { afterHours: 24, toId: 'emp-linus', role: 'skip-level manager' },
    { afterHours: 72, toId: 'hr', role: 'HR' },
  ],
  status: 'open',
  remindersSent: 1,
  escalationsSent: 0,
  createdAt: '2025-03-04T08:00:00.000Z',
};
const peerRequest: HumanRequest = {
  ...appraisal,
  requestId: 'req-peer-ada-bo',
  kind: 'peer-feedback',
  recipientId: 'emp-bo',
  escalations: [],
};

const given = (request: HumanRequest, others: HumanRequest[] = [], rows: Record<string, unknown>[] = []) => {
  ddb.on(GetCommand).callsFake(
    fakeTable(
      storedItem(db().request.put(request)),
      ...rows,
      storedItem(db().employee.put(inOslo('emp-ada', { managerId: 'emp-grace' }))),
      storedItem(db().employee.put(inOslo('emp-grace', { managerId: 'emp-linus' }))),
      storedItem(db().employee.put(inOslo('emp-bo', { managerId: 'emp-grace' }))),
      storedItem(db().employee.put(inOslo('emp-new', { managerId: 'emp-vera' }))),
      storedItem(db().employee.put(inOslo('emp-gone', { status: 'left' }))),
      storedItem(
        db().cycle.put({
          cycleId: 'cycle-1',
          name: 'Spring 2025',
          startAt: '2025-03-01T08:00:00.000Z',
          selfDueAt: '2025-03-08T08:00:00.000Z',
          peerDueAt: '2025-03-11T08:00:00.000Z',
          managerDueAt: '2025-03-14T17:00:00.000Z',
          closeAt: '2025-03-21T17:00:00.000Z',
          status: 'running',
          participants: 1,
          openReviews: 1,
          createdAt: '2025-03-01T08:00:00.000Z',
        }),
      ),
    ).get,
  );
  ddb.on(QueryCommand).resolves({ Items: [request, ...others].map((r) => storedItem(db().request.put(r))) });
};

const transaction = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

describe('reassignRequest', () => {
  beforeEach(() => {
    stubTestEnv();
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
  });

  afterEach(() => {
    ddb.reset();
    ses.reset();
    secrets.reset();
    vi.unstubAllEnvs();
  });

  it('moves an open appraisal in one transaction, records who and why, and emails the new appraiser once with a new link', async () => {
    // Prepare
    given(appraisal);

    // Act
    const result = await reassignRequest(reviewStepKinds, 'req-manager-ada', 'emp-new', 'hr-1', 'Grace left');

    // Assess
    expect(result).toMatchObject({
      ok: true,
      unchanged: false,
      request: { recipientId: 'emp-new', assignment: 1 },
    });
    const [move, auditPut, review] = transaction();
    expect(move?.Update?.ExpressionAttributeValues).toMatchObject({
      ':recipientId_u0': 'emp-new',
      ':assignment_u0': 1,
      // The skip-level is now the new appraiser's own manager; HR stays.
      ':escalations_u0': [
        { afterHours: 24, toId: 'emp-vera', role: 'skip-level manager' },
        { afterHours: 72, toId: 'hr', role: 'HR' },
      ],
    });
    expect(move?.Update?.UpdateExpression).toMatch(/REMOVE .*#bounced/);
    // The new recipient's invitation is due now: the step's next wake-up sends it if this email fails.
    expect(move?.Update?.UpdateExpression).toMatch(/REMOVE .*#invitedAt/);
    expect(move?.Update?.ExpressionAttributeValues).toHaveProperty(':inviteAt_u0');
    expect(move?.Update?.ConditionExpression).toMatch(/attribute_not_exists\(#assignment\)/);
    expect(auditPut?.Put?.Item).toMatchObject({
      entityKey: 'request#req-manager-ada',
      actor: 'hr-1',
      action: 'manager-appraisal.reassigned',
      details: { from: 'emp-grace', to: 'emp-new', assignment: 1, reason: 'Grace left' },
    });
    expect(review?.Update?.ExpressionAttributeValues).toMatchObject({ ':managerId_u0': 'emp-new' });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: ['emp-new@example.com'] },
    });
    const text = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data;
    expect(text).toMatch(/\/r\/req-manager-ada\?k=v1&n=[\w-]{22}&e=\d+&a=1&s=/);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      key: 'req-manager-ada#request#a1',
    });
  });

  it('passes an external reviewer’s peer request to an employee: their address goes, the employee is emailed', async () => {
    // Prepare
    given({
      ...peerRequest,
      recipientId: 'ext-abc',
      external: { name: 'Erin Outside', email: 'erin@partner.example' },
    });

    // Act
    const result = await reassignRequest(
      reviewStepKinds,
      'req-peer-ada-bo',
      'emp-new',
      'hr-1',
      'Erin bounced',
    );

    // Assess
    expect(result).toMatchObject({ ok: true, request: { recipientId: 'emp-new' } });
    expect(result.ok && result.request.external).toBeUndefined();
    expect(transaction()[0]?.Update?.UpdateExpression).toMatch(/REMOVE .*#external/);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: ['emp-new@example.com'] },
    });
  });

  it('conditions a second move on the assignment it read, so two HR admins cannot both win', async () => {
    // Prepare
    given({ ...appraisal, recipientId: 'emp-bo', assignment: 2 });
    ddb.on(TransactWriteCommand).rejects(transactionCanceledByCondition());

    // Act
    const result = await reassignRequest(reviewStepKinds, 'req-manager-ada', 'emp-new', 'hr-1', 'again');

    // Assess
    expect(transaction()[0]?.Update?.ConditionExpression).toMatch(/#assignment = :assignment/);
    expect(result).toEqual({
      ok: false,
      refusal: { status: 409, field: 'requestId', message: expect.stringContaining('meanwhile') },
    });
    expect(ses.calls()).toHaveLength(0);
  });

  it('reads a request changed since its read once more, but never moves it over another reassignment made meanwhile', async () => {
    // Prepare: between this read and this write, another HR admin passed the request to Linus.
    given({ ...appraisal, recipientId: 'emp-bo', assignment: 2 });
    ddb.on(TransactWriteCommand).callsFake(() => {
      given({ ...appraisal, recipientId: 'emp-linus', assignment: 3 });
      throw transactionCanceledByCondition();
    });

    // Act
    const result = await reassignRequest(reviewStepKinds, 'req-manager-ada', 'emp-new', 'hr-2', 'mine');

    // Assess: the other admin's move stands; this one is refused, written once and never again.
    expect(result).toEqual({
      ok: false,
      refusal: { status: 409, field: 'requestId', message: expect.stringContaining('meanwhile') },
    });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ses.calls()).toHaveLength(0);
  });

  it('moves the request’s send window to the new reviewer’s time zone', async () => {
    // Prepare: a request from a template cycle, with Grace's Oslo send window; the new reviewer is in Tokyo.
    given(
      {
        ...appraisal,
        status: 'pending',
        sendWindow: { timeZone: 'Europe/Oslo', sendHour: 9, quietDays: ['Sat', 'Sun'] },
      },
      [],
      [storedItem(db().employee.put(inOslo('emp-tokyo', { managerId: 'emp-vera', timeZone: 'Asia/Tokyo' })))],
    );

    // Act
    const result = await reassignRequest(
      reviewStepKinds,
      'req-manager-ada',
      'emp-tokyo',
      'hr-1',
      'manager changed',
    );

    // Assess
    expect(result.ok).toBe(true);
    expect(transaction()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':sendWindow_u0': { timeZone: 'Asia/Tokyo', sendHour: 9, quietDays: ['Sat', 'Sun'] },
    });
  });

  it('moves a request not yet sent without emailing: its step emails the new recipient when it opens', async () => {
    // Prepare
    given({ ...appraisal, status: 'pending' });

    // Act
    const result = await reassignRequest(
      reviewStepKinds,
      'req-manager-ada',
      'emp-new',
      'hr-1',
      'manager changed',
    );

    // Assess
    expect(result.ok).toBe(true);
    expect(ses.calls()).toHaveLength(0);
  });

  it('changes nothing and only makes sure the email went out when asked again for the same recipient', async () => {
    // Prepare
    given(
      { ...appraisal, recipientId: 'emp-new', assignment: 1 },
      [],
      [
        storedItem(
          db().outbox.put({
            key: 'req-manager-ada#request#a1',
            kind: 'manager-appraisal.request',
            toId: 'emp-new',
            status: 'sent',
            messageId: 'ses-earlier',
            createdAt: '2025-03-04T09:00:00.000Z',
          }),
        ),
      ],
    );
    ddb.on(PutCommand).rejects(conditionalCheckFailed());

    // Act
    const result = await reassignRequest(reviewStepKinds, 'req-manager-ada', 'emp-new', 'hr-1', 'retry');

    // Assess
    expect(result).toMatchObject({ ok: true, unchanged: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      key: 'req-manager-ada#request#a1',
    });
    expect(ses.calls()).toHaveLength(0);
  });

  it('sends a fresh link when HR passes a bounced request back to the same reviewer (their address was corrected)', async () => {
    // Prepare
    given({ ...appraisal, bounced: true, bouncedAt: '2025-03-04T08:00:04.000Z' });

    // Act
    const result = await reassignRequest(
      reviewStepKinds,
      'req-manager-ada',
      'emp-grace',
      'hr-1',
      'address corrected',
    );

    // Assess
    expect(result).toMatchObject({
      ok: true,
      unchanged: false,
      request: { recipientId: 'emp-grace', assignment: 1 },
    });
    expect(transaction()[0]?.Update?.UpdateExpression).toMatch(/REMOVE .*#bounced/);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: ['emp-grace@example.com'] },
    });
  });

  it.each([
    [
      'an answered request',
      { ...appraisal, status: 'submitted' as const },
      'emp-new',
      409,
      'requestId',
      'submitted',
    ],
    [
      'a closed request',
      { ...appraisal, status: 'expired' as const },
      'emp-new',
      409,
      'requestId',
      'expired',
    ],
    [
      'a self-assessment',
      { ...appraisal, kind: 'self-assessment' as const },
      'emp-new',
      422,
      'requestId',
      'owner',
    ],
    ['someone who left', appraisal, 'emp-gone', 422, 'recipientId', 'left'],
    ['nobody known', appraisal, 'emp-nobody', 422, 'recipientId', 'no employee'],
    ['the person reviewed', peerRequest, 'emp-ada', 422, 'recipientId', 'being reviewed'],
  ])('refuses %s, naming the field', async (_what, request, to, status, field, words) => {
    // Prepare
    given(request);

    // Act
    const result = await reassignRequest(reviewStepKinds, request.requestId, to, 'hr-1', 'why');

    // Assess
    expect(result).toEqual({
      ok: false,
      refusal: { status, field, message: expect.stringContaining(words) },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });

  it('refuses a peer who already gives feedback on the same person', async () => {
    // Prepare
    given(peerRequest, [{ ...peerRequest, requestId: 'req-peer-ada-new', recipientId: 'emp-new' }]);

    // Act
    const result = await reassignRequest(reviewStepKinds, 'req-peer-ada-bo', 'emp-new', 'hr-1', 'bounced');

    // Assess
    expect(result).toMatchObject({ ok: false, refusal: { status: 422, field: 'recipientId' } });
  });

  it('leaves a request HR already gave to someone else when a manager change asks to move it from the old manager', async () => {
    // Prepare
    given({ ...appraisal, recipientId: 'emp-bo', assignment: 1 });

    // Act
    const result = await reassignRequest(
      reviewStepKinds,
      'req-manager-ada',
      'emp-new',
      'hr-1',
      'manager changed',
      'emp-grace',
    );

    // Assess
    expect(result).toMatchObject({ ok: false, refusal: { status: 409 } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('withKnownState', () => {
  const flagged = inOslo('emp-bo', {
    emailProblem: { type: 'bounce', at: '2025-03-04T08:00:04.000Z', messageId: 'm-1' },
  });

  it('keeps a bounce flag across an HRIS re-import while the address stays the same', () => {
    expect(withKnownState(inOslo('emp-bo', { title: 'Lead' }), flagged).emailProblem?.messageId).toBe('m-1');
  });

  it('drops the flag when HR gives the person a new address', () => {
    expect(
      withKnownState(inOslo('emp-bo', { email: 'bo@new.example.com' }), flagged).emailProblem,
    ).toBeUndefined();
  });
});
