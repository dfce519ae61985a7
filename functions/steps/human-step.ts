import * as z from 'zod';
import { armGroup, openGroup, wakeGroup } from '../../domain/human-steps/group';
import { armRequest, openRequest, wakeRequest } from '../../domain/human-steps/step';
import { logger } from '../../domain/platform/logger';
import { endReview } from '../../domain/reviews/finish';
import { requestNominatedPeers } from '../../domain/reviews/nominations';
import { step } from '../shared/middleware';
import { stepKinds } from '../shared/step-kinds';

/** A group's members (a review's peers: at most the template's maximum plus two externals). */
const RequestIds = z.array(z.string().min(1)).max(50);

// An empty request id names a step the review does not have; it is skipped (domain/human-steps/step.ts).
// The *Group actions wait for several requests under one token (domain/human-steps/group.ts).
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
  z.object({ action: z.literal('openGroup'), requestIds: RequestIds }),
  z.object({ action: z.literal('wakeGroup'), requestIds: RequestIds }),
  z.object({ action: z.literal('armGroup'), requestIds: RequestIds, taskToken: z.string().min(1) }),
  // The peers a review's nominations chose: their requests are created, then opened as a group.
  z.object({
    action: z.literal('openNominatedPeers'),
    cycleId: z.string().min(1),
    employeeId: z.string().min(1),
  }),
]);

/**
 * The Lambda behind the human step's states (workflows/human-step.ts): open, park on (arm) or wake up
 * a request or a group of them; domain/human-steps/step.ts describes the pattern.
 */
export const handler = step(HumanStepInput, async (input) => {
  switch (input.action) {
    case 'arm':
      await armRequest(stepKinds, input.requestId, input.taskToken, async () => {
        if (input.endsReview) await endReview(input.endsReview.cycleId, input.endsReview.employeeId);
      });
      return { requestId: input.requestId };
    case 'armGroup':
      await armGroup(input.requestIds, input.taskToken);
      return { requestIds: input.requestIds };
    case 'open':
    case 'wake': {
      const state =
        input.action === 'open'
          ? await openRequest(stepKinds, input.requestId)
          : await wakeRequest(stepKinds, input.requestId);
      logger.info('human step', { action: input.action, requestId: input.requestId, outcome: state.outcome });
      return state;
    }
    default: {
      const state =
        input.action === 'openGroup'
          ? await openGroup(stepKinds, input.requestIds)
          : input.action === 'wakeGroup'
            ? await wakeGroup(stepKinds, input.requestIds)
            : await openGroup(stepKinds, await requestNominatedPeers(input.cycleId, input.employeeId));
      logger.info('human step', {
        action: input.action,
        members: state.requestIds.length,
        outcome: state.outcome,
      });
      return state;
    }
  }
});
