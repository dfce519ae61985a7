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
};

/**
 * One employee's review in one cycle: goal setting when the template has it, then self-assessment
 * and peer feedback side by side, then the manager's appraisal, then the review is finished and
 * counted towards the cycle; then, as the template says, calibration, the review meeting, the
 * release of the results and the employee's acknowledgment. A review launched with its cycle first
 * waits for its send slot (`opensAt`), so a large cycle's first emails flow at the send rate; one
 * added to a running cycle has none and starts at once.
 * Input: { cycleId, employeeId, opensAt? }.
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

    const gather = new Parallel(this, 'Gather self-assessment and peer feedback', {
      resultPath: JsonPath.DISCARD,
    })
      .branch(selfAssessment)
      .branch(askPeers);

    const finish = invokeStep(
      this,
      'Finish the review',
      props.finishReview,
      {
        cycleId: JsonPath.stringAt('$.review.cycleId'),
        employeeId: JsonPath.stringAt('$.review.employeeId'),
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
    const sendSlot = new Choice(this, 'Send slot given?')
      .when(
        Condition.isPresent('$.opensAt'),
        new Wait(this, 'Pause until its send slot', { time: WaitTime.timestampPath('$.opensAt') }).next(
          start,
        ),
      )
      .otherwise(start);
    this.stateMachine = standardStateMachine(this, 'StateMachine', sendSlot);
  }
}
