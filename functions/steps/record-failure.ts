import * as z from 'zod';
import { recordFailure } from '../../domain/operations/failures';
import { endItem } from '../../domain/plans/follow-up';
import { endFailedReview } from '../../domain/reviews/finish';
import { step } from '../shared/middleware';

const Id = z.string().min(1);
const About = {
  executionArn: Id,
  executionName: Id,
  /** The state whose failure was caught (a Parallel's, for a failure inside one of its branches). */
  state: Id,
  /** The error's name only (Catch's `Error`); its `Cause` may quote personal data and is not passed. */
  error: Id,
};

export const RecordFailureInput = z.discriminatedUnion('workflow', [
  z.object({ workflow: z.literal('review'), cycleId: Id, employeeId: Id, ...About }),
  z.object({ workflow: z.literal('cycle'), cycleId: Id, ...About }),
  z.object({ workflow: z.literal('plan'), planId: Id, ...About }),
  z.object({ workflow: z.literal('plan-item'), planId: Id, itemId: Id, ...About }),
  z.object({ workflow: z.literal('feedback'), askId: Id, ...About }),
]);

/**
 * The catch of every workflow (workflows/state-machine.ts): records the failed step, tells HR, and
 * counts the failed part off what waits for it, so a failed review never holds its cycle and a
 * failed item never holds its plan. Each part is idempotent, so a retry of this step is safe.
 */
export const handler = step(RecordFailureInput, async (input) => {
  await recordFailure(input);
  if (input.workflow === 'review') await endFailedReview(input.cycleId, input.employeeId);
  if (input.workflow === 'plan-item') await endItem(input.planId, input.itemId);
});
