import { z } from 'zod';
import { finishReview } from '../../domain/cycles';
import { calibrationWaitSeconds } from '../../domain/phases';
import { step } from '../shared/middleware';

export const FinishReviewInput = z.object({
  cycleId: z.string().min(1),
  employeeId: z.string().min(1),
  // Given by definitions whose last step counts the review done for the cycle (its end); absent
  // from executions started before, which count it here.
  countAtEnd: z.boolean().optional(),
});

/** Finishes the review and says how long it waits for HR's calibration (1 s: not at all). */
export const handler = step(FinishReviewInput, async ({ cycleId, employeeId, countAtEnd }) => ({
  ...(await finishReview(cycleId, employeeId, { countAtEnd: countAtEnd ?? false })),
  calibrationWaitSeconds: await calibrationWaitSeconds(cycleId, employeeId),
}));
