import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAKE_ERROR } from '../../domain/platform/executions';
import { db } from '../../domain/platform/table';
import { resumeWait, wakeWait } from '../../domain/platform/wait-tokens';
import { handler } from '../../functions/steps/resume';
import { storedItem, stubTestEnv, tableBehind } from '../support/unit-doubles';

/*
 * The resume function: the only one that answers task tokens read from the table. A caller names a
 * wait, never a token, so it cannot have any other task answered.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const TOKEN = 'token-of-the-wait';
const invoke = (event: unknown) => handler(event as never, {} as Context);

describe('the resume function', () => {
  beforeEach(() => {
    stubTestEnv();
    tableBehind(ddb, storedItem(db().waitToken.put({ waitId: 'request#r1', taskToken: TOKEN })));
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });
  afterEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('completes the wait with the token the table keeps for it, and the output it is given', async () => {
    await expect(invoke({ waitId: 'request#r1', output: { outcome: 'submitted' } })).resolves.toEqual({
      resumed: true,
    });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ outcome: 'submitted' }),
    });
  });

  it('wakes the wait when asked to, with the reason', async () => {
    await invoke({ waitId: 'request#r1', wake: 'results released' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: TOKEN,
      error: WAKE_ERROR,
      cause: 'results released',
    });
  });

  it('answers nothing for a wait no workflow parked on, or whose token has timed out', async () => {
    await expect(invoke({ waitId: 'request#unknown', output: {} })).resolves.toEqual({ resumed: false });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(invoke({ waitId: 'request#r1', output: {} })).resolves.toEqual({ resumed: false });
  });

  it('refuses a token, or anything but a wait and what to do with it', async () => {
    await expect(invoke({ waitId: 'request#r1', taskToken: 'any-token', output: {} })).rejects.toThrow();
    await expect(invoke({ waitId: '', output: {} })).rejects.toThrow();
    await expect(invoke({ waitId: 'request#r1', wake: '', output: {} })).rejects.toThrow();
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});

describe('resumeWait and wakeWait, as the other functions call it', () => {
  beforeEach(() => {
    stubTestEnv();
    tableBehind(ddb, storedItem(db().waitToken.put({ waitId: 'request#r1', taskToken: TOKEN })));
  });
  afterEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('say whether the wait was answered', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    await expect(resumeWait('request#r1', { done: true })).resolves.toBe(true);
    await expect(wakeWait('request#none', 'why')).resolves.toBe(false);
  });

  it('throw the resume function’s error under its own name, so a throttle is seen as one', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(resumeWait('request#r1', {})).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
