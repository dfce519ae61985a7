import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A handler for the local Lambda's own tests that runs as long and holds as much memory as its
 * event asks. `environment` is drawn once, when the module loads: as Lambda's init, once per
 * execution environment.
 */
const environment = randomUUID();

export const handler = async (event: { ms: number; mb: number }, context: Context) => {
  const held = Buffer.alloc(event.mb * 1024 * 1024, 1);
  await new Promise<void>((resolve) => setTimeout(resolve, event.ms));
  return { environment, heldMb: held.length / 1024 / 1024, remainingMs: context.getRemainingTimeInMillis() };
};
