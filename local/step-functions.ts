import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Activity } from './activity';
import type { LocalLambda } from './lambda';
import type { LocalStateMachine } from './template';

/*
 * Runs the synthesized state machines on aws-local-stepfunctions and keeps what the Step Functions
 * API reports: executions by name (a second start of the same name starts nothing), their history,
 * and the task tokens that SendTaskSuccess/Failure resolve. The engine's known gaps are handled here
 * and pinned by tests: task tokens are minted per callback attempt, TimeoutSecondsPath is evaluated
 * against the state input as on AWS, and each Lambda integration returns its real result shape.
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

export type HistoryEvent = {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  stateName?: string;
  details?: Record<string, unknown>;
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
  history: HistoryEvent[];
  /** State transitions as AWS bills them: every state entered, and every retry of a state. */
  transitions: number;
  /** How many events this history would hold on AWS (see `awsEventsFor`); the 25,000 limit applies to these. */
  awsHistoryEvents: number;
  /** The largest state input or output seen, in bytes of JSON (AWS limits payloads to 256 KB). */
  maxPayloadBytes: number;
  abort: () => void;
  done: Promise<void>;
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

/**
 * The engine logs one event per state entered, exited, failed or retried; AWS records more: a Task
 * is entered, scheduled, started, succeeded (or failed, timed out) and exited, and each retry is
 * scheduled and started again. This maps an engine event to the number of events AWS would record,
 * so the history size compared with the 25,000-event limit is the one AWS would see.
 */
export const awsEventsFor = (type: string, stateType: string | undefined): number => {
  const task = stateType === 'Task';
  switch (type) {
    case 'StateEntered':
      return task ? 3 : stateType === 'Map' || stateType === 'Parallel' ? 2 : 1;
    case 'StateExited':
      return task || stateType === 'Map' || stateType === 'Parallel' ? 2 : 1;
    case 'StateRetried':
      return task ? 2 : 0;
    case 'StateCaught':
      return 0;
    default:
      return 1;
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

type PendingTask = { resolve: (output: JsonValue) => void; reject: (error: Error) => void; expires: number };

export type LocalStepFunctionsOptions = {
  stateMachines: LocalStateMachine[];
  lambda: LocalLambda;
  activity: Activity;
};

export class LocalStepFunctions {
  private readonly machines = new Map<
    string,
    { name: string; machine: StateMachine; states: Map<string, StateDef> }
  >();
  private readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, PendingTask>();
  private readonly lambda: LocalLambda;
  private readonly activity: Activity;

  constructor(options: LocalStepFunctionsOptions) {
    this.lambda = options.lambda;
    this.activity = options.activity;
    for (const sm of options.stateMachines) {
      const definition = adaptDefinition(sm.definition as Definition);
      const states = new Map<string, StateDef>();
      visitStates(definition.States, (name, state) => states.set(name, state));
      // Built once: validating a definition costs hundreds of milliseconds.
      const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      this.machines.set(sm.arn, { name: sm.logicalId, machine, states });
    }
  }

  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
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
    const execution = this.run(sm, stateMachineArn, executionArn, executionName, input, parsed);
    this.executions.set(executionArn, execution);
    return execution;
  }

  private run(
    sm: { name: string; machine: StateMachine; states: Map<string, StateDef> },
    stateMachineArn: string,
    executionArn: string,
    name: string,
    input: string,
    parsed: JsonValue,
  ): Execution {
    const overrides: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of sm.states) {
      if (state.Type === 'Task') overrides[stateName] = (taskInput) => this.runTask(state, taskInput);
    }
    const startDate = Date.now();
    const { result, abort, eventLogs } = sm.machine.run(parsed, {
      overrides: { taskResourceLocalHandlers: overrides },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
          StartTime: new Date(startDate).toISOString(),
        },
        StateMachine: { Id: stateMachineArn, Name: sm.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      input,
      startDate,
      history: [],
      transitions: 0,
      awsHistoryEvents: 0,
      maxPayloadBytes: Buffer.byteLength(input),
      abort,
      done: Promise.resolve(),
    };
    const recordEvents = (async () => {
      for await (const event of eventLogs) {
        this.activity.touch();
        const e = event as unknown as Record<string, unknown> & {
          type: string;
          timestamp: number;
          state?: { name: string; type: string; input?: unknown; output?: unknown };
        };
        if (e.type === 'StateEntered' || e.type === 'StateRetried') execution.transitions += 1;
        execution.awsHistoryEvents += awsEventsFor(e.type, e.state?.type);
        for (const payload of [e.state?.input, e.state?.output]) {
          if (payload === undefined) continue;
          const bytes = Buffer.byteLength(JSON.stringify(payload));
          if (bytes > execution.maxPayloadBytes) execution.maxPayloadBytes = bytes;
        }
        const id = execution.history.length + 1;
        const { type, timestamp, state, ...details } = e;
        execution.history.push({
          id,
          previousEventId: id - 1,
          timestamp,
          type: state ? `${state.type}${type}` : type,
          ...(state ? { stateName: state.name } : {}),
          details: details as Record<string, unknown>,
        });
      }
    })();
    execution.done = result.then(
      async (output) => {
        await recordEvents;
        execution.stopDate = Date.now();
        if (output === null && execution.status === 'RUNNING') {
          execution.status = 'ABORTED';
        } else if (execution.status === 'RUNNING') {
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output);
        }
      },
      async (error: Error & { cause?: unknown }) => {
        await recordEvents.catch(() => undefined);
        execution.stopDate = Date.now();
        const root = (error.cause instanceof Error ? error.cause : error) as Error & { cause?: unknown };
        execution.status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        execution.error = root.name;
        execution.cause = root.message;
      },
    );
    return execution;
  }

  /** One Task state: the Lambda integrations the project uses, with their real result shapes. */
  private async runTask(state: StateDef, rawInput: JsonValue): Promise<JsonValue> {
    const resource = state.Resource ?? '';
    const { [TIMEOUT_FIELD]: timeoutSeconds, ...input } = (rawInput ?? {}) as Record<string, JsonValue>;
    const functionId = (arn: unknown) => String(arn).split(':function:')[1]?.split(':')[0] ?? '';
    if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      const token = randomUUID();
      const timeoutMs = Number(timeoutSeconds ?? state.TimeoutSeconds ?? 60) * 1000;
      const waiting = new Promise<JsonValue>((resolve, reject) => {
        this.tasks.set(token, { resolve, reject, expires: Date.now() + timeoutMs });
      });
      // A wake can come while the Lambda that received the token still runs (another item's change
      // wakes this wait): the rejection is read below, once the Lambda returns, not lost meanwhile.
      waiting.catch(() => undefined);
      // The token stops being valid when the engine times the task out, as on AWS.
      const expiry = setTimeout(() => this.tasks.delete(token), timeoutMs);
      try {
        await this.lambda.invoke(functionId(input.FunctionName), replaceToken(input.Payload, token));
        return await waiting;
      } finally {
        clearTimeout(expiry);
        this.tasks.delete(token);
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

  private task(token: string): PendingTask {
    const task = this.tasks.get(token);
    if (!task) throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist');
    if (task.expires < Date.now()) throw new SfnError('TaskTimedOut', 'Task Timed Out');
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
    this.tasks.delete(token);
    task.resolve(parsed);
  }

  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    const task = this.task(token);
    this.tasks.delete(token);
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
    const execution = this.describe(executionArn);
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.error = error;
      execution.cause = cause;
      execution.stopDate = Date.now();
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
