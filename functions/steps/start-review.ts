import * as z from 'zod';
import { startReview } from '../../domain/reviews/start';
import { step } from '../shared/middleware';

export const StartReviewInput = z.object({ cycleId: z.string().min(1), employeeId: z.string().min(1) });

export const handler = step(StartReviewInput, ({ cycleId, employeeId }) => startReview(cycleId, employeeId));
