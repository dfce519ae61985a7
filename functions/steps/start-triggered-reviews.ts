import * as z from 'zod';
import { forgetExternalReviewers } from '../../domain/cycles/forget-externals';
import { startTriggeredReviews } from '../../domain/cycles/triggers';
import { step } from '../shared/middleware';

/** Scheduler calls this once a day with an empty input; nothing in it is used. */
export const StartTriggeredReviewsInput = z.object({}).loose();

/** The daily check: the reviews review triggers start today, and external reviewers past their retention. */
export const handler = step(StartTriggeredReviewsInput, async () => ({
  ...(await startTriggeredReviews()),
  externalsForgotten: await forgetExternalReviewers(),
}));
