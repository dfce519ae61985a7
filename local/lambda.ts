import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { ROOT } from '../infra/function';
import type { Activity } from './activity';
import { invokedFunction } from './privileges';
import type { LocalQueue } from './queue';
import { type LocalFunction, localFunctionArn } from './template';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A failure injected into a function's invocations (tests, the chaos run). */
export type Fault = {
  error: string;
  count: number;
  when?: (event: unknown) => boolean | Promise<boolean>;
  /** Fail after the handler ran, its work done: as an invocation whose answer is lost (a timeout). */
  after?: boolean;
};

export type LambdaStats = {
  invocations: number;
  gbSeconds: number;
  byFunction: Record<string, number>;
  msByFunction: Record<string, number>;
};

/** Error as Step Functions sees a failed Lambda: its name is the errorType that Retry and Catch match. */
const asTaskError = (error: unknown): Error => {
  if (error instanceof Error) return error;
  return Object.assign(new Error(String(error)), { name: 'Error' });
};

/**
 * How many invocations run at once in the process (AWS_LAMBDA_MAX_CONCURRENCY, ./stack.ts). The
 * functions share one process, one event loop and one pool of 50 sockets per SDK client: thousands
 * of invocations at once (a 10,000-person launch) would queue their DynamoDB calls until the SDK's
 * socket timeout failed them, which Lambda's own scaling spares a deployment.
 */
export const LOCAL_MAX_CONCURRENCY = 50;

/**
 * Runs the template's functions in-process: the same handler modules, with the environment the
 * template gives them. Invocations are counted with their billed GB-seconds for the cost model.
 *
 * Many invocations run at once in this one process, as on a Lambda execution environment that takes
 * concurrent requests: each runs in its own context of Lambda's InvokeStore, which Powertools keeps
 * its per-invocation state in (the request id, the keys a step appends to its log lines, the metrics
 * it counts) once AWS_LAMBDA_MAX_CONCURRENCY is set (./stack.ts setEnvironment).
 *
 * Step Functions' invocations of its tasks take turns (invokeTask): past `maxConcurrency` at once,
 * one waits for another to end, where Lambda would throttle it and Step Functions retry it. They
 * are the fan-out (a launch starts one review per person). The other callers (API Gateway, a
 * function's Invoke, schedules, events) are few and run at once: a function that waits on another
 * must never wait for a turn that its own kind holds.
 */
export class LocalLambda {
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly faults = new Map<string, Fault[]>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  readonly stats: LambdaStats = { invocations: 0, gbSeconds: 0, byFunction: {}, msByFunction: {} };

  constructor(
    private readonly functions: Map<string, LocalFunction>,
    private readonly activity: Activity,
    /** Where an asynchronous invocation that failed its retries goes (the stack's dead-letter queue). */
    private readonly failures?: LocalQueue,
    private readonly maxConcurrency = LOCAL_MAX_CONCURRENCY,
  ) {}

  /** Invocations running now, and waiting for their turn. */
  get concurrency(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** A turn to run, given back by calling what it resolves to. */
  private async turn(): Promise<() => void> {
    if (this.running < this.maxConcurrency) this.running += 1;
    // The turn passes straight from an ending invocation to the next in line (release, below).
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    };
  }

  /**
   * Invokes as Lambda does an asynchronous invocation (a schedule's, another service's): retried twice,
   * then its on-failure record, in the shape Lambda writes to an SQS destination, goes to the queue.
   * Lambda waits a minute or two between attempts; here they follow at once.
   */
  async invokeAsync(logicalId: string, event: unknown): Promise<void> {
    let error: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.invoke(logicalId, event);
        return;
      } catch (e) {
        error = e;
      }
    }
    this.failures?.send(
      JSON.stringify({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId: crypto.randomUUID(),
          functionArn: `${localFunctionArn(logicalId)}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: error instanceof Error ? error.name : 'Error' },
      }),
    );
  }

  /** The next `count` invocations of a function fail as a Lambda service error would, before the handler runs. */
  injectServiceErrors(logicalId: string, count: number): void {
    this.injectFault(logicalId, { error: 'Lambda.ServiceException', count });
  }

  /**
   * The next `count` invocations of a function whose event `when` matches fail with the error named,
   * before the handler runs: a dependency's failure as the handler would have passed it on.
   */
  injectFault(logicalId: string, fault: Fault): void {
    this.faults.set(logicalId, [...(this.faults.get(logicalId) ?? []), { ...fault }]);
  }

  clearFaults(logicalId: string): void {
    this.faults.delete(logicalId);
  }

  private async takeFault(logicalId: string, event: unknown): Promise<Fault | undefined> {
    for (const fault of this.faults.get(logicalId) ?? []) {
      if (fault.count <= 0 || !((await fault.when?.(event)) ?? true)) continue;
      // Invocations side by side all waited on `when`: only those the count still allows take it.
      if (fault.count <= 0) continue;
      fault.count -= 1;
      return fault;
    }
    return undefined;
  }

  /** The function of a name (locally, its logical id), or an error saying there is none. */
  functionNamed(logicalId: string): LocalFunction {
    const found = this.functions.get(logicalId);
    if (!found) throw new Error(`Function not found: ${logicalId}`);
    return found;
  }

  functionFor(entry: string): LocalFunction {
    const found = [...this.functions.values()].find((f) => f.entry === entry);
    if (!found) throw new Error(`No function with entry ${entry}`);
    return found;
  }

  private handler(fn: LocalFunction): Promise<Handler> {
    let loaded = this.handlers.get(fn.logicalId);
    if (!loaded) {
      loaded = import(pathToFileURL(path.join(ROOT, fn.entry)).href).then(
        (m: { handler: Handler }) => m.handler,
      );
      this.handlers.set(fn.logicalId, loaded);
    }
    return loaded;
  }

  async invoke(logicalId: string, event: unknown): Promise<unknown> {
    const fn = this.known(logicalId);
    return this.activity.track(() => this.run(fn, logicalId, event));
  }

  /** Invokes a state machine's task, in its turn. */
  async invokeTask(logicalId: string, event: unknown): Promise<unknown> {
    const fn = this.known(logicalId);
    return this.activity.track(async () => {
      const release = await this.turn();
      try {
        return await this.run(fn, logicalId, event);
      } finally {
        release();
      }
    });
  }

  private known(logicalId: string): LocalFunction {
    const fn = this.functions.get(logicalId);
    if (!fn) throw new Error(`Unknown function ${logicalId}`);
    return fn;
  }

  private async run(fn: LocalFunction, logicalId: string, event: unknown): Promise<unknown> {
    const fault = await this.takeFault(logicalId, event);
    const failure = fault && Object.assign(new Error(`Simulated ${fault.error}`), { name: fault.error });
    if (failure && !fault.after) throw failure;
    const handler = await this.handler(fn);
    const store = await InvokeStore.getInstanceAsync(true);
    const invocation = context(fn);
    const started = performance.now();
    this.stats.invocations += 1;
    this.stats.byFunction[logicalId] = (this.stats.byFunction[logicalId] ?? 0) + 1;
    try {
      const result = await store.run(
        { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: invocation.awsRequestId },
        () => invokedFunction.run(logicalId, () => handler(event, invocation)),
      );
      if (failure) throw failure;
      return result;
    } catch (error) {
      throw asTaskError(error);
    } finally {
      const billedMs = Math.max(1, Math.ceil(performance.now() - started));
      this.stats.msByFunction[logicalId] = (this.stats.msByFunction[logicalId] ?? 0) + billedMs;
      this.stats.gbSeconds += (billedMs / 1000) * (fn.memoryMb / 1024);
    }
  }
}

/** The context Lambda hands a handler: Powertools' logger takes its request id, function and memory from it. */
const context = (fn: LocalFunction): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: fn.logicalId,
  functionVersion: '$LATEST',
  invokedFunctionArn: localFunctionArn(fn.logicalId),
  memoryLimitInMB: String(fn.memoryMb),
  awsRequestId: crypto.randomUUID(),
  logGroupName: `/aws/lambda/${fn.logicalId}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
