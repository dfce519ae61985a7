import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { newId } from '../../domain/platform/ids';
import { type AboutFields, logger, powertoolsLogger } from '../../domain/platform/logger';
import { powertoolsMetrics } from '../../domain/platform/metrics';
import { isTransactionConflict } from '../../domain/platform/table';
import { type HttpEvent, type HttpResult, header, htmlResult, problem } from './http';

/** Parses the event with a zod schema before the handler runs, so handlers only ever see valid input. */
export const zodEvent = <S extends z.ZodType>(schema: S): MiddlewareObj<z.infer<S>> => ({
  before: (request) => {
    request.event = schema.parse(request.event);
  },
});

/**
 * Where the error was thrown, without its message: a stack starts with the message, which may quote
 * what the caller sent (over several lines); only the `at` frames, code locations, are kept.
 */
const framesOf = (error: unknown): string =>
  (error instanceof Error ? (error.stack ?? '') : '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .join(' | ');

/** The error's name and its causes' (ElectroDB wraps the SDK's), outermost first, five at most. */
const causeNames = (error: unknown): string[] => {
  const names: string[] = [];
  for (let e = error; e instanceof Error && names.length < 5; e = e.cause) names.push(e.name);
  return names;
};

/** The chain of names as a log line shows it: "ElectroError < TypeError". */
const namesOf = (error: unknown): string => causeNames(error).join(' < ') || 'unknown';

/**
 * The error a step fails with, as Step Functions matches it: ElectroDB wraps the SDK's errors in its
 * own, which would hide a throttle's name from the workflow's retriers (TRANSIENT_ERRORS) and give up
 * on it as a plain failure. The SDK's error inside (it carries `$metadata`) is what the step throws.
 */
export const sdkErrorIn = (error: Error): Error => {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if ('$metadata' in e) return e;
  return error;
};

/**
 * Powertools around a handler, first in its chain: every line the invocation logs carries its
 * request id and cold start, the ids appended during it (`logger.about`) are dropped when it ends,
 * and the metrics it counted are written then, as EMF. Powertools' own middlewares are made at the
 * first invocation, as the logger and the metrics are (domain/platform/logger.ts).
 */
export const observed = <E, R>(): MiddlewareObj<E, R, Error, Context> => {
  let made: MiddlewareObj[] | undefined;
  // Powertools types its middlewares for any middy-like request; middy's own request is one.
  const all = (): MiddlewareObj[] => {
    made ??= [
      injectLambdaContext(powertoolsLogger(), { resetKeys: true }),
      logMetrics(powertoolsMetrics()),
    ] as MiddlewareObj[];
    return made;
  };
  const run = async (phase: 'before' | 'after' | 'onError', request: Request<E, R, Error, Context>) => {
    // middy runs `before` first to last and `after` and `onError` last to first: so does this.
    const ordered = phase === 'before' ? all() : [...all()].reverse();
    for (const m of ordered) await m[phase]?.(request as Request);
  };
  return {
    before: (request) => run('before', request),
    after: (request) => run('after', request),
    onError: (request) => run('onError', request),
  };
};

/** The ids a step's validated input names, for every line of its invocation. */
const ABOUT_KEYS = ['cycleId', 'employeeId', 'requestId', 'planId', 'itemId'] as const;

const aboutInput = (input: unknown): AboutFields => {
  const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  return Object.fromEntries(
    ABOUT_KEYS.flatMap((key) => {
      const value = record[key];
      return typeof value === 'string' && value !== '' ? [[key, value]] : [];
    }),
  );
};

/**
 * A workflow step: a typed business function behind input validation. A malformed step input is a
 * bug in the state machine, so it fails the task loudly rather than being coerced. Each line the
 * step logs names the cycle, employee, plan, item or request its input names; a step that fails says
 * so by the error's names and code locations (the workflow retries it or catches it).
 */
export const step = <S extends z.ZodType, R>(schema: S, fn: (input: z.infer<S>) => Promise<R>) =>
  middy<z.infer<S>, R, Error, Context>()
    .use(observed())
    // The execution every step's payload names (workflows/human-step.ts), which no schema keeps.
    .use({
      before: (request) => {
        const { executionName } = (request.event ?? {}) as { executionName?: unknown };
        if (typeof executionName === 'string') logger.about({ executionName });
      },
    })
    .use(zodEvent(schema))
    .use({
      before: (request) => logger.about(aboutInput(request.event)),
      onError: (request) => {
        logger.warn('step failed', { error: namesOf(request.error), frames: framesOf(request.error) });
        if (request.error) request.error = sdkErrorIn(request.error);
      },
    })
    .handler((event) => fn(event));

/**
 * The id a caller quotes to find their request in the logs: API Gateway's (the `apigw-requestid`
 * header the caller got, and the gateway's access log), else the Lambda's, else a fresh one.
 */
export const correlationIdOf = (event: HttpEvent | undefined, context: Context | undefined): string =>
  event?.requestContext?.requestId || context?.awsRequestId || newId();

/** The errors of an email held back (domain/mail/send.ts), by name: the middleware loads no mail code. */
const EMAIL_HELD_BACK = new Set(['EmailInFlight', 'EmailThrottled']);
/**
 * Long enough for most held-back sends to settle: the send rate frees within seconds and a send
 * whose reply was lost is taken over after two minutes; a claim its sender died holding waits five,
 * so a caller may be told to wait again.
 */
const RETRY_AFTER_SECONDS = 60;

/** How a page-serving function shows an error to a browser: a page with a title and a message. */
export type ErrorPage = (title: string, message: string) => string;

/**
 * The last word on an HTTP request whose handler threw: an RFC 9457 problem (or, for a browser of a
 * function that serves pages, an error page) carrying a correlation id that the one log line about
 * it carries too, and nothing of the error's message or stack. A write refused because a concurrent
 * transaction held the same items stored nothing and is worth sending again: 409, not 500. An email
 * the request sends that is held back (the send rate, or another attempt still sending it) is worth
 * sending again in a minute: 503 with Retry-After.
 */
export const httpErrors = (page?: ErrorPage): MiddlewareObj<HttpEvent, HttpResult, Error, Context> => ({
  onError: (request) => {
    const correlationId = correlationIdOf(request.event, request.context);
    const conflict = isTransactionConflict(request.error);
    // By the whole chain: a library may wrap the error (ElectroDB does).
    const heldBack = causeNames(request.error).some((name) => EMAIL_HELD_BACK.has(name));
    logger.error(conflict ? 'request met a concurrent change' : 'request failed', {
      correlationId,
      routeKey: request.event?.routeKey,
      error: namesOf(request.error),
      frames: framesOf(request.error),
    });
    const [status, title, detail] = conflict
      ? ([
          409,
          'Conflict',
          'Another change to the same data was being saved at the same moment, so nothing was saved. Send the request again.',
        ] as const)
      : heldBack
        ? ([
            503,
            'Service Unavailable',
            'An email this request sends is being sent or held back for a moment. Send the request again in a minute.',
          ] as const)
        : ([
            500,
            'Internal Server Error',
            'Something went wrong on our side; nothing here is your fault.',
          ] as const);
    const reference = `Quote this reference if you contact us: ${correlationId}.`;
    const wantsPage = page !== undefined && /text\/html/i.test(header(request.event, 'accept') ?? '');
    const result = wantsPage
      ? htmlResult(status, page(title, `${detail} ${reference}`))
      : problem(status, title, detail, [], { correlationId });
    request.response = {
      ...result,
      headers: {
        ...result.headers,
        'x-correlation-id': correlationId,
        ...(heldBack ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
      },
    };
  },
});
