import { randomUUID } from 'node:crypto';
import type { HistoryEventType, HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Activity } from './activity';
import type { LocalLambda } from './lambda';
import type { LocalStateMachine } from './template';
import { type LongTimeout, setLongTimeout } from './timers';

/*
 * Runs the synthesized state machines on aws-local-stepfunctions and keeps what the Step Functions
 * API reports: state machines, executions by name (a second start of the same name starts nothing),
 * their history in AWS's event types, and the task tokens that SendTaskSuccess/Failure resolve.
 * The engine's known gaps are handled here and pinned by tests: task tokens are minted per callback
 * attempt, TimeoutSecondsPath is evaluated against the state input as on AWS, each Lambda integration
 * returns its real result shape, and what the engine cannot run (heartbeats, a Distributed Map, the
 * task token outside a callback task) is refused when the stack starts rather than half-run.
 */

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type StateDef = Record<string, unknown> & {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
};
type Definition = { StartAt: string; States: Record<string, StateDef> };

export const TOKEN_PLACEHOLDER = '__growcycle_task_token__';
const TIMEOUT_FIELD = '__growcycle_timeout_seconds';
const CALLBACK_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/local';
const REGION = 'us-east-1';

export class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One event of an execution's history, as GetExecutionHistory answers it (timestamps in epoch ms). */
export type HistoryEvent = Omit<SfnHistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'> & {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: HistoryEventType;
  /** The state the event concerns (for a Map iteration, its Map); not a field of AWS's event. */
  stateName?: string;
};

export type Execution = {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  /** The events AWS would record for this execution, in its order and types. */
  readonly history: HistoryEvent[];
  /** State transitions as AWS bills them: every state entered, and every retry of a state. */
  transitions: number;
  /** How many events `history` holds, counted as they happen; the 25,000 limit applies to these. */
  awsHistoryEvents: number;
  /** The largest state input or output seen, in bytes of JSON (AWS limits payloads to 256 KB). */
  maxPayloadBytes: number;
  abort: () => void;
  done: Promise<void>;
};

export type LocalStateMachineInfo = {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  creationDate: number;
};

/** One attempt of a Task, as runTask saw it: what AWS records when it schedules the task. */
type TaskAttempt = {
  parameters: unknown;
  timeoutSeconds?: number;
  submitted?: { timestamp: number; output: unknown };
  /** Set once its TaskScheduled has been counted in awsHistoryEvents. */
  counted?: boolean;
};

/** One event of the engine's log, kept compact; `awsEvents` expands it into AWS's events. */
type EngineEvent = {
  type: string;
  timestamp: number;
  stateName?: string;
  stateType?: string;
  resource?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  index?: number;
  attempt?: TaskAttempt;
  /** A state's exit after its Catch took the error: no success to record. */
  caught?: boolean;
};

type Run = Execution & {
  seq: number;
  events: EngineEvent[];
  /** Attempts runTask has begun whose engine event (StateEntered or StateRetried) is still on its way. */
  attempts: Map<string, TaskAttempt[]>;
  tokens: Set<string>;
};

const visitStates = (
  states: Record<string, StateDef>,
  visit: (name: string, state: StateDef) => void,
): void => {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (processor) visitStates(processor.States, visit);
    for (const branch of (state.Branches as Definition[] | undefined) ?? [])
      visitStates(branch.States, visit);
  }
};

/**
 * What the engine cannot run, refused when the stack starts: it has no heartbeats, runs every Map
 * inline (no Distributed Map, ItemReader or ResultWriter), and its context object holds one task
 * token for the whole execution, which the runner replaces only in a callback task's parameters.
 */
export const checkDefinition = (machine: string, definition: Definition): void => {
  visitStates(definition.States, (name, state) => {
    const refuse = (what: string) => {
      throw new Error(`State machine ${machine}, state "${name}": the local stack does not run ${what}`);
    };
    if (state.HeartbeatSeconds !== undefined || state.HeartbeatSecondsPath !== undefined)
      refuse('HeartbeatSeconds (no heartbeat is enforced locally)');
    const processor = (state.ItemProcessor ?? {}) as { ProcessorConfig?: { Mode?: string } };
    if (
      state.Type === 'Map' &&
      (processor.ProcessorConfig?.Mode === 'DISTRIBUTED' || state.ItemReader || state.ResultWriter)
    )
      refuse('a Distributed Map (inline Map states only)');
    const own = [state.Parameters, state.ItemSelector, state.ResultSelector];
    if (state.Resource !== CALLBACK_RESOURCE && JSON.stringify(own).includes('$$.Task.Token'))
      refuse(`$$.Task.Token outside a ${CALLBACK_RESOURCE} task`);
  });
};

/**
 * The engine evaluates TimeoutSecondsPath against the output of Parameters; AWS evaluates it against
 * the state input. Copy the path's value into Parameters (read from the state input there), point
 * TimeoutSecondsPath at the copy, and strip the copy before the integration is called.
 */
export const adaptDefinition = (definition: Definition): Definition => {
  const copy = structuredClone(definition);
  visitStates(copy.States, (_name, state) => {
    if (state.Type !== 'Task' || typeof state.TimeoutSecondsPath !== 'string') return;
    state.Parameters = { ...(state.Parameters ?? {}), [`${TIMEOUT_FIELD}.$`]: state.TimeoutSecondsPath };
    state.TimeoutSecondsPath = `$.${TIMEOUT_FIELD}`;
  });
  return copy;
};

const json = (value: unknown): string => JSON.stringify(value ?? null);
const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value);
};

type AwsEvent = Omit<HistoryEvent, 'id' | 'previousEventId'>;

/**
 * The events AWS records for one engine event. The engine logs a state entered, exited, failed,
 * retried or caught; AWS records a Task as entered, scheduled, started (submitted, for a callback),
 * succeeded or failed (timed out) and exited; a retry as the failure and a new schedule and start,
 * never a second entry; a caught error as the failure and the state's exit (no success), then the
 * catcher's next state entered.
 */
export const awsEvents = (e: EngineEvent): AwsEvent[] => {
  const at = { timestamp: e.timestamp, ...(e.stateName ? { stateName: e.stateName } : {}) };
  const resource = e.resource ?? '';
  const service = /^arn:aws:states:::([^:]+):(.+)$/.exec(resource);
  const task = service ? { resourceType: service[1] as string, resource: service[2] as string } : undefined;
  const scheduled = (): AwsEvent[] => {
    const parameters = e.attempt?.parameters ?? e.input;
    const timeoutInSeconds = e.attempt?.timeoutSeconds;
    if (!task) {
      return [
        {
          ...at,
          type: 'LambdaFunctionScheduled',
          lambdaFunctionScheduledEventDetails: { resource, input: json(parameters), timeoutInSeconds },
        },
        { ...at, type: 'LambdaFunctionStarted' },
      ];
    }
    const submitted = e.attempt?.submitted;
    return [
      {
        ...at,
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          ...task,
          region: REGION,
          parameters: json(parameters),
          timeoutInSeconds,
        },
      },
      { ...at, type: 'TaskStarted', taskStartedEventDetails: task },
      ...(submitted
        ? [
            {
              ...at,
              timestamp: submitted.timestamp,
              type: 'TaskSubmitted' as const,
              taskSubmittedEventDetails: { ...task, output: json(submitted.output) },
            },
          ]
        : []),
    ];
  };
  const kind = e.stateType;
  switch (e.type) {
    case 'ExecutionStarted':
      return [
        { ...at, type: e.type, executionStartedEventDetails: { input: json(e.input), roleArn: ROLE_ARN } },
      ];
    case 'ExecutionSucceeded':
      return [{ ...at, type: e.type, executionSucceededEventDetails: { output: json(e.output) } }];
    case 'ExecutionFailed':
      return [{ ...at, type: e.type, executionFailedEventDetails: { error: e.error, cause: e.cause } }];
    case 'ExecutionAborted':
      return [{ ...at, type: e.type, executionAbortedEventDetails: { error: e.error, cause: e.cause } }];
    case 'ExecutionTimeout':
      return [
        { ...at, type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } },
      ];
    case 'MapIterationStarted':
      return [
        { ...at, type: e.type, mapIterationStartedEventDetails: { name: e.stateName, index: e.index } },
      ];
    case 'MapIterationSucceeded':
      return [
        { ...at, type: e.type, mapIterationSucceededEventDetails: { name: e.stateName, index: e.index } },
      ];
    case 'MapIterationFailed':
      return [{ ...at, type: e.type, mapIterationFailedEventDetails: { name: e.stateName, index: e.index } }];
    case 'StateEntered': {
      const entered: AwsEvent = {
        ...at,
        type: `${kind}StateEntered` as HistoryEventType,
        stateEnteredEventDetails: { name: e.stateName, input: json(e.input) },
      };
      if (kind === 'Task') return [entered, ...scheduled()];
      if (kind === 'Map' || kind === 'Parallel')
        return [entered, { ...at, type: `${kind}StateStarted` as HistoryEventType }];
      return [entered];
    }
    case 'StateRetried':
      return kind === 'Task' ? scheduled() : [];
    case 'StateExited': {
      const exited: AwsEvent = {
        ...at,
        type: `${kind}StateExited` as HistoryEventType,
        stateExitedEventDetails: { name: e.stateName, output: json(e.output) },
      };
      if (e.caught) return [exited];
      if (kind === 'Task' && !task)
        return [
          {
            ...at,
            type: 'LambdaFunctionSucceeded',
            lambdaFunctionSucceededEventDetails: { output: json(e.output) },
          },
          exited,
        ];
      if (kind === 'Task' && task)
        return [
          { ...at, type: 'TaskSucceeded', taskSucceededEventDetails: { ...task, output: json(e.output) } },
          exited,
        ];
      if (kind === 'Map' || kind === 'Parallel')
        return [{ ...at, type: `${kind}StateSucceeded` as HistoryEventType }, exited];
      return [exited];
    }
    case 'StateFailed': {
      const failure = { error: e.error, cause: e.cause };
      const timedOut = e.error === 'States.Timeout';
      if (kind === 'Task' && !task) {
        return timedOut
          ? [{ ...at, type: 'LambdaFunctionTimedOut', lambdaFunctionTimedOutEventDetails: failure }]
          : [{ ...at, type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: failure }];
      }
      if (kind === 'Task' && task) {
        return timedOut
          ? [{ ...at, type: 'TaskTimedOut', taskTimedOutEventDetails: { ...task, ...failure } }]
          : [{ ...at, type: 'TaskFailed', taskFailedEventDetails: { ...task, ...failure } }];
      }
      if (kind === 'Map' || kind === 'Parallel')
        return [{ ...at, type: `${kind}StateFailed` as HistoryEventType }];
      return [];
    }
    case 'StateCaught':
      // The engine logs the state's exit next, which records it.
      return [];
    default:
      // The engine's Parallel branch events: AWS records none per branch.
      return [];
  }
};

const replaceToken = (value: unknown, token: string): unknown => {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  }
  return value;
};

type PendingTask = {
  resolve: (output: JsonValue) => void;
  reject: (error: Error) => void;
  expires: number;
  expiry: LongTimeout;
};

// A token names its execution (by its number in this stack) so that a token of a task that has
// ended, or of a stopped execution, answers TaskTimedOut as on AWS, while one never minted here
// answers InvalidToken; nothing is kept per ended task.
const TOKEN = /^([0-9a-z]+)\.[0-9a-f-]{36}$/;

export type LocalStepFunctionsOptions = {
  stateMachines: LocalStateMachine[];
  lambda: Pick<LocalLambda, 'invoke'>;
  activity: Activity;
};

export class LocalStepFunctions {
  private readonly machines = new Map<
    string,
    { info: LocalStateMachineInfo; machine: StateMachine; states: Map<string, StateDef> }
  >();
  private readonly executions = new Map<string, Run>();
  private readonly bySeq: Run[] = [];
  private readonly tasks = new Map<string, PendingTask>();
  private readonly lambda: Pick<LocalLambda, 'invoke'>;
  private readonly activity: Activity;

  constructor(options: LocalStepFunctionsOptions) {
    this.lambda = options.lambda;
    this.activity = options.activity;
    const creationDate = Date.now();
    for (const sm of options.stateMachines) {
      checkDefinition(sm.logicalId, sm.definition as Definition);
      const definition = adaptDefinition(sm.definition as Definition);
      const states = new Map<string, StateDef>();
      visitStates(definition.States, (name, state) => states.set(name, state));
      // Built once: validating a definition costs hundreds of milliseconds.
      const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      const info: LocalStateMachineInfo = {
        stateMachineArn: sm.arn,
        name: sm.logicalId,
        definition: JSON.stringify(sm.definition),
        roleArn: ROLE_ARN,
        type: 'STANDARD',
        creationDate,
      };
      this.machines.set(sm.arn, { info, machine, states });
    }
  }

  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
  }

  stateMachines(): LocalStateMachineInfo[] {
    return [...this.machines.values()].map((m) => m.info);
  }

  describeStateMachine(stateMachineArn: string): LocalStateMachineInfo {
    const sm = this.machines.get(stateMachineArn);
    if (!sm)
      throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return sm.info;
  }

  list(): Execution[] {
    return [...this.executions.values()];
  }

  startExecution(stateMachineArn: string, name: string | undefined, input: string): Execution {
    const sm = this.machines.get(stateMachineArn);
    if (!sm)
      throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const executionName = name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
      throw new SfnError('InvalidName', `Invalid Name: '${executionName}'`);
    }
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As on AWS: the same name and input while running returns the running execution.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(input) as JsonValue;
    } catch {
      throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    return this.run(sm, executionArn, executionName, input, parsed);
  }

  private run(
    sm: { info: LocalStateMachineInfo; machine: StateMachine; states: Map<string, StateDef> },
    executionArn: string,
    name: string,
    input: string,
    parsed: JsonValue,
  ): Run {
    const overrides: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of sm.states) {
      if (state.Type === 'Task')
        overrides[stateName] = (taskInput) => this.runTask(execution, stateName, state, taskInput);
    }
    const startDate = Date.now();
    const events: EngineEvent[] = [];
    const execution: Run = {
      executionArn,
      stateMachineArn: sm.info.stateMachineArn,
      name,
      status: 'RUNNING',
      input,
      startDate,
      get history() {
        let id = 0;
        return events.flatMap(awsEvents).map((e) => {
          id += 1;
          return { ...e, id, previousEventId: id - 1 };
        });
      },
      transitions: 0,
      awsHistoryEvents: 0,
      maxPayloadBytes: Buffer.byteLength(input),
      abort: () => undefined,
      done: Promise.resolve(),
      seq: this.bySeq.length,
      events,
      attempts: new Map(),
      tokens: new Set(),
    };
    // Registered before the engine runs: a first Task state is called from within run().
    this.executions.set(executionArn, execution);
    this.bySeq.push(execution);
    const { result, abort, eventLogs } = sm.machine.run(parsed, {
      overrides: { taskResourceLocalHandlers: overrides },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          RoleArn: ROLE_ARN,
          StartTime: new Date(startDate).toISOString(),
        },
        StateMachine: { Id: sm.info.stateMachineArn, Name: sm.info.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
    });
    execution.abort = abort;
    const caught = new Set<string>();
    const recordEvents = (async () => {
      for await (const event of eventLogs) {
        this.activity.touch();
        const e = event as unknown as Record<string, unknown> & {
          type: string;
          timestamp: number;
          state?: { name: string; type: string; input?: unknown; output?: unknown };
          parentState?: { name: string };
          index?: number;
          input?: unknown;
          output?: unknown;
          Error?: unknown;
          Cause?: unknown;
        };
        if (e.type === 'StateEntered' || e.type === 'StateRetried') execution.transitions += 1;
        for (const payload of [e.state?.input, e.state?.output]) {
          if (payload === undefined) continue;
          const bytes = Buffer.byteLength(JSON.stringify(payload));
          if (bytes > execution.maxPayloadBytes) execution.maxPayloadBytes = bytes;
        }
        const stateName = e.state?.name ?? e.parentState?.name;
        const recorded: EngineEvent = {
          type: e.type,
          timestamp: e.timestamp,
          ...(stateName ? { stateName } : {}),
          ...(e.state ? { stateType: e.state.type } : {}),
          input: e.state ? e.state.input : e.input,
          output: e.state ? e.state.output : e.output,
          error: text(e.Error),
          cause: text(e.Cause),
          ...(e.index !== undefined ? { index: e.index } : {}),
        };
        const where = `${stateName}#${e.index ?? ''}`;
        if (e.type === 'StateCaught') caught.add(where);
        if (e.type === 'StateExited' && caught.delete(where)) recorded.caught = true;
        if (e.type === 'ExecutionAborted') {
          recorded.error = execution.error;
          recorded.cause = execution.cause;
        }
        if (e.state?.type === 'Task') {
          recorded.resource = sm.states.get(e.state.name)?.Resource;
          if (e.type === 'StateEntered' || e.type === 'StateRetried') {
            // runTask began this attempt synchronously when the engine logged it, so it is queued.
            recorded.attempt = execution.attempts.get(e.state.name)?.shift();
            if (recorded.attempt) recorded.attempt.counted = true;
          }
        }
        events.push(recorded);
        execution.awsHistoryEvents += awsEvents(recorded).length;
      }
    })();
    execution.done = result.then(
      async (output) => {
        await recordEvents;
        execution.stopDate ??= Date.now();
        if (output === null && execution.status === 'RUNNING') {
          execution.status = 'ABORTED';
        } else if (execution.status === 'RUNNING') {
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output);
        }
        this.closeTasks(execution);
      },
      async (error: Error & { cause?: unknown }) => {
        await recordEvents.catch(() => undefined);
        execution.stopDate = Date.now();
        const root = (error.cause instanceof Error ? error.cause : error) as Error & { cause?: unknown };
        execution.status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        execution.error = root.name;
        execution.cause = root.message;
        this.closeTasks(execution);
      },
    );
    return execution;
  }

  /** One Task state: the Lambda integrations the project uses, with their real result shapes. */
  private async runTask(
    execution: Run,
    stateName: string,
    state: StateDef,
    rawInput: JsonValue,
  ): Promise<JsonValue> {
    const resource = state.Resource ?? '';
    const { [TIMEOUT_FIELD]: timeoutSeconds, ...input } = (rawInput ?? {}) as Record<string, JsonValue>;
    const attempt: TaskAttempt = {
      parameters: input,
      timeoutSeconds: Number(timeoutSeconds ?? state.TimeoutSeconds ?? 60),
    };
    const queued = execution.attempts.get(stateName) ?? [];
    queued.push(attempt);
    execution.attempts.set(stateName, queued);
    if (execution.status !== 'RUNNING') throw new SfnError('States.Runtime', 'The execution has stopped');
    const functionId = (arn: unknown) => String(arn).split(':function:')[1]?.split(':')[0] ?? '';
    if (resource === CALLBACK_RESOURCE) {
      const token = `${execution.seq.toString(36)}.${randomUUID()}`;
      const parameters = replaceToken(input, token) as Record<string, JsonValue>;
      attempt.parameters = parameters;
      const timeoutMs = (attempt.timeoutSeconds ?? 60) * 1000;
      const expires = Date.now() + timeoutMs;
      const waiting = new Promise<JsonValue>((resolve, reject) => {
        // The token stops being valid when the engine times the task out, as on AWS.
        const expiry = setLongTimeout(() => this.closeTask(token), expires);
        this.tasks.set(token, { resolve, reject, expires, expiry });
      });
      execution.tokens.add(token);
      // A wake can come while the Lambda that received the token still runs (another item's change
      // wakes this wait): the rejection is read below, once the Lambda returns, not lost meanwhile.
      waiting.catch(() => undefined);
      try {
        const payload = await this.lambda.invoke(functionId(parameters.FunctionName), parameters.Payload);
        attempt.submitted = {
          timestamp: Date.now(),
          output: { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 },
        };
        if (attempt.counted) execution.awsHistoryEvents += 1;
        return await waiting;
      } finally {
        this.closeTask(token);
      }
    }
    if (resource === 'arn:aws:states:::lambda:invoke') {
      const payload = await this.lambda.invoke(functionId(input.FunctionName), input.Payload);
      return { ExecutedVersion: '$LATEST', Payload: payload as JsonValue, StatusCode: 200 };
    }
    if (resource.includes(':function:')) {
      return (await this.lambda.invoke(functionId(resource), input)) as JsonValue;
    }
    throw new SfnError('States.Runtime', `The local stack does not run resource ${resource}`);
  }

  private closeTask(token: string): void {
    const task = this.tasks.get(token);
    if (!task) return;
    task.expiry.cancel();
    this.tasks.delete(token);
    const seq = TOKEN.exec(token)?.[1];
    if (seq !== undefined) this.bySeq[Number.parseInt(seq, 36)]?.tokens.delete(token);
  }

  private closeTasks(execution: Run): void {
    for (const token of [...execution.tokens]) this.closeTask(token);
  }

  /** AWS's answers: a token never minted is invalid; one whose task has ended has timed out. */
  private task(token: string): PendingTask {
    const seq = TOKEN.exec(token)?.[1];
    if (seq === undefined || !this.bySeq[Number.parseInt(seq, 36)])
      throw new SfnError('InvalidToken', 'Invalid Token');
    const task = this.tasks.get(token);
    if (!task || task.expires <= Date.now()) throw new SfnError('TaskTimedOut', 'Task Timed Out');
    return task;
  }

  sendTaskSuccess(token: string, output: string): void {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new SfnError('InvalidOutput', 'Invalid Output: not JSON');
    }
    const task = this.task(token);
    this.closeTask(token);
    task.resolve(parsed);
  }

  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    const task = this.task(token);
    this.closeTask(token);
    task.reject(Object.assign(new Error(cause ?? ''), { name: error ?? 'States.TaskFailed' }));
  }

  sendTaskHeartbeat(token: string): void {
    this.task(token);
  }

  describe(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  stop(executionArn: string, error?: string, cause?: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.error = error;
      execution.cause = cause;
      execution.stopDate = Date.now();
      // Its tasks end with it: their tokens answer TaskTimedOut from now on, as on AWS.
      this.closeTasks(execution);
      execution.abort();
    }
    return execution;
  }

  /** Resolves when every execution started so far (and any they start meanwhile) has ended. */
  async allDone(): Promise<void> {
    for (;;) {
      const running = this.list().filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }
}
