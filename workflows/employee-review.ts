import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  JsonPath,
  Parallel,
  type StateMachine,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { groupWait, humanStep, invokeStep } from './human-step';
import { afterAppraisal, goalSetting } from './review-phases';
import { standardStateMachine } from './state-machine';

export type EmployeeReviewProps = {
  startReview: IFunction;
  humanStep: IFunction;
  /** The phases a template enables around the appraisal (workflows/review-phases.ts). */
  goalRound: IFunction;
  awaitCalibration: IFunction;
  recordFailure: IFunction;
};

/**
 * One employee's review in one cycle: goal setting when the template has it, then self-assessment
 * and peer feedback side by side (in a cycle made from a template, peer feedback starts with
 * nominations and their approval), then the manager's appraisal, then the review is finished; then,
 * as the template says, calibration, the review meeting, the release of the results and the
 * employee's acknowledgment, whose settling (or skipping) ends the review and counts it towards the
 * cycle's close. A review first waits for its send slot (`opensAt`), so a large cycle's first
 * emails flow at the send rate; one added to a running cycle is given now and starts at once.
 * Input: { cycleId, employeeId, opensAt }.
 */
export class EmployeeReview extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: EmployeeReviewProps) {
    super(scope, id);
    const start = invokeStep(
      this,
      'Start the review',
      props.startReview,
      { cycleId: JsonPath.stringAt('$.cycleId'), employeeId: JsonPath.stringAt('$.employeeId') },
      '$.review',
    );

    const selfAssessment = humanStep(
      this,
      {
        open: 'Send self-assessment request',
        wait: 'Wait for self-assessment',
        check: 'Check on self-assessment',
      },
      props.humanStep,
      '$.review.selfRequestId',
    );

    // Every peer of the review is asked at once and waited for as one group (one token for all), so
    // the peers cost two state transitions however many they are, plus two per wake-up.
    const waitForPeers = groupWait(
      this,
      { wait: 'Wait for peer feedback', check: 'Check on peer feedback' },
      props.humanStep,
      '$.peers',
    );
    // A cycle without a template has its peers from the start.
    const askPeers = invokeStep(
      this,
      'Send peer feedback requests',
      props.humanStep,
      { action: 'openGroup', requestIds: JsonPath.listAt('$.review.peerRequestIds') },
      '$.peers',
    );
    askPeers.next(waitForPeers);
    // A cycle made from a template asks for nominations first (and the manager's approval when the
    // employee nominates); then one step creates the nominated peers' requests and opens them.
    const requestPeers = invokeStep(
      this,
      'Ask the nominated peers',
      props.humanStep,
      {
        action: 'openNominatedPeers',
        cycleId: JsonPath.stringAt('$.review.cycleId'),
        employeeId: JsonPath.stringAt('$.review.employeeId'),
      },
      '$.peers',
    );
    requestPeers.next(waitForPeers);
    const approval = humanStep(
      this,
      {
        open: 'Send nominations to the manager for approval',
        wait: 'Wait for the approval of nominations',
        check: 'Check on the approval of nominations',
      },
      props.humanStep,
      '$.review.approvalRequestId',
      requestPeers,
    );
    // An approval is asked only of nominations that came in; expired ones fall back to teammates.
    const toApprove = new Choice(this, 'Nominations to approve?')
      .when(Condition.stringEquals('$.step.outcome', 'submitted'), approval)
      .otherwise(requestPeers);
    const nominationSteps = (byWhom: string) => ({
      open: `Send peer nomination request${byWhom}`,
      wait: `Wait for peer nominations${byWhom}`,
      check: `Check on peer nominations${byWhom}`,
    });
    const nominationByEmployee = humanStep(
      this,
      nominationSteps(''),
      props.humanStep,
      '$.review.nominationRequestId',
      toApprove,
    );
    // When the manager nominates there is nothing to approve: straight on to asking the peers.
    const nominationByManager = humanStep(
      this,
      nominationSteps(' of the manager'),
      props.humanStep,
      '$.review.nominationRequestId',
      requestPeers,
    );
    const peerFeedback = new Choice(this, 'Who nominates the peers?')
      .when(Condition.isPresent('$.review.approvalRequestId'), nominationByEmployee)
      .when(Condition.isPresent('$.review.nominationRequestId'), nominationByManager)
      .otherwise(askPeers);

    const gather = new Parallel(this, 'Gather self-assessment and peer feedback', {
      resultPath: JsonPath.DISCARD,
    })
      .branch(selfAssessment)
      .branch(peerFeedback);

    const appraisal = humanStep(
      this,
      {
        open: 'Send manager appraisal request',
        wait: 'Wait for manager appraisal',
        check: 'Check on manager appraisal',
      },
      props.humanStep,
      '$.review.managerRequestId',
      // No step of its own finishes the review: the appraisal's settling does, and hands the
      // calibration wait its length (domain/reviews/finish.ts finishWithAppraisal).
      afterAppraisal(this, props),
    );
    gather.next(appraisal);

    start.next(goalSetting(this, props, gather));
    // Every start carries its send slot (domain/cycles/launch.ts launchReviews, domain/cycles/admin.ts
    // addParticipants: now), so no Choice is needed in front of the Wait.
    const sendSlot = new Wait(this, 'Pause until its send slot', {
      time: WaitTime.timestampPath('$.opensAt'),
    }).next(start);
    this.stateMachine = standardStateMachine(this, 'StateMachine', sendSlot, {
      recordFailure: props.recordFailure,
      about: {
        workflow: 'review',
        cycleId: JsonPath.stringAt('$.cycleId'),
        employeeId: JsonPath.stringAt('$.employeeId'),
      },
    });
  }
}
