import * as z from 'zod';
import { cycleTimeout } from '../../domain/cycles/close';
import { launchReviews } from '../../domain/cycles/launch';
import { step } from '../shared/middleware';

export const LaunchReviewsInput = z.object({
  cycleId: z.string().min(1),
  cursor: z.string().nullish(),
  /** The next free send slot after the previous page; absent for the first page. */
  slotAt: z.iso.datetime().nullish(),
});

/** Launches one page of review executions; after the last page, also says how long the cycle waits. */
export const handler = step(LaunchReviewsInput, async ({ cycleId, cursor, slotAt }) => {
  const page = await launchReviews(cycleId, cursor ?? null, slotAt ?? null);
  const { waitSeconds } = await cycleTimeout(cycleId);
  return { ...page, more: page.cursor !== null, waitSeconds };
});
