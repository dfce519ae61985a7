import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxRowNotFoundError } from '../../domain/mail/bounces';
import { db, type HumanRequest } from '../../domain/platform/table';
import { handler, type SesEvent } from '../../functions/events/ses-events';
import { employee } from '../support/fixtures';
import {
  conditionalCheckFailed,
  fakeTable,
  storedItem,
  stubTestEnv,
  TEST_ENV,
  transactionCanceledByCondition,
} from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const MESSAGE_ID = '0100019a-bounced-message';
const REVIEWER_ADDRESS = 'linus@example.com';

const request: HumanRequest = {
  requestId: 'req-peer-1',
  kind: 'peer-feedback',
  recipientId: 'emp-linus',
  subjectId: 'emp-ada',
  cycleId: 'cycle-1',
  dueAt: '2025-03-14T17:00:00.000Z',
  closeAt: '2025-03-21T17:00:00.000Z',
  reminderHoursBefore: [48],
  escalations: [],
  status: 'open',
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: '2025-03-04T08:00:00.000Z',
};

const outboxRow = (over: { toId?: string; requestId?: string; kind?: string } = {}) =>
  storedItem(
    db().outbox.put({
      key: 'req-peer-1#request',
      kind: over.kind ?? 'peer-feedback.request',
      toId: over.toId ?? 'emp-linus',
      requestId: over.requestId ?? 'req-peer-1',
      messageId: MESSAGE_ID,
      status: 'sent',
      createdAt: '2025-03-04T08:00:00.000Z',
    }),
  );

const employeeRow = (employeeId: string, email: string) =>
  storedItem(db().employee.put(employee(employeeId, { name: 'Linus', email, timeZone: 'Europe/Oslo' })));

const bounce = (bounceType = 'Permanent'): SesEvent => ({
  source: 'aws.ses',
  'detail-type': 'Email Bounced',
  time: '2025-03-04T08:00:05Z',
  detail: {
    eventType: 'Bounce',
    mail: { messageId: MESSAGE_ID, timestamp: '2025-03-04T08:00:00.000Z' },
    bounce: {
      bounceType,
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: REVIEWER_ADDRESS }],
      timestamp: '2025-03-04T08:00:04.000Z',
    },
  },
});

const complaint = (): SesEvent => ({
  source: 'aws.ses',
  'detail-type': 'Email Complaint Received',
  time: '2025-03-04T09:00:00Z',
  detail: {
    eventType: 'Complaint',
    mail: { messageId: MESSAGE_ID },
    complaint: {
      complainedRecipients: [{ emailAddress: REVIEWER_ADDRESS }],
      timestamp: '2025-03-04T09:00:00.000Z',
    },
  },
});

const invoke = (event: unknown) => handler(event as SesEvent, {} as Context);

/** The transaction items that wrote to the table, flattened. */
const transactItems = () =>
  ddb.commandCalls(TransactWriteCommand).flatMap((c) => c.args[0].input.TransactItems ?? []);

const given = (rows: { outbox?: Record<string, unknown>; request?: HumanRequest; email?: string }) => {
  ddb.on(QueryCommand).resolves({ Items: rows.outbox ? [rows.outbox] : [] });
  ddb
    .on(GetCommand)
    .callsFake(
      fakeTable(
        employeeRow('emp-linus', rows.email ?? REVIEWER_ADDRESS),
        ...(rows.request ? [storedItem(db().request.put(rows.request))] : []),
      ).get,
    );
};

describe('SES bounce and complaint events', () => {
  beforeEach(() => {
    stubTestEnv();
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-hr-note' });
  });

  afterEach(() => {
    ddb.reset();
    ses.reset();
    vi.unstubAllEnvs();
  });

  it('ignores a transient bounce: nothing is read, written or sent', async () => {
    // Act
    const result = await invoke(bounce('Transient'));

    // Assess
    expect(result).toEqual({ outcome: 'ignored-transient' });
    expect(ddb.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });

  it('a permanent bounce of a reviewer flags their address, marks the request bounced and tells HR once, by ids', async () => {
    // Prepare
    given({ outbox: outboxRow(), request });

    // Act
    const result = await invoke(bounce());

    // Assess
    expect(result).toEqual({ outcome: 'flagged-request' });
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query?.IndexName).toBe('gsi1');
    expect(Object.values(query?.ExpressionAttributeValues ?? {})).toContain(
      `$growcycle#messageid_${MESSAGE_ID}`,
    );
    const updates = transactItems().flatMap((i) => (i.Update ? [i.Update] : []));
    expect(updates[0]?.ExpressionAttributeValues).toMatchObject({
      ':emailProblem_u0': { type: 'bounce', at: '2025-03-04T08:00:04.000Z', messageId: MESSAGE_ID },
    });
    expect(updates[1]?.ExpressionAttributeValues).toMatchObject({ ':bounced_u0': true });
    expect(updates[1]?.ConditionExpression).toContain('#recipientId');
    const audits = transactItems().flatMap((i) => (i.Put ? [i.Put.Item] : []));
    expect(audits.map((a) => a?.action)).toEqual(['email.bounce', 'peer-feedback.bounced']);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: [TEST_ENV.HR_ADDRESS] },
    });
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect(sent?.Body?.Text?.Data).toContain('req-peer-1');
    expect(sent?.Body?.Text?.Data).toContain('emp-linus');
    expect(sent?.Body?.Text?.Data).toContain('/requests/req-peer-1/reassign');
    expect(sent?.Body?.Text?.Data).not.toContain(REVIEWER_ADDRESS);
    const claim = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(claim).toMatchObject({ key: 'req-peer-1#bounce', kind: 'peer-feedback.bounce', toId: 'hr' });
  });

  it('a complaint is treated as a permanent problem with the address', async () => {
    // Prepare
    given({ outbox: outboxRow(), request });

    // Act
    const result = await invoke(complaint());

    // Assess
    expect(result).toEqual({ outcome: 'flagged-request' });
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':emailProblem_u0': { type: 'complaint' },
    });
  });

  it('fails while the outbox row does not name the message yet, so EventBridge retries', async () => {
    // Prepare
    given({});

    // Act / Assess
    await expect(invoke(bounce())).rejects.toBeInstanceOf(OutboxRowNotFoundError);
    expect(ses.calls()).toHaveLength(0);
  });

  it('a bounced escalation flags the escalatee but leaves the request and HR alone', async () => {
    // Prepare: the mail went to emp-linus as an escalation about someone else's request.
    given({
      outbox: outboxRow({ kind: 'peer-feedback.escalation' }),
      request: { ...request, recipientId: 'emp-grace' },
    });

    // Act
    const result = await invoke(bounce());

    // Assess
    expect(result).toEqual({ outcome: 'flagged' });
    expect(transactItems().map((i) => i.Put?.Item?.action ?? 'update')).toEqual(['update', 'email.bounce']);
    expect(ses.calls()).toHaveLength(0);
  });

  it('a bounce for an answered request flags the address but tells HR nothing', async () => {
    // Prepare
    given({ outbox: outboxRow(), request: { ...request, status: 'submitted' } });

    // Act
    const result = await invoke(bounce());

    // Assess
    expect(result).toEqual({ outcome: 'request-settled' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('a request answered or passed on just before the bounce is marked by nobody', async () => {
    // Prepare: the conditional write finds the request no longer open with that reviewer.
    given({ outbox: outboxRow(), request });
    ddb.on(TransactWriteCommand).resolvesOnce({}).rejects(transactionCanceledByCondition());

    // Act
    const result = await invoke(bounce());

    // Assess
    expect(result).toEqual({ outcome: 'request-settled' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('does not flag an address HR has changed since the mail went out', async () => {
    // Prepare
    given({ outbox: outboxRow(), request, email: 'linus.new@example.com' });

    // Act
    await invoke(bounce());

    // Assess
    expect(transactItems().some((i) => i.Update?.ExpressionAttributeValues?.[':emailProblem_u0'])).toBe(
      false,
    );
  });

  it('says nothing about HR’s own address bouncing but does not fail either', async () => {
    // Prepare
    given({ outbox: outboxRow({ toId: 'hr', kind: 'cycle.report' }) });

    // Act / Assess
    expect(await invoke(bounce())).toEqual({ outcome: 'hr-address' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('rejects an event that is not an SES bounce or complaint, naming what is wrong', async () => {
    // Act / Assess
    await expect(invoke({ ...bounce(), detail: { eventType: 'Bounce', mail: {} } })).rejects.toThrow(
      /messageId/,
    );
    await expect(invoke({ ...bounce(), 'detail-type': 'Email Delivered' })).rejects.toThrow();
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('SES Send events', () => {
  const KEY = 'req-peer-1#request';
  const sent = (tags: Record<string, string[]>): SesEvent => ({
    source: 'aws.ses',
    'detail-type': 'Email Sent',
    time: '2025-03-04T08:00:01Z',
    detail: {
      eventType: 'Send',
      mail: { messageId: MESSAGE_ID, timestamp: '2025-03-04T08:00:00.500Z', tags },
    },
  });

  beforeEach(() => {
    stubTestEnv();
  });

  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('marks the outbox row its tag names sent, with the message id, only while it is still claimed', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    const result = await invoke(sent({ outbox: [Buffer.from(KEY).toString('base64url')] }));

    // Assess
    expect(result).toEqual({ outcome: 'marked-sent' });
    const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(JSON.stringify(update?.Key)).toContain(KEY);
    expect(Object.values(update?.ExpressionAttributeValues ?? {})).toEqual(
      expect.arrayContaining(['sent', 'sending', MESSAGE_ID, '2025-03-04T08:00:00.500Z']),
    );
    expect(update?.ConditionExpression).toMatch(/#status = :status/);
  });

  it('leaves a row its sender already marked as it is', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

    // Act / Assess
    expect(await invoke(sent({ outbox: [Buffer.from(KEY).toString('base64url')] }))).toEqual({
      outcome: 'already-sent',
    });
  });

  it('passes over mail without an outbox tag: not growcycle’s', async () => {
    expect(await invoke(sent({ 'ses:configuration-set': ['Mail'] }))).toEqual({ outcome: 'untagged' });
    expect(ddb.calls()).toHaveLength(0);
  });
});
