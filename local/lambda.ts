import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { ROOT } from '../infra/function';
import type { Activity } from './activity';
import type { LocalFunction } from './template';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

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
 * Runs the template's functions in-process: the same handler modules, with the environment the
 * template gives them. Invocations are counted with their billed GB-seconds for the cost model.
 *
 * Many invocations run at once in this one process, as on a Lambda execution environment that takes
 * concurrent requests: each runs in its own context of Lambda's InvokeStore, which Powertools keeps
 * its per-invocation state in (the request id, the keys a step appends to its log lines, the metrics
 * it counts) once AWS_LAMBDA_MAX_CONCURRENCY is set (./stack.ts setEnvironment).
 */
export class LocalLambda {
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly faults = new Map<string, number>();
  readonly stats: LambdaStats = { invocations: 0, gbSeconds: 0, byFunction: {}, msByFunction: {} };

  constructor(
    private readonly functions: Map<string, LocalFunction>,
    private readonly activity: Activity,
  ) {}

  /** The next `count` invocations of a function fail as a Lambda service error would, before the handler runs. */
  injectServiceErrors(logicalId: string, count: number): void {
    this.faults.set(logicalId, count);
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
    const fn = this.functions.get(logicalId);
    if (!fn) throw new Error(`Unknown function ${logicalId}`);
    return this.activity.track(async () => {
      const pending = this.faults.get(logicalId) ?? 0;
      if (pending > 0) {
        this.faults.set(logicalId, pending - 1);
        throw Object.assign(new Error('Simulated Lambda service error'), { name: 'Lambda.ServiceException' });
      }
      const handler = await this.handler(fn);
      const store = await InvokeStore.getInstanceAsync(true);
      const invocation = context(fn);
      const started = performance.now();
      this.stats.invocations += 1;
      this.stats.byFunction[logicalId] = (this.stats.byFunction[logicalId] ?? 0) + 1;
      try {
        return await store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: invocation.awsRequestId }, () =>
          handler(event, invocation),
        );
      } catch (error) {
        throw asTaskError(error);
      } finally {
        const billedMs = Math.max(1, Math.ceil(performance.now() - started));
        this.stats.msByFunction[logicalId] = (this.stats.msByFunction[logicalId] ?? 0) + billedMs;
        this.stats.gbSeconds += (billedMs / 1000) * (fn.memoryMb / 1024);
      }
    });
  }
}

/** The context Lambda hands a handler: Powertools' logger takes its request id, function and memory from it. */
const context = (fn: LocalFunction): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: fn.logicalId,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn.logicalId}`,
  memoryLimitInMB: String(fn.memoryMb),
  awsRequestId: crypto.randomUUID(),
  logGroupName: `/aws/lambda/${fn.logicalId}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
