import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takeSendSlot } from '../../domain/mail/send-rate';
import { config } from '../../domain/platform/config';
import { conditionalCheckFailed, stubTestEnv } from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);
const AT = new Date('2027-01-04T09:00:00.750Z');
const SECOND = Math.floor(AT.getTime() / 1000);

describe('takeSendSlot', () => {
  beforeEach(() => {
    stubTestEnv();
  });

  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('allows the send when the counter of the current second is below the rate, counting it', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    const allowed = await takeSendSlot(AT, 14);

    // Assess
    expect(allowed).toBe(true);
    const [call] = ddb.commandCalls(UpdateCommand);
    const input = call?.args[0].input;
    expect(input?.UpdateExpression).toMatch(/ADD #sent :sent_u0/);
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':sent_u0': 1, ':sent0': 14 });
    expect(input?.ConditionExpression).toBe('(attribute_not_exists(#sent) OR #sent < :sent0)');
    expect(JSON.stringify(input?.Key)).toContain(String(SECOND));
  });

  it('refuses the send when the second is full (the conditional update fails)', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

    // Act / Assess
    await expect(takeSendSlot(AT, 14)).resolves.toBe(false);
  });

  it('counts every instant of one second on the same counter, and the next second on a fresh one', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    await takeSendSlot(new Date('2027-01-04T09:00:00.000Z'), 14);
    await takeSendSlot(new Date('2027-01-04T09:00:00.999Z'), 14);
    await takeSendSlot(new Date('2027-01-04T09:00:01.000Z'), 14);

    // Assess
    const keys = ddb.commandCalls(UpdateCommand).map((c) => JSON.stringify(c.args[0].input.Key));
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('lets counters expire a day after their second', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    await takeSendSlot(AT, 14);

    // Assess
    const [call] = ddb.commandCalls(UpdateCommand);
    expect(call?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':expiresAt_u0': SECOND + 86_400 });
  });

  it('passes on a DynamoDB failure that is not a full second', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    // Act / Assess
    await expect(takeSendSlot(AT, 14)).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('the configured send rate', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is 14 emails a second, SES default quota, when EMAIL_SEND_RATE is not set', () => {
    vi.stubEnv('EMAIL_SEND_RATE', '');
    expect(config.emailSendRate).toBe(14);
  });

  it('follows EMAIL_SEND_RATE', () => {
    vi.stubEnv('EMAIL_SEND_RATE', '50');
    expect(config.emailSendRate).toBe(50);
  });

  it.each(['0', '-3', '2.5', 'fast'])('refuses EMAIL_SEND_RATE=%s, naming the variable', (value) => {
    vi.stubEnv('EMAIL_SEND_RATE', value);
    expect(() => config.emailSendRate).toThrow(/EMAIL_SEND_RATE/);
  });

  it('uses the configured rate when none is given', async () => {
    // Prepare
    stubTestEnv();
    vi.stubEnv('EMAIL_SEND_RATE', '3');
    ddb.on(UpdateCommand).resolves({});

    // Act
    await takeSendSlot(AT);

    // Assess
    const [call] = ddb.commandCalls(UpdateCommand);
    expect(call?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':sent0': 3 });
    ddb.reset();
  });
});
