import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EmailInFlightError,
  EmailThrottledError,
  KIND_HEADER,
  OUTBOX_TAG,
  type OutgoingEmail,
  outboxKeyOfTag,
  sendOnce,
  sendSoon,
} from '../../domain/mail/send';
import { db } from '../../domain/platform/table';
import {
  conditionalCheckFailed,
  fakeTable,
  storedItem,
  stubTestEnv,
  TEST_ENV,
} from '../support/unit-doubles';

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
const outboxRow = (status: 'sending' | 'sent', createdAt: string, unsureAt?: string) =>
  storedItem(
    db().outbox.put({
      key: reminder.key,
      kind: reminder.kind,
      toId: reminder.toId,
      requestId: reminder.requestId,
      status,
      createdAt,
      ...(unsureAt ? { unsureAt } : {}),
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
    // Tagged with its outbox key, so SES's Send event can mark the row sent if this attempt cannot.
    const tag = sent?.args[0].input.EmailTags?.find((t) => t.Name === OUTBOX_TAG)?.Value ?? '';
    expect(tag).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(outboxKeyOfTag(tag)).toBe(reminder.key);
    // The last update marks the row sent (the first took a slot of the send rate).
    const marked = ddb.commandCalls(UpdateCommand).at(-1);
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
  it('throttled by the send rate: gives the claim back, never calls SES, and throws EmailThrottled', async () => {
    // Prepare: this second's quota is used up, so the counter's conditional update fails.
    ddb.on(UpdateCommand).rejects(conditionalCheckFailed());
    ddb.on(DeleteCommand).resolves({});

    // Act
    const attempt = sendOnce(reminder);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmailThrottledError);
    await expect(attempt).rejects.toMatchObject({ name: 'EmailThrottled' });
    expect(ses).not.toHaveReceivedAnyCommand();
    const [release] = ddb.commandCalls(DeleteCommand);
    expect(release?.args[0].input.ConditionExpression).toContain('#status');
    expect(release?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':createdAt0': NOW.toISOString(),
      ':status0': 'sending',
    });
  });

  it('throttled by SES itself: gives the claim back and throws EmailThrottled, so the retry sends it once', async () => {
    // Prepare
    ses
      .on(SendEmailCommand)
      .rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded', $metadata: {} }));
    ddb.on(DeleteCommand).resolves({});

    // Act / Assess
    await expect(sendOnce(reminder)).rejects.toBeInstanceOf(EmailThrottledError);
    expect(ddb).toHaveReceivedCommandTimes(DeleteCommand, 1);
    // Nothing was marked sent: the only update is the send-rate counter.
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('keeps the claim, marked unsure, when SES gives no answer, so a second attempt cannot send it twice', async () => {
    // Prepare: SES may or may not have accepted the email; only its Send event or a takeover settles it.
    ses.on(SendEmailCommand).rejects(new Error('socket hang up'));

    // Act / Assess
    await expect(sendOnce(reminder)).rejects.toThrow('socket hang up');
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    const marked = ddb.commandCalls(UpdateCommand).at(-1)?.args[0].input;
    expect(marked?.ExpressionAttributeValues).toMatchObject({ ':unsureAt_u0': NOW.toISOString() });
    expect(marked?.ConditionExpression).toContain('#status');
  });

  it('gives the claim back when SES refuses the email (a 4xx): nothing went out', async () => {
    // Prepare
    ses
      .on(SendEmailCommand)
      .rejects(
        new MessageRejected({ message: 'Email address is not verified', $metadata: { httpStatusCode: 400 } }),
      );
    ddb.on(DeleteCommand).resolves({});

    // Act / Assess
    await expect(sendOnce(reminder)).rejects.toBeInstanceOf(MessageRejected);
    expect(ddb).toHaveReceivedCommandTimes(DeleteCommand, 1);
  });

  it('keeps a claim whose send failed unsure a minute ago: its Send event may still come', async () => {
    // Prepare: claimed at 08:58:30, its send failed without an answer at 08:59.
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    ddb
      .on(GetCommand)
      .callsFake(fakeTable(outboxRow('sending', '2025-03-12T08:58:30.000Z', '2025-03-12T08:59:00.000Z')).get);

    // Act / Assess
    await expect(sendOnce(reminder)).rejects.toBeInstanceOf(EmailInFlightError);
    expect(ses).not.toHaveReceivedAnyCommand();
  });

  it('takes over a claim whose send failed unsure two minutes ago, before the five a live claim gets', async () => {
    // Prepare: claimed at 08:58:00, its send failed without an answer at once; no Send event came.
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    ddb
      .on(GetCommand)
      .callsFake(fakeTable(outboxRow('sending', '2025-03-12T08:58:00.000Z', '2025-03-12T08:58:00.000Z')).get);

    // Act / Assess
    expect(await sendOnce(reminder)).toEqual({ messageId: 'ses-message-1', duplicate: false });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });
});

describe('sending a notice soon', () => {
  const throttled = () => Promise.reject(new EmailThrottledError('held back'));

  it('waits out a moment of the send rate and sends', async () => {
    const send = vi
      .fn()
      .mockImplementationOnce(throttled)
      .mockImplementationOnce(throttled)
      .mockResolvedValue({});
    await sendSoon(send, { pauseMs: 0 });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('throws EmailThrottled once its attempts are spent: never a notice silently not sent', async () => {
    const send = vi.fn(throttled);
    await expect(sendSoon(send, { attempts: 4, pauseMs: 0 })).rejects.toBeInstanceOf(EmailThrottledError);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('passes any other error on at once', async () => {
    const send = vi.fn(() => Promise.reject(new EmailInFlightError('another attempt')));
    await expect(sendSoon(send, { pauseMs: 0 })).rejects.toBeInstanceOf(EmailInFlightError);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
