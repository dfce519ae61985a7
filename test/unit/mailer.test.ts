import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '../../domain/db';
import { EmailInFlightError, KIND_HEADER, type OutgoingEmail, sendOnce } from '../../domain/mailer';
import { conditionalCheckFailed, fakeTable, storedItem, stubTestEnv, TEST_ENV } from './helpers';

const NOW = new Date('2025-03-12T09:00:00Z');

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const reminder: OutgoingEmail = {
  key: 'req-self-ada#reminder#0',
  kind: 'self-assessment.reminder',
  toId: 'emp-ada',
  toAddress: 'ada@example.com',
  requestId: 'req-self-ada',
  email: { subject: 'Reminder: Your self-assessment', html: '<p>Hello Ada</p>', text: 'Hello Ada' },
};

/** The outbox row a previous attempt left behind. */
const outboxRow = (status: 'sending' | 'sent', createdAt: string) =>
  storedItem(
    db().outbox.put({
      key: reminder.key,
      kind: reminder.kind,
      toId: reminder.toId,
      requestId: reminder.requestId,
      status,
      createdAt,
      ...(status === 'sent' ? { messageId: 'ses-message-earlier', sentAt: createdAt } : {}),
    }),
  );

describe('sendOnce', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });

  beforeEach(() => {
    stubTestEnv();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
    ddb.on(UpdateCommand).resolves({});
  });

  afterEach(() => {
    ddb.reset();
    ses.reset();
    vi.unstubAllEnvs();
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('claims the outbox row first, then sends through SES once and marks the row sent', async () => {
    // Prepare: record the order in which the two services are called.
    const calls: string[] = [];
    ddb.on(PutCommand).callsFake(() => {
      calls.push('claim');
      return {};
    });
    ses.on(SendEmailCommand).callsFake(() => {
      calls.push('send');
      return { MessageId: 'ses-message-1' };
    });

    // Act
    const result = await sendOnce(reminder);

    // Assess
    expect(result).toEqual({ messageId: 'ses-message-1', duplicate: false });
    expect(calls).toEqual(['claim', 'send']);
    const [claim] = ddb.commandCalls(PutCommand);
    expect(claim?.args[0].input.Item).toMatchObject({ status: 'sending', createdAt: NOW.toISOString() });
    expect(claim?.args[0].input.ConditionExpression).toContain('attribute_not_exists');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: TEST_ENV.SENDER_ADDRESS,
      Destination: { ToAddresses: ['ada@example.com'] },
    });
    const [sent] = ses.commandCalls(SendEmailCommand);
    expect(sent?.args[0].input.Content?.Simple?.Headers).toEqual([
      { Name: KIND_HEADER, Value: 'self-assessment.reminder' },
    ]);
    const [marked] = ddb.commandCalls(UpdateCommand);
    expect(marked?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status_u0': 'sent',
      ':messageId_u0': 'ses-message-1',
    });
  });

  it('does not call SES again for an email already sent, and reports it as a duplicate', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    ddb.on(GetCommand).callsFake(fakeTable(outboxRow('sent', '2025-03-12T08:00:00.000Z')).get);

    // Act
    const result = await sendOnce(reminder);

    // Assess
    expect(result).toEqual({ messageId: 'ses-message-earlier', duplicate: true });
    expect(ses).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('throws EmailInFlight without calling SES while another attempt holds a fresh claim', async () => {
    // Prepare: claimed a minute ago and not yet marked sent.
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    ddb.on(GetCommand).callsFake(fakeTable(outboxRow('sending', '2025-03-12T08:59:00.000Z')).get);

    // Act
    const attempt = sendOnce(reminder);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmailInFlightError);
    await expect(attempt).rejects.toMatchObject({ name: 'EmailInFlight' });
    expect(ses).not.toHaveReceivedAnyCommand();
  });

  it('takes over a claim older than five minutes and sends the email once', async () => {
    // Prepare: the attempt that claimed it died before SES answered.
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    ddb.on(GetCommand).callsFake(fakeTable(outboxRow('sending', '2025-03-12T08:50:00.000Z')).get);

    // Act
    const result = await sendOnce(reminder);

    // Assess
    expect(result).toEqual({ messageId: 'ses-message-1', duplicate: false });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    const [takeOver] = ddb.commandCalls(UpdateCommand);
    expect(takeOver?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':createdAt_u0': NOW.toISOString(),
    });
    expect(takeOver?.args[0].input.ConditionExpression).toContain('#status');
  });

  it('passes on a DynamoDB failure that is not a lost condition, without calling SES', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    // Act / Assess
    await expect(sendOnce(reminder)).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(ses).not.toHaveReceivedAnyCommand();
  });
});
