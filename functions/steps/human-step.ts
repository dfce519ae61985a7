import { z } from 'zod';
import { armRequest, openRequest, wakeRequest } from '../../domain/human-step';
import { logger } from '../../domain/logger';
import { step } from '../shared/middleware';

// An empty request id names a step the review does not have; it is skipped (domain/human-step.ts).
export const HumanStepInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('open'), requestId: z.string() }),
  z.object({ action: z.literal('wake'), requestId: z.string() }),
  z.object({
    action: z.literal('arm'),
    requestId: z.string(),
    taskToken: z.string().min(1),
    // The review's last step: its settling ends the review, which is then counted for the cycle.
    endsReview: z.object({ cycleId: z.string().min(1), employeeId: z.string().min(1) }).optional(),
  }),
]);

/** Open, park on (arm) or wake up a human step; see domain/human-step.ts for the pattern. */
export const handler = step(HumanStepInput, async (input) => {
  if (input.action === 'arm') {
    await armRequest(input.requestId, input.taskToken, input.endsReview);
    return { requestId: input.requestId };
  }
  const state =
    input.action === 'open' ? await openRequest(input.requestId) : await wakeRequest(input.requestId);
  logger.info('human step', { action: input.action, requestId: input.requestId, outcome: state.outcome });
  return state;
});
