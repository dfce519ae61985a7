import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  JsonPath,
  Map as MapState,
  Parallel,
  type StateMachine,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { humanStep, invokeStep } from './human-step';
import { afterAppraisal, goalSetting } from './review-phases';
import { standardStateMachine } from './state-machine';

export type EmployeeReviewProps = {
  startReview: IFunction;
  humanStep: IFunction;
  finishReview: IFunction;
  /** The phases a template enables around the appraisal (workflows/review-phases.ts). */
  goalRound: IFunction;
  reviewGate: IFunction;
  requestNominatedPeers: IFunction;
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

    const askPeers = new MapState(this, 'Ask each peer for feedback', {
      itemsPath: '$.review.peerRequestIds',
      itemSelector: { 'requestId.$': '$$.Map.Item.Value' },
      resultPath: JsonPath.DISCARD,
    });
    askPeers.itemProcessor(
      humanStep(
        this,
        {
          open: 'Send peer feedback request',
          wait: 'Wait for peer feedback',
          check: 'Check on peer feedback',
        },
        props.humanStep,
        '$.requestId',
      ),
    );

    // A cycle made from a template asks for nominations first (and the manager's approval when the
    // employee nominates); a cycle without one has its peers already and goes straight to the Map.
    const requestPeers = invokeStep(
      this,
      'Ask the nominated peers',
      props.requestNominatedPeers,
      {
        cycleId: JsonPath.stringAt('$.review.cycleId'),
        employeeId: JsonPath.stringAt('$.review.employeeId'),
      },
      '$.review.peerRequestIds',
    );
    requestPeers.next(askPeers);
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

    const finish = invokeStep(
      this,
      'Finish the review',
      props.finishReview,
      {
        cycleId: JsonPath.stringAt('$.review.cycleId'),
        employeeId: JsonPath.stringAt('$.review.employeeId'),
        // The review counts towards the cycle's close when it ends, after the acknowledgment.
        countAtEnd: true,
      },
      '$.result',
    );

    const appraisal = humanStep(
      this,
      {
        open: 'Send manager appraisal request',
        wait: 'Wait for manager appraisal',
        check: 'Check on manager appraisal',
      },
      props.humanStep,
      '$.review.managerRequestId',
      finish,
    );
    finish.next(afterAppraisal(this, props));
    gather.next(appraisal);

    start.next(goalSetting(this, props, gather));
    // Every start carries its send slot (domain/cycles.ts launchReviews, domain/cycle-admin.ts
    // addParticipants: now), so no Choice is needed in front of the Wait.
    const sendSlot = new Wait(this, 'Pause until its send slot', {
      time: WaitTime.timestampPath('$.opensAt'),
    }).next(start);
    this.stateMachine = standardStateMachine(this, 'StateMachine', sendSlot);
  }
}
