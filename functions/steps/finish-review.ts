import { z } from 'zod';
import { finishReview } from '../../domain/cycles';
import { step } from '../shared/middleware';

export const FinishReviewInput = z.object({ cycleId: z.string().min(1), employeeId: z.string().min(1) });

export const handler = step(FinishReviewInput, ({ cycleId, employeeId }) =>
  finishReview(cycleId, employeeId),
);
