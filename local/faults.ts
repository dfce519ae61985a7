import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { passOn, readBody } from './forward';
import type { LocalLambda } from './lambda';
import type { LocalFunction } from './template';

/*
 * Faults the local stack can inject as AWS would answer them, for the tests and the chaos run that
 * show nothing is lost or sent twice under them: SES refusing a share of sends with its throttling
 * error, and DynamoDB refusing a share of writes with its throughput error, before either does
 * anything; and SES accepting a share of sends whose reply is then lost. A seeded random source
 * makes a run repeatable.
 */

export type FaultOptions = {
  /** The share of SES sends answered TooManyRequestsException (0 to 1). */
  sesThrottleRate?: number;
  /** The share of DynamoDB writes answered ProvisionedThroughputExceededException (0 to 1). */
  dynamoWriteThrottleRate?: number;
  /**
   * The share of SES sends accepted (the email goes out) whose answer never reaches the caller: the
   * connection is reset, as when a network fault or a dying Lambda loses SES's reply (0 to 1).
   */
  sesLostReplyRate?: number;
  /** The random source, from 0 to 1; a seeded one (`seededRandom`) repeats a run. */
  random?: () => number;
  /** Counts to go on from (a restarted stack's, in the chaos run); counted on in place. */
  injected?: Injected;
  /** Called after each fault injected, with the counts (the chaos run keeps them on disk). */
  onInjected?: (injected: Injected) => void;
};

/** How many faults of each kind were injected: SES throttles, DynamoDB throttles, SES replies lost. */
export type Injected = { ses: number; dynamodb: number; sesLost: number };

export type Faults = {
  sesThrottle: () => boolean;
  dynamoWriteThrottle: () => boolean;
  sesLoseReply: () => boolean;
  /** How many of each were injected so far. */
  readonly injected: Injected;
};

/** mulberry32: small, fast and good enough to spread faults; not for anything secret. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

export const faultsFrom = (options: FaultOptions): Faults => {
  const random = options.random ?? Math.random;
  const injected = options.injected ?? { ses: 0, dynamodb: 0, sesLost: 0 };
  const roll = (rate: number | undefined, kind: keyof typeof injected) => () => {
    if (!rate || random() >= rate) return false;
    injected[kind] += 1;
    options.onInjected?.(injected);
    return true;
  };
  return {
    sesThrottle: roll(options.sesThrottleRate, 'ses'),
    dynamoWriteThrottle: roll(options.dynamoWriteThrottleRate, 'dynamodb'),
    sesLoseReply: roll(options.sesLostReplyRate, 'sesLost'),
    injected,
  };
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * A proxy in front of DynamoDB Local that refuses a share of writes as DynamoDB refuses a write over
 * its throughput, and passes everything else on unchanged.
 */
export const dynamoThrottlingProxy = async (
  target: string,
  faults: Faults,
): Promise<{ url: string; server: Server }> => {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (WRITES.has(operation) && faults.dynamoWriteThrottle()) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      return res.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        }),
      );
    }
    try {
      await passOn(target, req, body, res, 'application/x-amz-json-1.0');
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

/**
 * Each step function (`functions/steps/`) fails once with a plain `Error`, at an invocation the
 * random source picks (each invocation with `chance`, until it has failed once; 1 is the first), and
 * at a point it picks: before its handler runs (the call failed) or after (the work done, the answer
 * lost, as in a timeout). `failed` and `invoked` name the functions that failed and those invoked; a
 * restarted stack hands in the sets it had, and `onChange` hears of each addition.
 */
export const failEachStepOnce = (
  lambda: LocalLambda,
  functions: Iterable<LocalFunction>,
  options: {
    random: () => number;
    chance: number;
    failed?: Set<string>;
    invoked?: Set<string>;
    onChange?: () => void;
  },
): { failed: Set<string>; invoked: Set<string> } => {
  const { random, chance, failed = new Set<string>(), invoked = new Set<string>(), onChange } = options;
  for (const fn of functions)
    if (fn.entry.startsWith('functions/steps/') && !failed.has(fn.logicalId))
      lambda.injectFault(fn.logicalId, {
        error: 'Error',
        count: 1,
        after: random() < 0.5,
        when: () => {
          const first = !invoked.has(fn.logicalId);
          invoked.add(fn.logicalId);
          const now = random() < chance;
          if (now) failed.add(fn.logicalId);
          if (now || first) onChange?.();
          return now;
        },
      });
  return { failed, invoked };
};
