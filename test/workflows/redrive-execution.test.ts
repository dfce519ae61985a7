import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsEndpoint } from '../../local/aws-endpoint';
import { LocalSecret } from '../../local/secrets';
import { LocalStepFunctions } from '../../local/step-functions';
import { localFunctionArn, localStateMachineArn } from '../../local/template';
import { startTestStack, type TestStack } from '../support/local-stack';

/*
 * RedriveExecution through the local Step Functions endpoint with the AWS SDK, as an operator's
 * `aws stepfunctions redrive-execution` reaches it: a small definition whose second step fails until
 * its fault is cleared, run on the stack's own functions, and a template workflow stopped by hand.
 */

const START = new Date('2027-06-07T08:00:00Z');
const PROBE_ARN = localStateMachineArn('RedriveProbe');

let stack: TestStack;
let probe: Server;
let probeClient: SFNClient;
let client: SFNClient;
/** The daily trigger check: with nobody in the table it reads and changes nothing, so it can run any time. */
let readOnlyStep = '';

const sdk = (endpoint: string) =>
  new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

/** How many times the read-only step's handler ran (an injected fault fails it before it runs). */
const ran = () => stack.lambda.stats.byFunction[readOnlyStep] ?? 0;

beforeAll(async () => {
  stack = await startTestStack(START);
  readOnlyStep = stack.lambda.functionFor('functions/steps/start-triggered-reviews.ts').logicalId;
  const step = (name: string, next?: string) => ({
    Type: 'Task',
    Resource: localFunctionArn(readOnlyStep),
    Parameters: { step: name },
    ResultPath: `$.${name}`,
    TimeoutSeconds: 60,
    ...(next ? { Next: next } : { End: true }),
  });
  const sfn = new LocalStepFunctions({
    stateMachines: [
      {
        logicalId: 'RedriveProbe',
        arn: PROBE_ARN,
        definition: {
          StartAt: 'First step',
          States: { 'First step': step('first', 'Second step'), 'Second step': step('second') },
        },
      },
    ],
    lambda: stack.lambda,
    activity: stack.activity,
  });
  probe = createAwsEndpoint({ sfn, activity: stack.activity, secret: new LocalSecret('unused') });
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  probeClient = sdk(`http://127.0.0.1:${(probe.address() as AddressInfo).port}`);
  client = sdk(stack.urls.sfn);
}, 120_000);

afterAll(async () => {
  probeClient?.destroy();
  client?.destroy();
  probe?.close();
  await stack?.dispose();
});

describe('RedriveExecution on the local endpoint', () => {
  it('the failed step runs again once its fault is cleared, the step before it does not, and a succeeded execution is not redriven', async () => {
    stack.lambda.injectFault(readOnlyStep, {
      error: 'DependencyDown',
      count: 100,
      when: (event) => (event as { step?: string }).step === 'second',
    });
    const { executionArn } = await probeClient.send(
      new StartExecutionCommand({ stateMachineArn: PROBE_ARN, name: 'probe', input: '{"cycle":"c1"}' }),
    );
    await stack.settle();
    expect(await probeClient.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'FAILED',
      error: 'DependencyDown',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
    expect(ran()).toBe(1);

    stack.lambda.clearFaults(readOnlyStep);
    const { redriveDate } = await probeClient.send(new RedriveExecutionCommand({ executionArn }));
    await stack.settle();

    expect(redriveDate).toBeInstanceOf(Date);
    const described = await probeClient.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveDate,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({ cycle: 'c1' });
    // The first step ran once, in the first attempt; the redrive ran the second step alone.
    expect(ran()).toBe(2);
    const { events = [] } = await probeClient.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events.map((e) => e.type);
    const redriven = types.indexOf('ExecutionRedriven');
    expect(types.slice(0, redriven)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
    expect(types.slice(redriven)).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[redriven]).toMatchObject({ executionRedrivenEventDetails: { redriveCount: 1 } });
    expect(events[redriven + 1]?.stateEnteredEventDetails?.name).toBe('Second step');

    await expect(probeClient.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(ran()).toBe(2);
  });

  it('a template workflow stopped by hand goes on from where it was stopped, and ListExecutions filters on redrives', async () => {
    const stateMachineArn = stack.stateMachineArn('AppraisalCycle');
    const input = JSON.stringify({ cycleId: 'redrive-probe', startAt: '2099-01-01T00:00:00Z' });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'redrive-probe', input }),
    );
    await stack.settle();
    await client.send(new StopExecutionCommand({ executionArn, error: 'Probe', cause: 'Stopped by hand' }));
    await stack.settle();

    await client.send(new RedriveExecutionCommand({ executionArn }));
    await stack.settle();

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
    });
    expect(described.stopDate).toBeUndefined();
    expect(described.error).toBeUndefined();
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'ExecutionAborted',
      'ExecutionRedriven',
      'WaitStateEntered',
    ]);
    const listed = async (redriveFilter: 'REDRIVEN' | 'NOT_REDRIVEN') =>
      (await client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter }))).executions ?? [];
    expect((await listed('REDRIVEN')).map((e) => [e.executionArn, e.redriveCount])).toEqual([
      [executionArn, 1],
    ]);
    expect((await listed('NOT_REDRIVEN')).map((e) => e.executionArn)).not.toContain(executionArn);

    await expect(
      client.send(new RedriveExecutionCommand({ executionArn: `${executionArn}-gone` })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await client.send(new StopExecutionCommand({ executionArn }));
  });
});
