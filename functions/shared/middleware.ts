import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';

/** Parses the event with a zod schema before the handler runs, so handlers only ever see valid input. */
export const zodEvent = <S extends z.ZodType>(schema: S): MiddlewareObj<z.infer<S>> => ({
  before: (request) => {
    request.event = schema.parse(request.event);
  },
});

/**
 * A workflow step: a typed business function behind input validation. A malformed step input is a
 * bug in the state machine, so it fails the task loudly rather than being coerced.
 */
export const step = <S extends z.ZodType, R>(schema: S, fn: (input: z.infer<S>) => Promise<R>) =>
  middy<z.infer<S>, R, Error, Context>()
    .use(zodEvent(schema))
    .handler((event) => fn(event));
