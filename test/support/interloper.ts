import type { MiddlewareStack } from '@smithy/types';
import { documentClient } from '../../domain/platform/clients';

/*
 * A race made to happen: another write run just before the code under test sends its own, after it
 * read what it is about to write over. The middleware sits on the handlers' document client, which
 * the in-process local stack shares with the test.
 */

const NAME = 'interloper';

/**
 * Runs `between` once, just before the first DynamoDB command whose input `matches` is sent. Take it
 * out with `removeInterloper` once the call under test is done; `ran` says whether it ran.
 */
export const runBeforeSending = (
  matches: (input: Record<string, unknown>) => boolean,
  between: () => Promise<unknown>,
): { ran: () => boolean } => {
  let armed = true;
  (documentClient.middlewareStack as MiddlewareStack<object, object>).add(
    (next) => async (args) => {
      if (armed && matches((args as { input: Record<string, unknown> }).input)) {
        armed = false;
        await between();
      }
      return next(args);
    },
    { step: 'build', name: NAME },
  );
  return { ran: () => !armed };
};

export const removeInterloper = (): void => {
  documentClient.middlewareStack.remove(NAME);
};
