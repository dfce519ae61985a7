import * as z from 'zod';
import { armCycleWait } from '../../domain/cycles/close';
import { step } from '../shared/middleware';

export const AwaitReviewsInput = z.object({ cycleId: z.string().min(1), taskToken: z.string().min(1) });

export const handler = step(AwaitReviewsInput, async ({ cycleId, taskToken }) => {
  await armCycleWait(cycleId, taskToken);
  return { cycleId };
});
