import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, type State } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { callbackStep, humanStep, invokeStep } from './human-step';

/*
 * The phases of an employee review that a template may enable around the appraisal (see
 * domain/reviews/): goal setting before it; calibration, the review meeting, the release of the
 * results and the employee's acknowledgment after it. Each person's step is a human step; the wait
 * on HR's calibration is a .waitForTaskToken task whose token is kept beside the review.
 */

type PhaseFunctions = { humanStep: IFunction; goalRound: IFunction; awaitCalibration: IFunction };

const review = {
  cycleId: JsonPath.stringAt('$.review.cycleId'),
  employeeId: JsonPath.stringAt('$.review.employeeId'),
};

/**
 * Goal setting, in rounds: the employee drafts, the manager approves or returns with a comment, and
 * a return opens the next round until the round limit, when HR is told. It gates the rest of the
 * review (`then`). Round 1's requests are created with the review, so a round approved the first
 * time costs five state transitions: the two human steps and the Choice on the manager's decision.
 * Only a return or an expiry runs the round Lambda, which opens the next round (and loops) or
 * settles the phase. A review without the phase goes straight on.
 */
export const goalSetting = (scope: Construct, fns: PhaseFunctions, then: State): Choice => {
  const round = invokeStep(
    scope,
    'Open the next goal-setting round',
    fns.goalRound,
    review,
    '$.review.goals',
  );
  const approved = new Choice(scope, 'Goals approved?')
    .when(
      Condition.and(
        Condition.isPresent('$.step.decision'),
        Condition.stringEquals('$.step.decision', 'approve'),
      ),
      then,
    )
    .otherwise(round);
  const approval = humanStep(
    scope,
    {
      open: 'Send goal approval request',
      wait: 'Wait for goal approval',
      check: 'Check on goal approval',
    },
    fns.humanStep,
    '$.review.goals.approvalRequestId',
    approved,
  );
  const drafting = humanStep(
    scope,
    {
      open: 'Send goal-setting request',
      wait: 'Wait for draft goals',
      check: 'Check on goal setting',
    },
    fns.humanStep,
    '$.review.goals.goalRequestId',
    approval,
  );
  // Returned (with rounds left): the next round's requests; otherwise settled (approved, HR told, expired).
  round.next(
    new Choice(scope, 'Another goal round?')
      .when(Condition.booleanEquals('$.review.goals.settled', false), drafting)
      .otherwise(then),
  );
  return new Choice(scope, 'Goal setting in this review?')
    .when(Condition.isPresent('$.review.goals'), drafting)
    .otherwise(then);
};

const waitForHr = (scope: Construct, name: string, fn: IFunction, timeoutPath: string) =>
  callbackStep(scope, name, fn, review, JsonPath.DISCARD, timeoutPath);

/**
 * After the appraisal: wait for HR's calibration (or the calibration date), then the review meeting,
 * then the employee's acknowledgment, which opens once the results are released (its wait is woken
 * by the release; at its due date HR hears of a release still missing). A step the review does not
 * have is skipped, and an incomplete review (no appraisal) expires both unopened. The
 * acknowledgment's settling ends the review, which is then counted for the cycle's close.
 */
export const afterAppraisal = (scope: Construct, fns: PhaseFunctions): State => {
  const calibration = waitForHr(
    scope,
    'Wait for calibration',
    fns.awaitCalibration,
    // Set by whatever completed the appraisal's wait (domain/reviews/finish.ts finishWithAppraisal).
    '$.step.calibrationWaitSeconds',
  );
  // The acknowledgment waits, unopened, for the release (domain/reviews/release.ts releaseGate).
  const acknowledgment = humanStep(
    scope,
    {
      open: 'Ask for acknowledgment once released',
      wait: 'Wait for acknowledgment',
      check: 'Check on acknowledgment',
    },
    fns.humanStep,
    '$.review.acknowledgmentRequestId',
    undefined,
    // The review's last step: once it settles (acknowledged, expired, or skipped) the review has
    // ended and counts towards the cycle's close, with no extra state.
    { endsReview: review },
  );
  const meeting = humanStep(
    scope,
    {
      open: 'Send review meeting invitations',
      wait: 'Wait for the meeting record',
      check: 'Check on the review meeting',
    },
    fns.humanStep,
    '$.review.meetingRequestId',
    acknowledgment,
  );
  // A review without a meeting or acknowledgment (or without an appraisal) skips them in their steps.
  calibration.addCatch(meeting, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
  calibration.next(meeting);
  return calibration;
};
