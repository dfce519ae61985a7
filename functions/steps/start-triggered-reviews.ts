import { z } from 'zod';
import { startTriggeredReviews } from '../../domain/cycles/triggers';
import { step } from '../shared/middleware';

/** Scheduler calls this once a day with an empty input; nothing in it is used. */
export const StartTriggeredReviewsInput = z.object({}).loose();

export const handler = step(StartTriggeredReviewsInput, () => startTriggeredReviews());
