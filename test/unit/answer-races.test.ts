import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signedPath } from '../../domain/mail/links';
import {
  db,
  type HumanRequest,
  isConditionFailure,
  isTransactionConflict,
} from '../../domain/platform/table';
import { handleForm } from '../../functions/api/forms';
import { handler as humanStep } from '../../functions/steps/human-step';
import { adasSelfAssessment, employee, TEST_LINK_NONCE } from '../support/fixtures';
import { captureLogs } from '../support/logs';
import {
  fakeTable,
  httpEvent,
  storedItem,
  stubTestEnv,
  TEST_LINK_KEY,
  TEST_LINK_SECRET_VALUE,
  transactionCanceledByCondition,
  transactionCanceledByConflict,
} from '../support/unit-doubles';

/*
 * A form's answer against what AWS does and DynamoDB Local does not: a transaction cancelled by a
 * concurrent one (TransactionConflict), and Step Functions failing to resume the workflow once the
 * answer is stored.
 */

const NOW = new Date('2025-03-12T09:00:00Z');
const CLOSE_AT = new Date('2025-03-21T17:00:00Z');
const TASK_TOKEN = 'task-token-of-the-current-wait';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

const ada = employee('emp-ada', { name: 'Ada Lovelace', email: 'ada@example.com', managerId: 'emp-grace' });

const selfAssessment = adasSelfAssessment();

const ANSWER = { rating: '4', achievements: 'Shipped the engine notes.', growth: 'Public speaking.' };

const post = () => {
  const url = new URL(
    signedPath(
      TEST_LINK_KEY,
      'respond',
      { requestId: selfAssessment.requestId, nonce: TEST_LINK_NONCE },
      CLOSE_AT,
    ),
    'https://forms.example.com',
  );
  return httpEvent({
    method: 'POST',
    route: '/r/{requestId}',
    path: url.pathname,
    pathParameters: { requestId: selfAssessment.requestId },
    query: Object.fromEntries(url.searchParams),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(ANSWER).toString(),
  });
};

/** The table as the answer finds it: the request open, its wait parked on TASK_TOKEN. */
const tableWith = (request: HumanRequest) =>
  fakeTable(
    storedItem(db().request.put(request)),
    storedItem(db().waitToken.put({ waitId: `request#${request.requestId}`, taskToken: TASK_TOKEN })),
    storedItem(db().employee.put(ada)),
  );

const submitted = () => storedItem(db().request.put({ ...selfAssessment, status: 'submitted' }));

const expectNoOtherWrite = () => {
  expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  expect(ddb).not.toHaveReceivedCommand(PutCommand);
};

describe('telling a lost race from a failed condition', () => {
  it('reads a TransactionConflict as a conflict, not as a condition found false', () => {
    expect(isTransactionConflict(transactionCanceledByConflict())).toBe(true);
    expect(isConditionFailure(transactionCanceledByConflict())).toBe(false);
  });

  it('reads a cancellation with a failed condition as a condition failure, even beside a conflict', () => {
    const both = transactionCanceledByCondition();
    both.CancellationReasons = [{ Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }];
    expect(isConditionFailure(both)).toBe(true);
    expect(isTransactionConflict(both)).toBe(false);
  });

  it('reads a single write refused by a transaction in progress as a conflict', () => {
    const single = Object.assign(new Error('Transaction is ongoing for the item'), {
      name: 'TransactionConflictException',
    });
    expect(isTransactionConflict(single)).toBe(true);
  });
});

describe('an answer racing another change', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  beforeEach(() => {
    stubTestEnv();
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
    sfn.on(SendTaskSuccessCommand).resolves({});
  });
  afterEach(() => {
    ddb.reset();
    secrets.reset();
    sfn.reset();
    vi.unstubAllEnvs();
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('answers 409 "already submitted" to the loser of two concurrent answers, writing and resuming nothing more', async () => {
    // Prepare: the other answer's transaction holds the request, and has committed by the re-read.
    const table = tableWith(selfAssessment);
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).callsFake(() => {
      table.put(submitted());
      throw transactionCanceledByConflict();
    });

    // Act
    const result = await handleForm(post());

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('Already submitted');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expectNoOtherWrite();
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('retries once an answer that conflicted on another item while its request stayed open, and stores it', async () => {
    // Prepare: the first attempt meets another transaction (the cycle's counter, say); the second goes in.
    const table = tableWith(selfAssessment);
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).rejectsOnce(transactionCanceledByConflict()).resolves({});

    // Act
    const result = await handleForm(post());

    // Assess: the same transaction, sent twice, and the workflow resumed once.
    expect(result.statusCode).toBe(200);
    const [first, second] = ddb.commandCalls(TransactWriteCommand);
    expect(second?.args[0].input).toEqual(first?.args[0].input);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('answers 409 asking to send again when the answer conflicts twice, having stored nothing', async () => {
    // Prepare: the request stays open, and every attempt meets another transaction.
    const table = tableWith(selfAssessment);
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).rejects(transactionCanceledByConflict());

    // Act
    const result = await handleForm(post());

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('Not saved: please send it again');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expectNoOtherWrite();
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});

describe('an answer stored before resuming the workflow failed', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  beforeEach(() => {
    stubTestEnv();
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
  });
  afterEach(() => {
    ddb.reset();
    secrets.reset();
    sfn.reset();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it.each([
    ['throttled', 'ThrottlingException'],
    ['failing', 'ServiceUnavailable'],
  ])('answers 200 when Step Functions is %s, and logs the failure by ids only', async (_how, errorName) => {
    // Prepare: the answer's transaction goes in; SendTaskSuccess then fails after the SDK's retries.
    const logs = captureLogs();
    const table = tableWith(selfAssessment);
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).callsFake(() => table.put(submitted()));
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error(`${errorName}: rate exceeded for Ada Lovelace`), { name: errorName }));

    // Act
    const result = await handleForm(post()).finally(logs.stop);

    // Assess: kept and said so; the log names the request and the error, nothing of the person.
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('received');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const errors = logs.lines().filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      requestId: selfAssessment.requestId,
      error: errorName,
    });
    expect(logs.text()).not.toMatch(/Ada|Lovelace|engine notes|rate exceeded/);
  });

  it('lets the workflow go on at the wait’s next wake-up, which finds the request answered', async () => {
    // Prepare: the answer is stored, and its resume was lost.
    const table = tableWith({ ...selfAssessment, status: 'submitted' });
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(PutCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const context = {} as Context;

    // Act: the wait times out at the next reminder; the check runs, then the wait parks again.
    const woken = await humanStep({ action: 'wake', requestId: selfAssessment.requestId }, context);
    await humanStep(
      { action: 'arm', requestId: selfAssessment.requestId, taskToken: 'token-after-wake' },
      context,
    );

    // Assess: the check sends no reminder and the new wait completes at once with the answer.
    expect(woken).toMatchObject({ outcome: 'submitted' });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-after-wake',
      output: JSON.stringify({ requestId: selfAssessment.requestId, outcome: 'submitted' }),
    });
  });
});
