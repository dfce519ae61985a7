import * as z from 'zod';
import { cycleTimeout } from '../../domain/cycles/close';
import { now } from '../../domain/platform/clock';
import { step } from '../shared/middleware';

export const CheckCloseInput = z.object({ cycleId: z.string().min(1) });

/**
 * The cycle's wait timed out: close now, unless HR extended the close date meanwhile, in which case
 * the cycle waits again until the new date.
 */
export const handler = step(CheckCloseInput, async ({ cycleId }) => {
  const { waitSeconds, closeNow } = await cycleTimeout(cycleId);
  return { closeNow, waitSeconds, checkedAt: now().toISOString() };
});
