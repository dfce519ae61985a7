import * as z from 'zod';
import { settleAgreement } from '../../domain/plans/agreement';
import { armPlan, closePlan, lookAtPlan, startItems } from '../../domain/plans/follow-up';
import { step } from '../shared/middleware';
import { stepKinds } from '../shared/step-kinds';

// The plan's own workflow (workflows/development-plan.ts).
export const FollowPlanInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), planId: z.string().min(1) }),
  z.object({ action: z.literal('next'), planId: z.string().min(1) }),
  z.object({ action: z.literal('arm'), planId: z.string().min(1), taskToken: z.string().min(1) }),
  z.object({ action: z.literal('close'), planId: z.string().min(1) }),
  // A drafted plan, once its wait for agreement ended: does it start?
  z.object({ action: z.literal('settleAgreement'), planId: z.string().min(1) }),
]);

/**
 * The Lambda behind a plan's own steps: settle a draft's agreement, start its items' follow-ups,
 * decide what comes next, park until its items end, close the plan; domain/plans/follow-up.ts and
 * domain/plans/agreement.ts describe them.
 */
export const handler = step(FollowPlanInput, async (input) => {
  switch (input.action) {
    case 'start':
      return startItems(input.planId);
    case 'next':
      return lookAtPlan(stepKinds, input.planId);
    case 'arm':
      await armPlan(input.planId, input.taskToken);
      return { planId: input.planId };
    case 'close':
      return closePlan(input.planId);
    case 'settleAgreement':
      return settleAgreement(input.planId);
  }
});
