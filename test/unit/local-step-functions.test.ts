import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { redrivableOf } from '../../cli/redrive';
import { Activity } from '../../local/activity';
import { LocalQueue } from '../../local/queue';
import { LocalScheduler } from '../../local/scheduler';
import { type Execution, LocalStepFunctions, SfnError, TOKEN_PLACEHOLDER } from '../../local/step-functions';
import { guardLongTimeouts, MAX_TIMER_MS, setLongTimeout } from '../../local/timers';

/*
 * The local Step Functions' engine adaptations and its remaining differences from AWS, on small
 * definitions of their own with a Lambda double, on vitest's fake timers: no real waiting, no network.
 */

const NOW = new Date('2027-01-01T12:00:00Z');
const DAY = 86_400_000;
const KB = 1024;
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const INVOKE = 'arn:aws:states:::lambda:invoke';
const machineArn = (id: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;
const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** A Task calling the function `name` with the state input, without retries. */
const invoke = (name: string, next?: string) => ({
  Type: 'Task',
  Resource: INVOKE,
  Parameters: { FunctionName: fn(name), 'Payload.$': '$' },
  ResultPath: `$.${name}`,
  TimeoutSeconds: 60,
  ...(next ? { Next: next } : { End: true }),
});

/** A callback task handing its token to the function `wait`. */
const callback = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: CALLBACK,
  Parameters: { FunctionName: fn('wait'), Payload: { 'token.$': '$$.Task.Token' } },
  TimeoutSeconds: 3600,
  End: true,
  ...extra,
});

const DEFINITIONS: Record<string, Definition> = {
  Callback: { StartAt: 'Ask', States: { Ask: callback() } },
  LongCallback: { StartAt: 'Ask', States: { Ask: callback({ TimeoutSeconds: 60 * 86_400 }) } },
  Retried: {
    StartAt: 'Send',
    States: {
      Send: {
        Type: 'Task',
        Resource: INVOKE,
        Parameters: { FunctionName: fn('flaky'), 'Payload.$': '$' },
        ResultPath: '$.sent',
        TimeoutSeconds: 60,
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 3 }],
        End: true,
      },
    },
  },
  Caught: {
    StartAt: 'Send',
    States: {
      Send: {
        Type: 'Task',
        Resource: INVOKE,
        Parameters: { FunctionName: fn('broken'), 'Payload.$': '$' },
        TimeoutSeconds: 60,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
        End: true,
      },
      Recover: { Type: 'Pass', End: true },
    },
  },
  RetriedCallback: {
    StartAt: 'Ask',
    States: {
      Ask: callback({ Retry: [{ ErrorEquals: ['Declined'], IntervalSeconds: 1, MaxAttempts: 1 }] }),
    },
  },
  WokenCallback: {
    StartAt: 'Ask',
    States: {
      Ask: {
        ...(({ End: _end, ...rest }) => rest)(callback()),
        Next: 'Done',
        Retry: [
          { ErrorEquals: ['Wake'], MaxAttempts: 0 },
          { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 1 },
        ],
        Catch: [{ ErrorEquals: ['Wake'], Next: 'Check' }],
      },
      Check: { Type: 'Pass', End: true },
      Done: { Type: 'Pass', End: true },
    },
  },
  NoTimeout: {
    StartAt: 'Ask',
    States: { Ask: { ...callback(), TimeoutSeconds: undefined } },
  },
  OtherService: {
    StartAt: 'Queue',
    States: {
      Queue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'q', MessageBody: 'm' },
        TimeoutSeconds: 60,
        End: true,
      },
    },
  },
  Large: { StartAt: 'Fetch', States: { Fetch: invoke('large') } },
  Steps: {
    StartAt: 'First',
    States: { First: invoke('first', 'Second'), Second: invoke('flaky') },
  },
  /** As the workflows end a failure (workflows/state-machine.ts): caught, recorded, then a Fail state. */
  Recorded: {
    StartAt: 'Send',
    States: {
      Send: { ...invoke('broken', 'Done'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Record' }] },
      Done: { Type: 'Pass', End: true },
      Record: invoke('record', 'Failed'),
      Failed: { Type: 'Fail', Error: 'StepFailed', Cause: 'A step failed after its retries' },
    },
  },
  EachFunction: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.functions',
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: INVOKE,
              Parameters: { 'FunctionName.$': '$', Payload: {} },
              TimeoutSeconds: 60,
              End: true,
            },
          },
        },
        End: true,
      },
    },
  },
  BothBranches: {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'One', States: { One: invoke('one') } },
          { StartAt: 'Flaky', States: { Flaky: invoke('flaky') } },
        ],
        End: true,
      },
    },
  },
  InlineMap: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Step',
          States: { Step: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  },
};

/** A one-time schedule named `later` that starts an execution of that name `ms` from now. */
const scheduleLater = (scheduler: LocalScheduler, ms: number) =>
  scheduler.create('later', {
    ScheduleExpression: `at(${new Date(Date.now() + ms).toISOString().slice(0, 19)})`,
    Target: {
      Arn: 'arn:aws:scheduler:::aws-sdk:sfn:startExecution',
      RoleArn: 'arn:aws:iam::000000000000:role/local',
      Input: JSON.stringify({ StateMachineArn: machineArn('Callback'), Name: 'later' }),
    },
  });

let calls: Array<{ fn: string; payload: unknown }> = [];
let failures: Record<string, number> = {};
const lambda = {
  invokeTask: async (name: string, payload: unknown): Promise<unknown> => {
    calls.push({ fn: name, payload });
    if (name === 'broken') throw Object.assign(new Error('Broken for good'), { name: 'Broken' });
    if (name === 'large') return { data: 'x'.repeat(300 * KB) };
    if ((failures[name] ?? 0) > 0) {
      failures[name] = (failures[name] ?? 0) - 1;
      throw Object.assign(new Error('Simulated'), { name: 'Lambda.ServiceException' });
    }
    return { ok: true };
  },
};

let sfn: LocalStepFunctions;

const build = (definitions: Record<string, Definition>) =>
  new LocalStepFunctions({
    stateMachines: Object.entries(definitions).map(([id, definition]) => ({
      logicalId: id,
      arn: machineArn(id),
      definition,
    })),
    lambda,
    activity: new Activity(),
  });

const flush = async () => {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
};

const start = async (id: string, input: unknown = {}): Promise<Execution> => {
  const execution = sfn.startExecution(machineArn(id), undefined, JSON.stringify(input));
  await flush();
  return execution;
};

/** The token each call of the function `wait` received, in order. */
const tokens = () => calls.filter((c) => c.fn === 'wait').map((c) => (c.payload as { token: string }).token);

const codeOf = (act: () => void): string => {
  try {
    act();
  } catch (error) {
    if (error instanceof SfnError) return error.code;
    throw error;
  }
  return 'no error';
};

/** How many times each function was called. */
const callCounts = () => {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.fn] = (counts[c.fn] ?? 0) + 1;
  return counts;
};

/** The history after the latest ExecutionRedriven, by event type. */
const sinceRedrive = (execution: Execution) =>
  execution.history
    .slice(execution.history.findLastIndex((h) => h.type === 'ExecutionRedriven'))
    .map((h) => h.type);

/** What a redrive is refused with, as an SfnError's code and message. */
const refusalOf = async (act: Promise<unknown>) =>
  act.then(
    () => 'redriven',
    (error: unknown) => (error instanceof SfnError ? `${error.code}: ${error.message}` : String(error)),
  );

// Validating a definition costs hundreds of milliseconds: one set for the whole file, given time
// on a loaded machine.
beforeAll(() => {
  sfn = build(DEFINITIONS);
}, 60_000);

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  calls = [];
  failures = {};
});

afterEach(() => {
  vi.useRealTimers();
});

describe('long waits in real time', () => {
  it('a 60-day timer is a chain of timers of at most 2^31 - 1 ms that fires once, at its time', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const fired = vi.fn();
    setLongTimeout(fired, Date.now() + 60 * DAY);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[1]).toBe(MAX_TIMER_MS);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(60 * DAY - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(spy.mock.calls.every(([, ms]) => Number(ms) <= MAX_TIMER_MS)).toBe(true);
    spy.mockRestore();
  });

  it('a cancelled long timer never fires', async () => {
    const fired = vi.fn();
    setLongTimeout(fired, Date.now() + 30 * DAY).cancel();
    await vi.advanceTimersByTimeAsync(31 * DAY);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with the guard the real-time stack installs, the engine’s 60-day task timeout fires once, at 60 days', async () => {
    const unguard = guardLongTimeouts();
    try {
      const execution = await start('LongCallback');
      const [token] = tokens();
      await vi.advanceTimersByTimeAsync(59 * DAY);
      expect(execution.status).toBe('RUNNING');
      expect(calls).toHaveLength(1);
      sfn.sendTaskHeartbeat(token as string);
      await vi.advanceTimersByTimeAsync(DAY);
      await flush();
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('States.Timeout');
      expect(calls).toHaveLength(1);
      expect(codeOf(() => sfn.sendTaskSuccess(token as string, '{}'))).toBe('TaskTimedOut');
    } finally {
      unguard();
    }
  });

  it('a one-time schedule whose start fails puts it in the dead-letter queue it names, for the redrive', async () => {
    const refusing = {
      startExecution: () => {
        throw new SfnError('StateMachineDoesNotExist', 'State machine does not exist');
      },
    } as unknown as LocalStepFunctions;
    const queue = new LocalQueue();
    const scheduler = new LocalScheduler(refusing, new Activity(), undefined, [], undefined, queue);
    const input = JSON.stringify({ StateMachineArn: machineArn('Callback'), Name: 'later', Input: '{}' });
    const at = `at(${new Date(Date.now() + DAY).toISOString().slice(0, 19)})`;
    const target = {
      Arn: 'arn:aws:scheduler:::aws-sdk:sfn:startExecution',
      RoleArn: 'arn:aws:iam::0:role/r',
    };
    scheduler.create('kept', {
      ScheduleExpression: at,
      Target: { ...target, Input: input, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:0:dlq' } },
    });
    // Without a DeadLetterConfig, as on AWS, a failed start is not kept.
    scheduler.create('dropped', { ScheduleExpression: at, Target: { ...target, Input: input } });
    await vi.advanceTimersByTimeAsync(DAY);
    const messages = queue.receive(10);
    expect(messages).toHaveLength(1);
    expect(redrivableOf(messages[0] ?? {})).toEqual({
      start: JSON.parse(input),
      error: 'StateMachineDoesNotExist',
    });
  });

  it('a one-time schedule 60 days ahead starts its execution once, at its time', async () => {
    const started: string[] = [];
    const double = {
      startExecution: (_arn: string, name: string | undefined) => started.push(name ?? ''),
    } as unknown as LocalStepFunctions;
    scheduleLater(new LocalScheduler(double, new Activity()), 60 * DAY);
    await vi.advanceTimersByTimeAsync(60 * DAY - 1000);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toEqual(['later']);
    await vi.advanceTimersByTimeAsync(60 * DAY);
    expect(started).toEqual(['later']);
  });
});

describe('history in AWS’s event types', () => {
  it('a retry is the failure and the task scheduled and started again, never a second entry', async () => {
    failures.flaky = 2;
    const execution = await start('Retried');
    await vi.advanceTimersByTimeAsync(10_000);
    await flush();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.map((h) => h.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(execution.history[4]).toMatchObject({
      stateName: 'Send',
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'Lambda.ServiceException',
      },
    });
    // AWS's TaskSucceeded holds the integration's raw result; the engine tells only the state's output.
    expect(JSON.parse(execution.history[10]?.taskSucceededEventDetails?.output ?? '{}')).toHaveProperty(
      'sent',
    );
    expect(execution.history.map((h) => h.id)).toEqual(execution.history.map((_, i) => i + 1));
    expect(execution.awsHistoryEvents).toBe(execution.history.length);
    expect(execution.transitions).toBe(3);
  });

  it('a caught error is the failure and the state exited, then the catcher’s next state entered', async () => {
    const execution = await start('Caught');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.map((h) => h.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(execution.history[4]?.taskFailedEventDetails).toMatchObject({
      error: 'Broken',
      cause: 'Broken for good',
    });
    // No TaskSucceeded, but the exit carries the state's output as the Catch makes it: the error.
    expect(JSON.parse(execution.history[5]?.stateExitedEventDetails?.output ?? 'null')).toEqual({
      Error: 'Broken',
      Cause: 'Broken for good',
    });
    expect(execution.awsHistoryEvents).toBe(execution.history.length);
  });

  it('previousEventId is the event before, even across a Parallel’s branches, where AWS points at the state’s own earlier event', async () => {
    const execution = await start('BothBranches');
    expect(execution.status).toBe('SUCCEEDED');
    const history = execution.history;
    expect(history.map((h) => h.previousEventId)).toEqual(history.map((h) => h.id - 1));
    // The branches interleave: each event's predecessor here is often the other branch's.
    const at = (type: string, stateName: string) =>
      history.find((h) => h.type === type && h.stateName === stateName) as Execution['history'][number];
    const predecessorOf = (type: string, stateName: string) =>
      history[at(type, stateName).previousEventId - 1] as Execution['history'][number];
    // AWS: the Parallel's ParallelStateStarted.
    expect(predecessorOf('TaskStateEntered', 'Flaky')).toMatchObject({
      type: 'TaskStarted',
      stateName: 'One',
    });
    // AWS: the task's own TaskStarted.
    expect(predecessorOf('TaskSucceeded', 'One')).toMatchObject({ type: 'TaskStarted', stateName: 'Flaky' });
  });

  it('a callback task: its token in TaskScheduled, TaskSubmitted once the Lambda returns, TaskSucceeded on SendTaskSuccess', async () => {
    const execution = await start('Callback');
    const [token] = tokens();
    sfn.sendTaskSuccess(token as string, '{"answer":1}');
    await flush();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.map((h) => h.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = execution.history[2]?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resource: 'invoke.waitForTaskToken', timeoutInSeconds: 3600 });
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toEqual({
      FunctionName: fn('wait'),
      Payload: { token },
    });
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ answer: 1 });
    expect(execution.awsHistoryEvents).toBe(execution.history.length);
  });

  it('a callback task that times out records TaskTimedOut with States.Timeout', async () => {
    const execution = await start('Callback');
    await vi.advanceTimersByTimeAsync(3600_000);
    await flush();
    expect(execution.status).toBe('FAILED');
    expect(execution.history.slice(-2)).toMatchObject([
      { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout' } },
      { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Timeout' } },
    ]);
  });

  it('an inline Map records its iterations in the parent’s history', async () => {
    const execution = await start('InlineMap', { items: [1, 2] });
    expect(execution.status).toBe('SUCCEEDED');
    const types = execution.history.map((h) => h.type);
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted']);
    // AWS gives the number of items in MapStateStarted; the engine does not tell it.
    expect(execution.history[2]).not.toHaveProperty('mapStateStartedEventDetails');
    expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(2);
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(2);
    expect(types.slice(-3)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
    expect(execution.history.find((h) => h.type === 'MapIterationSucceeded')).toMatchObject({
      mapIterationSucceededEventDetails: { name: 'Each' },
    });
  });
});

describe('task tokens as AWS answers them', () => {
  it('each callback attempt gets a token of its own: a retry’s new token resolves it, the first answers TaskTimedOut', async () => {
    const execution = await start('RetriedCallback');
    const [first] = tokens();
    sfn.sendTaskFailure(first as string, 'Declined', 'not now');
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    const [, second] = tokens();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(second).not.toBe(TOKEN_PLACEHOLDER);
    expect(codeOf(() => sfn.sendTaskSuccess(first as string, '{}'))).toBe('TaskTimedOut');
    sfn.sendTaskSuccess(second as string, '{}');
    await flush();
    expect(execution.status).toBe('SUCCEEDED');
    expect(codeOf(() => sfn.sendTaskSuccess(second as string, '{}'))).toBe('TaskTimedOut');
  });

  it('a retrier of MaxAttempts 0 ahead of States.TaskFailed lets that error reach the catcher; any other is retried', async () => {
    const woken = await start('WokenCallback');
    sfn.sendTaskFailure(tokens()[0] as string, 'Wake', 'look again');
    await flush();
    expect(woken.status).toBe('SUCCEEDED');
    expect(woken.history.filter((h) => h.type === 'PassStateEntered').map((h) => h.stateName)).toEqual([
      'Check',
    ]);
    expect(tokens()).toHaveLength(1);

    calls = [];
    const failed = await start('WokenCallback');
    sfn.sendTaskFailure(tokens()[0] as string, 'Glitch', 'once');
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(tokens()).toHaveLength(2);
    sfn.sendTaskSuccess(tokens()[1] as string, '{}');
    await flush();
    expect(failed.history.filter((h) => h.type === 'PassStateEntered').map((h) => h.stateName)).toEqual([
      'Done',
    ]);
  });

  it('a token of a stopped execution answers TaskTimedOut, and the stop’s error is in ExecutionAborted', async () => {
    const execution = await start('Callback');
    const [token] = tokens();
    sfn.stop(execution.executionArn, 'Cancelled', 'HR cancelled the cycle');
    await flush();
    expect(execution.status).toBe('ABORTED');
    expect(codeOf(() => sfn.sendTaskSuccess(token as string, '{}'))).toBe('TaskTimedOut');
    expect(codeOf(() => sfn.sendTaskFailure(token as string, 'E', 'c'))).toBe('TaskTimedOut');
    expect(codeOf(() => sfn.sendTaskHeartbeat(token as string))).toBe('TaskTimedOut');
    expect(execution.history.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'HR cancelled the cycle' },
    });
  });

  it('an expired token answers TaskTimedOut; a token never minted answers InvalidToken', async () => {
    await start('Callback');
    const [token] = tokens();
    expect(codeOf(() => sfn.sendTaskHeartbeat(token as string))).toBe('no error');
    await vi.advanceTimersByTimeAsync(3600_000);
    await flush();
    expect(codeOf(() => sfn.sendTaskSuccess(token as string, '{}'))).toBe('TaskTimedOut');
    expect(codeOf(() => sfn.sendTaskSuccess('not-a-token', '{}'))).toBe('InvalidToken');
    expect(codeOf(() => sfn.sendTaskSuccess(`zzzz.${crypto.randomUUID()}`, '{}'))).toBe('InvalidToken');
  });
});

describe('RedriveExecution, as AWS runs it', () => {
  it('a failed task runs again with its input; the states before it do not, and the history goes on after ExecutionRedriven', async () => {
    failures.flaky = 1;
    const execution = await start('Steps', { id: 7 });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Lambda.ServiceException', redriveCount: 0 });
    const historyBefore = execution.history.length;

    await vi.advanceTimersByTimeAsync(60_000);
    const redriveDate = await sfn.redrive(execution.executionArn);
    await flush();

    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate });
    expect(redriveDate).toBe(NOW.getTime() + 60_000);
    expect(callCounts()).toEqual({ first: 1, flaky: 2 });
    expect(execution.history.slice(historyBefore).map((h) => h.type)).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(execution.history[historyBefore]).toMatchObject({
      id: historyBefore + 1,
      previousEventId: historyBefore,
      executionRedrivenEventDetails: { redriveCount: 1 },
    });
    // The failed state's own input: what the state before it gave it.
    const [, retried] = calls.filter((c) => c.fn === 'flaky');
    expect(retried?.payload).toEqual({
      id: 7,
      first: { ExecutedVersion: '$LATEST', Payload: { ok: true }, StatusCode: 200 },
    });
    expect(JSON.parse(execution.output ?? '{}')).toHaveProperty('flaky');
    expect(execution.history.filter((h) => h.type === 'ExecutionStarted')).toHaveLength(1);
    expect(sfn.redriveStatus(execution)).toEqual({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(await refusalOf(sfn.redrive(execution.executionArn))).toBe(
      'ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven',
    );
  });

  it('an execution that ended in a Fail state enters it again and fails again: nothing before it runs', async () => {
    const execution = await start('Recorded');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'StepFailed' });
    expect(callCounts()).toEqual({ broken: 1, record: 1 });

    await sfn.redrive(execution.executionArn);
    await flush();

    expect(sinceRedrive(execution)).toEqual(['ExecutionRedriven', 'FailStateEntered', 'ExecutionFailed']);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'StepFailed', redriveCount: 1 });
    expect(callCounts()).toEqual({ broken: 1, record: 1 });
    expect(sfn.redriveStatus(execution)).toEqual({ redriveStatus: 'REDRIVABLE' });
  });

  it('a stopped (ABORTED) execution goes on from the callback task it was stopped in, with a new token', async () => {
    const execution = await start('Callback');
    sfn.stop(execution.executionArn, 'Paused', 'By hand');
    await sfn.redrive(execution.executionArn);
    await flush();
    expect(execution).toMatchObject({ status: 'RUNNING', redriveCount: 1, error: undefined });
    expect(execution.stopDate).toBeUndefined();
    const [stale, fresh] = tokens();
    expect(fresh).not.toBe(stale);
    expect(codeOf(() => sfn.sendTaskSuccess(stale as string, '{}'))).toBe('TaskTimedOut');
    sfn.sendTaskSuccess(fresh as string, '{"answer":2}');
    await flush();
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '{"answer":2}' });
    expect(sinceRedrive(execution).slice(0, 2)).toEqual(['ExecutionRedriven', 'TaskStateEntered']);
  });

  it('an inline Map or a Parallel is redriven whole: what succeeded in it runs again (AWS reruns only what failed)', async () => {
    failures.flaky = 1;
    const execution = await start('EachFunction', { functions: [fn('one'), fn('two'), fn('flaky')] });
    expect(execution.status).toBe('FAILED');
    await sfn.redrive(execution.executionArn);
    await flush();
    expect(execution.status).toBe('SUCCEEDED');
    expect(callCounts()).toEqual({ one: 2, two: 2, flaky: 2 });
    expect(sinceRedrive(execution).slice(0, 3)).toEqual([
      'ExecutionRedriven',
      'MapStateEntered',
      'MapStateStarted',
    ]);

    calls = [];
    failures.flaky = 1;
    const parallel = await start('BothBranches');
    expect(parallel.status).toBe('FAILED');
    await sfn.redrive(parallel.executionArn);
    await flush();
    expect(parallel.status).toBe('SUCCEEDED');
    expect(callCounts()).toEqual({ one: 2, flaky: 2 });
  });

  it('a running execution, one never started, and one that ended more than 14 days ago are not redriven', async () => {
    const running = await start('Callback');
    expect(await refusalOf(sfn.redrive(running.executionArn))).toBe(
      'ExecutionNotRedrivable: Execution is RUNNING and cannot be redriven',
    );
    expect(await refusalOf(sfn.redrive(`${running.executionArn}-gone`))).toMatch(/^ExecutionDoesNotExist: /);
    sfn.stop(running.executionArn);
    await flush();
    await vi.advanceTimersByTimeAsync(14 * DAY);
    expect(sfn.redriveStatus(running)).toEqual({ redriveStatus: 'REDRIVABLE' });
    await vi.advanceTimersByTimeAsync(1);
    expect(await refusalOf(sfn.redrive(running.executionArn))).toBe(
      'ExecutionNotRedrivable: Execution redrivable period exceeded',
    );
  });

  it('nor one started more than a year ago, or one whose history has no room for the redrive', async () => {
    const execution = await start('Recorded');
    // Standing in for a year of waiting, or 25,000 events, which no small definition reaches quickly.
    execution.startDate = Date.now() - 366 * DAY;
    expect(sfn.redriveStatus(execution)).toEqual({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution has exceeded the max execution time',
    });
    execution.startDate = Date.now();
    execution.awsHistoryEvents = 24_999;
    expect(await refusalOf(sfn.redrive(execution.executionArn))).toBe(
      'ExecutionNotRedrivable: Execution history event limit exceeded',
    );
    execution.awsHistoryEvents = 24_998;
    expect(await refusalOf(sfn.redrive(execution.executionArn))).toBe('redriven');
  });

  it('a client token used again within 15 minutes answers the same redrive and starts nothing', async () => {
    const execution = await start('Recorded');
    const first = await sfn.redrive(execution.executionArn, 'token-a');
    await flush();
    await vi.advanceTimersByTimeAsync(14 * 60_000);
    expect(await sfn.redrive(execution.executionArn, 'token-a')).toBe(first);
    expect(execution.redriveCount).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await sfn.redrive(execution.executionArn, 'token-a')).toBeGreaterThan(first);
    await flush();
    expect(execution.redriveCount).toBe(2);
  });
});

describe('what the local engine does differently', () => {
  it('a Task without TimeoutSeconds times out after 60 seconds (on AWS it waits up to a year)', async () => {
    const execution = await start('NoTimeout');
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Timeout');
  });

  it('runs the Lambda integrations only: another service’s resource fails the state with States.Runtime', async () => {
    const execution = await start('OtherService');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(calls).toEqual([]);
  });

  it('an execution input or a state output over 256 KB goes through, where AWS fails with States.DataLimitExceeded', async () => {
    const largeInput = await start('Steps', { data: 'x'.repeat(300 * KB) });
    const largeOutput = await start('Large');
    expect([largeInput.status, largeOutput.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // What the benchmark reports against the limit.
    expect(largeInput.maxPayloadBytes).toBeGreaterThan(256 * KB);
    expect(largeOutput.maxPayloadBytes).toBeGreaterThan(256 * KB);
  });

  it('a history past 25,000 events does not fail the execution, where AWS fails it', async () => {
    // An inline Map records four events an item: 6,250 items make 25,006 events, in well under a second.
    const items = Array.from({ length: 6_250 }, (_, i) => i);
    const execution = sfn.startExecution(machineArn('InlineMap'), undefined, JSON.stringify({ items }));
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    // What the benchmark reports against the limit, and the history GetExecutionHistory pages through.
    expect(execution.awsHistoryEvents).toBeGreaterThan(25_000);
    expect(execution.history).toHaveLength(execution.awsHistoryEvents);
  });

  it('no limit on open executions: StartExecution and RedriveExecution never answer ExecutionLimitExceeded', async () => {
    // AWS's quota is a million open executions, too many to hold in a unit test: a thousand open at
    // once show there is no lower limit, and no code of the local stack gives that answer at all.
    const open = Array.from({ length: 1_000 }, () =>
      sfn.startExecution(machineArn('Callback'), undefined, '{}'),
    );
    const failed = await start('Recorded');
    expect(open.filter((e) => e.status === 'RUNNING')).toHaveLength(1_000);
    expect(failed.status).toBe('FAILED');
    await expect(sfn.redrive(failed.executionArn)).resolves.toBe(Date.now());
    for (const e of open) sfn.stop(e.executionArn);
    await flush();
    const local = path.join(import.meta.dirname, '../../local');
    for (const file of readdirSync(local).filter((f) => f.endsWith('.ts')))
      expect(readFileSync(path.join(local, file), 'utf8'), file).not.toContain('ExecutionLimitExceeded');
  });

  it('without a journal (tests, the demo) keeps executions and tokens in memory: a new instance knows none of an earlier one’s', async () => {
    await start('Callback');
    const [token] = tokens();
    const restarted = build({ Callback: DEFINITIONS.Callback as Definition });
    expect(restarted.list()).toEqual([]);
    expect(codeOf(() => restarted.sendTaskSuccess(token as string, '{}'))).toBe('InvalidToken');
  }, 30_000);
});

describe('with a journal (npm start), a restart resumes where each execution waited', () => {
  const RESUMABLE: Record<string, Definition> = {
    Callback: DEFINITIONS.Callback as Definition,
    StepsThenAsk: {
      StartAt: 'First',
      States: { First: invoke('first', 'Second'), Second: invoke('flaky', 'Ask'), Ask: callback() },
    },
    Paused: {
      StartAt: 'Pause',
      States: { Pause: { Type: 'Wait', Seconds: 3600, Next: 'Ask' }, Ask: callback() },
    },
  };
  let dir: string;
  const journaled = () =>
    new LocalStepFunctions({
      stateMachines: Object.entries(RESUMABLE).map(([id, definition]) => ({
        logicalId: id,
        arn: machineArn(id),
        definition,
      })),
      lambda,
      activity: new Activity(),
      journalFile: path.join(dir, 'executions.jsonl'),
    });
  /** The stack killed and started again: a new instance on the same journal, resumed. */
  const restart = async (before: LocalStepFunctions) => {
    before.detach();
    const after = journaled();
    after.resume();
    await flush();
    return after;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'growcycle-journal-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a callback task waits on with the token it handed out, which answers it after the restart', async () => {
    const first = journaled();
    first.startExecution(machineArn('Callback'), 'asked', '{}');
    await flush();
    const [token] = tokens();
    const after = await restart(first);
    const execution = after.describe(
      `${machineArn('Callback').replace(':stateMachine:', ':execution:')}:asked`,
    );
    expect(execution.status).toBe('RUNNING');
    // The task is called again with the same token: storing it again is harmless, and it stays good.
    expect(tokens()).toEqual([token, token]);
    after.sendTaskSuccess(token as string, '{"done":true}');
    await flush();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toBe('{"done":true}');
    expect(execution.history.filter((h) => h.type === 'ExecutionStarted')).toHaveLength(1);
  }, 30_000);

  it('a token answered before the restart stays answered: it is not handed out again', async () => {
    const first = journaled();
    first.startExecution(machineArn('Paused'), 'paused', '{}');
    await vi.advanceTimersByTimeAsync(3600_000);
    await flush();
    const [token] = tokens();
    first.sendTaskSuccess(token as string, '{}');
    await flush();
    const after = await restart(first);
    expect(after.list()[0]?.status).toBe('SUCCEEDED');
    expect(codeOf(() => after.sendTaskSuccess(token as string, '{}'))).toBe('TaskTimedOut');
  }, 30_000);

  it('a Wait ends at the time it was due before the restart, not counted again from the restart', async () => {
    const first = journaled();
    first.startExecution(machineArn('Paused'), 'paused', '{}');
    await flush();
    await vi.advanceTimersByTimeAsync(1000_000);
    const after = await restart(first);
    await vi.advanceTimersByTimeAsync(2599_000);
    expect(tokens()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(tokens()).toHaveLength(1);
    expect(after.list()[0]?.status).toBe('RUNNING');
  }, 30_000);

  it('a one-time schedule is armed again, and fires once at its time', async () => {
    const started: string[] = [];
    const double = {
      startExecution: (_arn: string, name: string | undefined) => started.push(name ?? ''),
    } as unknown as LocalStepFunctions;
    const file = path.join(dir, 'schedules.jsonl');
    const first = new LocalScheduler(double, new Activity(), undefined, [], file);
    scheduleLater(first, DAY);
    first.detach();
    const after = new LocalScheduler(double, new Activity(), undefined, [], file);
    expect(after.resume()).toBe(1);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(started).toEqual(['later']);
    const again = new LocalScheduler(double, new Activity(), undefined, [], file);
    expect(again.resume()).toBe(0);
  });

  it('a redrive is kept: after a restart its count and history stand, and one under way goes on from its redrive point', async () => {
    failures.flaky = 1;
    const first = journaled();
    const execution = first.startExecution(machineArn('StepsThenAsk'), 'redriven', '{}');
    await flush();
    expect(execution.status).toBe('FAILED');
    await first.redrive(execution.executionArn, 'token-b');
    // Killed before the redriven state ran: the restart starts it, not the execution's first state.
    const after = await restart(first);
    const resumed = after.describe(execution.executionArn);
    expect(resumed).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    // The redriven state ran before the kill and runs again after it, as any step after a resume point.
    expect(callCounts()).toEqual({ first: 1, flaky: 3, wait: 1 });
    expect(await after.redrive(execution.executionArn, 'token-b')).toBe(resumed.redriveDate);
    after.sendTaskSuccess(tokens()[0] as string, '{}');
    await flush();
    expect(resumed.status).toBe('SUCCEEDED');
    const again = await restart(after);
    expect(again.describe(execution.executionArn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(sinceRedrive(again.describe(execution.executionArn)).slice(0, 2)).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
    ]);
  }, 30_000);

  it('a line cut short by the kill is left out, and what came before it is kept', async () => {
    const first = journaled();
    first.startExecution(machineArn('Callback'), 'asked', '{}');
    await flush();
    first.detach();
    appendFileSync(path.join(dir, 'executions.jsonl'), '{"t":"event","arn":"arn:aws:st');
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = journaled();
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
    expect(after.list().map((e) => e.status)).toEqual(['RUNNING']);
  }, 30_000);
});

describe('what the local engine refuses when the stack starts', () => {
  const refusal = (definition: Definition): string => {
    try {
      build({ Refused: definition });
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return 'accepted';
  };

  it('HeartbeatSeconds: no heartbeat is enforced locally', () => {
    expect(refusal({ StartAt: 'Ask', States: { Ask: callback({ HeartbeatSeconds: 60 }) } })).toContain(
      'HeartbeatSeconds',
    );
  });

  it('a Distributed Map, or a Map reading its items with ItemReader or writing its results with ResultWriter: only inline Maps run', () => {
    const map = DEFINITIONS.InlineMap?.States.Each as Record<string, unknown>;
    const processor = map.ItemProcessor as Record<string, unknown>;
    const distributed = { ...map, ItemProcessor: { ...processor, ProcessorConfig: { Mode: 'DISTRIBUTED' } } };
    expect(refusal({ StartAt: 'Each', States: { Each: distributed } })).toContain('inline Map states only');
    const reader = { ...map, ItemReader: { Resource: 'arn:aws:states:::s3:getObject' } };
    expect(refusal({ StartAt: 'Each', States: { Each: reader } })).toContain('inline Map states only');
    const writer = { ...map, ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' } };
    expect(refusal({ StartAt: 'Each', States: { Each: writer } })).toContain('inline Map states only');
  });

  it('$$.Task.Token outside a callback task: the engine has one static token, replaced only there', () => {
    const pass = { Type: 'Pass', Parameters: { 'token.$': '$$.Task.Token' }, End: true };
    expect(refusal({ StartAt: 'Peek', States: { Peek: pass } })).toContain('$$.Task.Token');
    const invoke = { ...callback(), Resource: INVOKE };
    expect(refusal({ StartAt: 'Ask', States: { Ask: invoke } })).toContain('$$.Task.Token');
  });
});
