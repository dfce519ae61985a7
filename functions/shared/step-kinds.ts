import { praiseStepKinds } from '../../domain/feedback/praise';
import { feedbackStepKinds } from '../../domain/feedback/requests';
import type { StepKinds } from '../../domain/human-steps/kinds';
import { agreementStepKinds } from '../../domain/plans/agreement';
import { checkInStepKinds } from '../../domain/plans/check-ins';
import { summaryStepKinds } from '../../domain/plans/follow-up';
import { planStepKinds } from '../../domain/plans/step-kinds';
import { reviewStepKinds } from '../../domain/reviews/step-kinds';

/**
 * Every kind of request with what it adds to the human step (domain/human-steps/kinds.ts): the one
 * place the kinds are handed to the mechanism, for every Lambda that runs it.
 */
export const stepKinds: StepKinds = {
  ...reviewStepKinds,
  ...planStepKinds,
  ...checkInStepKinds,
  ...agreementStepKinds,
  ...summaryStepKinds,
  ...feedbackStepKinds,
  ...praiseStepKinds,
};
