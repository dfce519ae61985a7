import { randomUUID } from 'node:crypto';
import type { HistoryEventType, HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import * as z from 'zod';
import type { Activity } from './activity';
import { Journal } from './journal';
import type { LocalLambda } from './lambda';
import type { LocalStateMachine } from './template';
import { type LongTimeout, setLongTimeout } from './timers';

/*
 * Runs the synthesized state machines on aws-local-stepfunctions and keeps what the Step Functions
 * API reports: state machines, executions by name (a second start of the same name starts nothing),
 * their history in AWS's event types, the task tokens that SendTaskSuccess/Failure resolve, and
 * RedriveExecution (an unsuccessful execution goes on from the state it ended in, as a resume does).
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

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatus = (typeof STATUSES)[number];

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
  /** How many times RedriveExecution restarted it, and when it last did. */
  redriveCount: number;
  redriveDate?: number;
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
const TaskAttempt = z.object({
  parameters: z.unknown().optional(),
  timeoutSeconds: z.number().optional(),
  submitted: z.object({ timestamp: z.number(), output: z.unknown().optional() }).optional(),
  /** Set once its TaskScheduled has been counted in awsHistoryEvents: its event's place in the log. */
  counted: z.number().optional(),
});
type TaskAttempt = z.infer<typeof TaskAttempt>;

/** One event of the engine's log, kept compact; `awsEvents` expands it into AWS's events. */
const EngineEvent = z.object({
  type: z.string(),
  timestamp: z.number(),
  stateName: z.string().optional(),
  stateType: z.string().optional(),
  resource: z.string().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  index: z.number().optional(),
  attempt: TaskAttempt.optional(),
  /** A state's exit after its Catch took the error: no success to record. */
  caught: z.boolean().optional(),
  /** An ExecutionRedriven: the execution's count of redrives so far, and the client token that asked. */
  redriveCount: z.number().int().positive().optional(),
  clientToken: z.string().optional(),
});
type EngineEvent = z.infer<typeof EngineEvent>;

/**
 * What the journal keeps of the Step Functions side when the stack persists (`npm start`): each
 * execution's start, its engine events, its task tokens (minted, and closed) and its end. That is
 * enough to answer for it after a restart and to resume it where it waited (`resume`).
 */
const JournalRecord = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('start'),
    arn: z.string(),
    stateMachineArn: z.string(),
    name: z.string(),
    input: z.string(),
    startDate: z.number(),
    seq: z.number().int().nonnegative(),
  }),
  z.object({ t: z.literal('event'), arn: z.string(), event: EngineEvent }),
  z.object({
    t: z.literal('submitted'),
    arn: z.string(),
    index: z.number().int().nonnegative(),
    timestamp: z.number(),
    output: z.unknown().optional(),
  }),
  z.object({
    t: z.literal('token'),
    arn: z.string(),
    state: z.string(),
    token: z.string(),
    expires: z.number(),
  }),
  z.object({ t: z.literal('closed'), arn: z.string(), token: z.string() }),
  z.object({
    t: z.literal('end'),
    arn: z.string(),
    status: z.enum(STATUSES),
    stopDate: z.number(),
    output: z.string().optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
]);
type JournalRecord = z.infer<typeof JournalRecord>;

/** As on AWS, an execution that ended more than 90 days ago is no longer kept. */
const RETENTION_MS = 90 * 86_400_000;

/**
 * AWS's limits on RedriveExecution: within 14 days of the end, within a year of the start, with room
 * in the history (25,000 events) for the ExecutionRedriven event and one more; a client token
 * answers for the same redrive for 15 minutes, and the last 10 are kept.
 */
const REDRIVABLE_MS = 14 * 86_400_000;
const MAX_OPEN_MS = 365 * 86_400_000;
const REDRIVE_HISTORY_LIMIT = 24_999;
const CLIENT_TOKEN_MS = 15 * 60_000;
const CLIENT_TOKENS_KEPT = 10;

/** Why RedriveExecution would answer ExecutionNotRedrivable now, in AWS's words; undefined if it would not. */
const notRedrivable = (execution: Execution, now: number): string | undefined => {
  if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED')
    return `Execution is ${execution.status} and cannot be redriven`;
  if (execution.awsHistoryEvents >= REDRIVE_HISTORY_LIMIT) return 'Execution history event limit exceeded';
  if (now - execution.startDate > MAX_OPEN_MS) return 'Execution has exceeded the max execution time';
  if (now - (execution.stopDate ?? now) > REDRIVABLE_MS) return 'Execution redrivable period exceeded';
  return undefined;
};

type Run = Execution & {
  seq: number;
  events: EngineEvent[];
  /** Attempts runTask has begun whose engine event (StateEntered or StateRetried) is still on its way. */
  attempts: Map<string, TaskAttempt[]>;
  tokens: Set<string>;
  /** Tokens an earlier run of the stack minted and left open, by state: that state's next attempt takes its own back. */
  carried: Map<string, PendingTask>;
  /** When each callback state's latest token expires (its task's deadline), by state. */
  deadlines: Map<string, number>;
  /** The client tokens of its latest redrives, with when each was first used. */
  redriveTokens: Map<string, number>;
};

/** An ExecutionRedriven event, recorded now or read from the journal: the execution runs again. */
const applyRedrive = (execution: Run, event: EngineEvent): void => {
  Object.assign(execution, {
    status: 'RUNNING',
    redriveCount: event.redriveCount ?? execution.redriveCount + 1,
    redriveDate: event.timestamp,
    stopDate: undefined,
    output: undefined,
    error: undefined,
    cause: undefined,
  });
  if (event.clientToken === undefined) return;
  execution.redriveTokens.set(event.clientToken, event.timestamp);
  for (const token of [...execution.redriveTokens.keys()].slice(0, -CLIENT_TOKENS_KEPT))
    execution.redriveTokens.delete(token);
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
    case 'ExecutionRedriven':
      return [{ ...at, type: e.type, executionRedrivenEventDetails: { redriveCount: e.redriveCount } }];
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
  token: string;
  execution: Run;
  promise: Promise<JsonValue>;
  resolve: (output: JsonValue) => void;
  reject: (error: Error) => void;
  /** Answered (SendTaskSuccess or SendTaskFailure): its promise holds the answer. */
  settled: boolean;
  expires: number;
  expiry: LongTimeout;
};

// A token names its execution (by its number in this stack) so that a token of a task that has
// ended, or of a stopped execution, answers TaskTimedOut as on AWS, while one never minted here
// answers InvalidToken; nothing is kept per ended task.
const TOKEN = /^([0-9a-z]+)\.[0-9a-f-]{36}$/;

/** Where a restarted or redriven execution picks up: a state it entered, with that state's input. */
type ResumePoint = { state: string; input: JsonValue; deadline?: number };

/** A Wait, a callback task, or a Parallel or Map with one inside: the states an execution sits in for long. */
const waitsInside = (state: StateDef): boolean => {
  let waits = false;
  visitStates({ state }, (_name, s) => {
    waits ||= s.Type === 'Wait' || s.Resource === CALLBACK_RESOURCE;
  });
  return waits;
};

/** The value at a plain path (`$.a.b`), the form CDK's WaitTime paths take; undefined for any other. */
const valueAt = (jsonPath: string, input: unknown): unknown =>
  /^\$(\.[A-Za-z0-9_]+)*$/.test(jsonPath)
    ? jsonPath
        .split('.')
        .slice(1)
        .reduce<unknown>(
          (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
          input,
        )
    : undefined;

/** When a Wait state entered at `enteredAt` with this input ends, if it can be told. */
const waitDeadline = (state: StateDef, input: unknown, enteredAt: number): number | undefined => {
  const seconds =
    state.Seconds ?? (typeof state.SecondsPath === 'string' ? valueAt(state.SecondsPath, input) : undefined);
  if (typeof seconds === 'number') return enteredAt + seconds * 1000;
  const timestamp =
    state.Timestamp ??
    (typeof state.TimestampPath === 'string' ? valueAt(state.TimestampPath, input) : undefined);
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
};

/** The copy of its resume point a resumed execution starts from (`of`), and a Wait's time left. */
type ResumeCopy = { name: string; of: string; state: StateDef; waitMs?: number };

/** The name of the copy a resumed execution starts from; its events are recorded under the state's own name. */
const RESUMED = ' (resumed)';

/**
 * The definition a restarted execution runs: the same states, starting at its resume point. A Wait
 * or a callback task with a known deadline starts from a copy of itself that ends at that deadline
 * (not one counted again from now): a callback's copy has its timeout, a Wait's copy is given its
 * remaining time as the engine's wait override (`waitMs`). The copy goes on to the same states.
 */
const resumeDefinition = (
  definition: Definition,
  point: ResumePoint,
  now = Date.now(),
): { definition: Definition; copy?: ResumeCopy } => {
  const state = definition.States[point.state] as StateDef;
  if (point.deadline === undefined || !(state.Type === 'Wait' || state.Resource === CALLBACK_RESOURCE))
    return { definition: { ...definition, StartAt: point.state } };
  const copy: StateDef = { ...state };
  const remainingMs = Math.max(0, point.deadline - now);
  if (copy.Type === 'Task') {
    const { [`${TIMEOUT_FIELD}.$`]: _timeout, ...parameters } = copy.Parameters ?? {};
    copy.Parameters = parameters;
    delete copy.TimeoutSecondsPath;
    copy.TimeoutSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
  }
  const name = `${point.state}${RESUMED}`;
  return {
    definition: { ...definition, StartAt: name, States: { ...definition.States, [name]: copy } },
    copy: { name, of: point.state, state: copy, ...(copy.Type === 'Wait' ? { waitMs: remainingMs } : {}) },
  };
};

type Machine = {
  info: LocalStateMachineInfo;
  definition: Definition;
  machine: StateMachine;
  states: Map<string, StateDef>;
};

export type LocalStepFunctionsOptions = {
  stateMachines: LocalStateMachine[];
  lambda: Pick<LocalLambda, 'invokeTask'>;
  activity: Activity;
  /** Keep executions, their history and their task tokens in this file, to resume them after a restart. */
  journalFile?: string;
};

export class LocalStepFunctions {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Run>();
  private readonly bySeq = new Map<number, Run>();
  private nextSeq = 0;
  private readonly tasks = new Map<string, PendingTask>();
  private readonly lambda: Pick<LocalLambda, 'invokeTask'>;
  private readonly activity: Activity;
  private readonly journal: Journal<JournalRecord> | undefined;
  /** Executions read from the journal that were running when the stack stopped: `resume` runs them on. */
  private readonly toResume: Run[] = [];

  constructor(options: LocalStepFunctionsOptions) {
    this.lambda = options.lambda;
    this.activity = options.activity;
    this.journal = options.journalFile ? new Journal(options.journalFile, JournalRecord) : undefined;
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
      this.machines.set(sm.arn, { info, definition, machine, states });
    }
    this.load();
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
    const execution = this.newRun(sm.info.stateMachineArn, executionArn, executionName, input, Date.now());
    // Registered before the engine runs: a first Task state is called from within run().
    this.register(execution);
    this.journal?.append({
      t: 'start',
      arn: executionArn,
      stateMachineArn,
      name: executionName,
      input,
      startDate: execution.startDate,
      seq: execution.seq,
    });
    this.drive(sm, execution, sm.machine, parsed);
    return execution;
  }

  private newRun(
    stateMachineArn: string,
    executionArn: string,
    name: string,
    input: string,
    startDate: number,
    seq = this.nextSeq,
  ): Run {
    const events: EngineEvent[] = [];
    return {
      executionArn,
      stateMachineArn,
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
      redriveCount: 0,
      abort: () => undefined,
      done: Promise.resolve(),
      seq,
      events,
      attempts: new Map(),
      tokens: new Set(),
      carried: new Map(),
      deadlines: new Map(),
      redriveTokens: new Map(),
    };
  }

  private register(execution: Run): void {
    this.executions.set(execution.executionArn, execution);
    this.bySeq.set(execution.seq, execution);
    this.nextSeq = Math.max(this.nextSeq, execution.seq + 1);
  }

  /**
   * Runs the engine for an execution: from its start, or (`copy`) from a resume point. Its events
   * are kept in AWS's terms, and in the journal when the stack persists.
   */
  private drive(
    sm: Machine,
    execution: Run,
    machine: StateMachine,
    input: JsonValue,
    resumed?: { copy?: ResumeCopy | undefined },
  ): void {
    const copy = resumed?.copy;
    const overrides: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of sm.states) {
      if (state.Type === 'Task')
        overrides[stateName] = (taskInput) => this.runTask(execution, stateName, state, taskInput);
    }
    if (copy?.state.Type === 'Task')
      overrides[copy.name] = (taskInput) => this.runTask(execution, copy.of, copy.state, taskInput);
    const nameOf = (name: string | undefined) => (name !== undefined && name === copy?.name ? copy.of : name);
    const { result, abort, eventLogs } = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: overrides,
        ...(copy?.waitMs === undefined ? {} : { waitTimeOverrides: { [copy.name]: copy.waitMs } }),
      },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          RoleArn: ROLE_ARN,
          StartTime: new Date(execution.startDate).toISOString(),
        },
        StateMachine: { Id: sm.info.stateMachineArn, Name: sm.info.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
    });
    execution.abort = abort;
    const caught = new Set<string>();
    const { events } = execution;
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
        // A resumed execution goes on: AWS records no second start.
        if (resumed && e.type === 'ExecutionStarted') continue;
        if (e.type === 'StateEntered' || e.type === 'StateRetried') execution.transitions += 1;
        for (const payload of [e.state?.input, e.state?.output]) {
          if (payload === undefined) continue;
          const bytes = Buffer.byteLength(JSON.stringify(payload));
          if (bytes > execution.maxPayloadBytes) execution.maxPayloadBytes = bytes;
        }
        const stateName = nameOf(e.state?.name ?? e.parentState?.name);
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
        if (e.state?.type === 'Task' && stateName) {
          recorded.resource = sm.states.get(stateName)?.Resource;
          if (e.type === 'StateEntered' || e.type === 'StateRetried') {
            // runTask began this attempt synchronously when the engine logged it, so it is queued.
            recorded.attempt = execution.attempts.get(stateName)?.shift();
            if (recorded.attempt) recorded.attempt.counted = events.length;
          }
        }
        this.record(execution, recorded);
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
        this.end(execution);
      },
      async (error: Error & { cause?: unknown }) => {
        await recordEvents.catch(() => undefined);
        execution.stopDate = Date.now();
        const root = (error.cause instanceof Error ? error.cause : error) as Error & { cause?: unknown };
        execution.status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        execution.error = root.name;
        execution.cause = root.message;
        this.end(execution);
      },
    );
  }

  /** One event of an execution, kept in AWS's terms and in the journal when the stack persists. */
  private record(execution: Run, event: EngineEvent): void {
    execution.events.push(event);
    execution.awsHistoryEvents += awsEvents(event).length;
    this.journal?.append({ t: 'event', arn: execution.executionArn, event });
  }

  /** An execution has ended: its tasks end with it (their tokens answer TaskTimedOut), and the journal says so. */
  private end(execution: Run): void {
    this.closeTasks(execution);
    this.journal?.append({
      t: 'end',
      arn: execution.executionArn,
      status: execution.status,
      stopDate: execution.stopDate ?? Date.now(),
      output: execution.output,
      error: execution.error,
      cause: execution.cause,
    });
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
      const expires = Date.now() + (attempt.timeoutSeconds ?? 60) * 1000;
      const carried = this.carriedTask(execution, stateName);
      const task = carried?.settled
        ? carried
        : this.pend(execution, carried?.token ?? `${execution.seq.toString(36)}.${randomUUID()}`, expires);
      const { token } = task;
      if (!task.settled) {
        execution.deadlines.set(stateName, expires);
        this.journal?.append({ t: 'token', arn: execution.executionArn, state: stateName, token, expires });
      }
      const parameters = replaceToken(input, token) as Record<string, JsonValue>;
      attempt.parameters = parameters;
      try {
        const payload = await this.lambda.invokeTask(functionId(parameters.FunctionName), parameters.Payload);
        attempt.submitted = {
          timestamp: Date.now(),
          output: { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 },
        };
        if (attempt.counted !== undefined) {
          execution.awsHistoryEvents += 1;
          this.journal?.append({
            t: 'submitted',
            arn: execution.executionArn,
            index: attempt.counted,
            ...attempt.submitted,
          });
        }
        // A wake can come while the Lambda that received the token still runs (another item's change
        // wakes this wait): the promise keeps the answer until it is read here.
        return await task.promise;
      } finally {
        this.closeTask(token);
      }
    }
    if (resource === 'arn:aws:states:::lambda:invoke') {
      const payload = await this.lambda.invokeTask(functionId(input.FunctionName), input.Payload);
      return { ExecutedVersion: '$LATEST', Payload: payload as JsonValue, StatusCode: 200 };
    }
    if (resource.includes(':function:')) {
      return (await this.lambda.invokeTask(functionId(resource), input)) as JsonValue;
    }
    throw new SfnError('States.Runtime', `The local stack does not run resource ${resource}`);
  }

  /**
   * The token a state's attempt takes back after a restart: the one the earlier run left open for
   * it (still pending, or answered meanwhile, with its answer kept), so a token already handed out
   * (stored beside a request) stays good. One that expired unanswered is not taken back.
   */
  private carriedTask(execution: Run, stateName: string): PendingTask | undefined {
    const carried = execution.carried.get(stateName);
    if (!carried) return undefined;
    execution.carried.delete(stateName);
    return carried.settled || this.tasks.get(carried.token) === carried ? carried : undefined;
  }

  /** A task waiting on its token until `expires`, when the token stops being valid, as on AWS. */
  private pend(execution: Run, token: string, expires: number): PendingTask {
    let task = this.tasks.get(token);
    if (task) task.expiry.cancel();
    else {
      const { promise, resolve, reject } = Promise.withResolvers<JsonValue>();
      // Read by the attempt once its Lambda returns, or never (a carried token expired): not unhandled.
      promise.catch(() => undefined);
      task = {
        token,
        execution,
        promise,
        resolve,
        reject,
        settled: false,
        expires,
        expiry: { cancel: () => {} },
      };
      this.tasks.set(token, task);
    }
    task.expires = expires;
    task.expiry = setLongTimeout(() => this.closeTask(token), expires);
    execution.tokens.add(token);
    return task;
  }

  private closeTask(token: string): void {
    const task = this.tasks.get(token);
    if (!task) return;
    task.expiry.cancel();
    this.tasks.delete(token);
    task.execution.tokens.delete(token);
    this.journal?.append({ t: 'closed', arn: task.execution.executionArn, token });
  }

  private closeTasks(execution: Run): void {
    for (const token of [...execution.tokens]) this.closeTask(token);
  }

  /** AWS's answers: a token never minted is invalid; one whose task has ended has timed out. */
  private task(token: string): PendingTask {
    const seq = TOKEN.exec(token)?.[1];
    if (seq === undefined || !this.bySeq.has(Number.parseInt(seq, 36)))
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
    task.settled = true;
    this.closeTask(token);
    task.resolve(parsed);
  }

  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    const task = this.task(token);
    task.settled = true;
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
      this.end(execution);
      execution.abort();
    }
    return execution;
  }

  /** RedriveStatus and its reason, as DescribeExecution answers them. */
  redriveStatus(execution: Execution): {
    redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
    redriveStatusReason?: string;
  } {
    const reason = notRedrivable(execution, Date.now());
    return reason === undefined
      ? { redriveStatus: 'REDRIVABLE' }
      : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason };
  }

  /**
   * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution goes on under its own ARN from the
   * top-level state it ended in (a task that failed, a Fail state, the state it was stopped in), with
   * that state's input; the states before it do not run again, and its history goes on after an
   * ExecutionRedriven event. Answers the redrive's date; a client token used again within 15 minutes
   * answers its redrive's date and starts nothing.
   */
  async redrive(executionArn: string, clientToken?: string): Promise<number> {
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const repeated = () => {
      const first = clientToken === undefined ? undefined : execution.redriveTokens.get(clientToken);
      return first !== undefined && Date.now() - first < CLIENT_TOKEN_MS ? first : undefined;
    };
    const refuse = () => {
      const reason = notRedrivable(execution, Date.now());
      if (reason !== undefined) throw new SfnError('ExecutionNotRedrivable', reason);
    };
    const answered = repeated();
    if (answered !== undefined) return answered;
    refuse();
    // A stopped execution's engine run may still be recording its last events: they come first.
    await execution.done;
    // Meanwhile the same request may have redriven it, or another one.
    const meanwhile = repeated();
    if (meanwhile !== undefined) return meanwhile;
    refuse();
    const sm = this.machines.get(execution.stateMachineArn);
    const point = sm && this.points(sm, execution)?.redrive;
    if (!sm || !point)
      throw new SfnError(
        'ExecutionNotRedrivable',
        'The local stack cannot redrive it: its state machine changed',
      );
    const event: EngineEvent = {
      type: 'ExecutionRedriven',
      timestamp: Date.now(),
      redriveCount: execution.redriveCount + 1,
      ...(clientToken === undefined ? {} : { clientToken }),
    };
    this.record(execution, event);
    applyRedrive(execution, event);
    this.driveFrom(sm, execution, point);
    return event.timestamp;
  }

  /** Resolves when every execution started so far (and any they start meanwhile) has ended. */
  async allDone(): Promise<void> {
    for (;;) {
      const running = this.list().filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  /**
   * Reads what an earlier run of the stack kept in the journal: every execution with its history
   * (less those ended more than 90 days ago) and the task tokens it left open, which are good again
   * at once. The journal is rewritten with just that. Nothing runs until `resume`.
   */
  private load(): void {
    const journal = this.journal;
    if (!journal) return;
    const open = new Map<string, { arn: string; state: string; expires: number }>();
    for (const r of journal.read()) {
      const execution = this.executions.get(r.arn);
      if (r.t === 'start') {
        this.register(this.newRun(r.stateMachineArn, r.arn, r.name, r.input, r.startDate, r.seq));
      } else if (!execution) {
      } else if (r.t === 'event') {
        execution.events.push(r.event);
        if (r.event.type === 'ExecutionRedriven') applyRedrive(execution, r.event);
      } else if (r.t === 'submitted') {
        const attempt = execution.events[r.index]?.attempt;
        if (attempt) attempt.submitted = { timestamp: r.timestamp, output: r.output };
      } else if (r.t === 'token') {
        open.set(r.token, r);
        execution.deadlines.set(r.state, r.expires);
      } else if (r.t === 'closed') {
        open.delete(r.token);
      } else {
        Object.assign(execution, {
          status: r.status,
          stopDate: r.stopDate,
          output: r.output,
          error: r.error,
          cause: r.cause,
        });
      }
    }
    for (const execution of this.executions.values()) {
      if (execution.stopDate !== undefined && execution.stopDate < Date.now() - RETENTION_MS) {
        this.executions.delete(execution.executionArn);
        this.bySeq.delete(execution.seq);
        continue;
      }
      for (const e of execution.events) {
        if (e.type === 'StateEntered' || e.type === 'StateRetried') execution.transitions += 1;
        execution.awsHistoryEvents += awsEvents(e).length;
        for (const payload of [e.input, e.output]) {
          if (payload !== undefined)
            execution.maxPayloadBytes = Math.max(
              execution.maxPayloadBytes,
              Buffer.byteLength(JSON.stringify(payload)),
            );
        }
      }
      if (execution.status === 'RUNNING') this.toResume.push(execution);
    }
    const kept: JournalRecord[] = [];
    for (const e of this.executions.values()) {
      const arn = e.executionArn;
      kept.push({
        t: 'start',
        arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        input: e.input,
        startDate: e.startDate,
        seq: e.seq,
      });
      for (const event of e.events) kept.push({ t: 'event', arn, event });
      if (e.status !== 'RUNNING') {
        const { status, stopDate = e.startDate, output, error, cause } = e;
        kept.push({ t: 'end', arn, status, stopDate, output, error, cause });
      }
    }
    for (const [token, { arn, state, expires }] of open) {
      const execution = this.executions.get(arn);
      if (execution?.status !== 'RUNNING') continue;
      kept.push({ t: 'token', arn, state, token, expires });
      execution.carried.set(state, this.pend(execution, token, expires));
    }
    journal.rewrite(kept);
  }

  /**
   * Runs on the executions the journal left RUNNING, each from its resume point: the last Wait or
   * callback task it entered (for one inside a Parallel or Map, that state), with that state's
   * input, and the deadline it had; or, if it never reached one, from its start (from its redrive
   * point, if it was redriven). The steps between that point and the stop run again, which the
   * handlers make safe (keys, conditional writes).
   * Returns how many were resumed.
   */
  resume(): number {
    const resumed = this.toResume.splice(0);
    for (const execution of resumed) {
      const sm = this.machines.get(execution.stateMachineArn);
      const point = sm && this.points(sm, execution)?.resume;
      if (!sm || !point) {
        execution.status = 'FAILED';
        execution.error = 'States.Runtime';
        execution.cause = 'The local stack cannot resume it: its state machine changed';
        execution.stopDate = Date.now();
        this.end(execution);
        continue;
      }
      this.driveFrom(sm, execution, point);
    }
    return resumed.length;
  }

  /** Runs an execution on from a point: a Wait or callback task with a deadline keeps it. */
  private driveFrom(sm: Machine, execution: Run, point: ResumePoint): void {
    const { definition, copy } = resumeDefinition(sm.definition, point);
    // Derived from a definition validated when the stack started.
    const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
    this.drive(sm, execution, machine, point.input, { copy });
  }

  /**
   * Where an execution goes on from. `resume` (after a restart): the last Wait or callback task it
   * entered, with its deadline; else its start, or the point its latest redrive started from, which
   * is run afresh. `redrive`: the top-level state it entered last (the one it ended in). Undefined
   * if its state machine no longer has the state to resume at.
   */
  private points(sm: Machine, execution: Run): { resume: ResumePoint; redrive: ResumePoint } | undefined {
    const top = sm.definition.States;
    const start: ResumePoint = {
      state: sm.definition.StartAt,
      input: JSON.parse(execution.input) as JsonValue,
    };
    let resume = start;
    let redrive = start;
    let enteredAt: number | undefined = execution.startDate;
    for (const e of execution.events) {
      if (e.type === 'ExecutionRedriven') {
        resume = redrive;
        enteredAt = undefined;
      }
      const state = e.stateName === undefined ? undefined : top[e.stateName];
      if (e.type !== 'StateEntered' || !state) continue;
      redrive = { state: e.stateName as string, input: e.input as JsonValue };
      if (!waitsInside(state)) continue;
      resume = redrive;
      enteredAt = e.timestamp;
    }
    const state = top[resume.state];
    if (!state) return undefined;
    const deadline =
      enteredAt === undefined
        ? undefined
        : state.Type === 'Wait'
          ? waitDeadline(state, resume.input, enteredAt)
          : execution.deadlines.get(resume.state);
    return { resume: deadline === undefined ? resume : { ...resume, deadline }, redrive };
  }

  /**
   * The stack is shutting down and keeps its executions: they stay RUNNING in the journal, to be
   * resumed at the next start. Their engine runs stop here and nothing more is written.
   */
  detach(): void {
    this.journal?.close();
    for (const token of [...this.tasks.keys()]) this.closeTask(token);
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') execution.abort();
  }
}
