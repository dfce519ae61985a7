import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  JsonPath,
  type StateMachine,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { callbackStep, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type AppraisalCycleProps = {
  checkClose: IFunction;
  openCycle: IFunction;
  launchReviews: IFunction;
  awaitReviews: IFunction;
  closeCycle: IFunction;
  recordFailure: IFunction;
};

/**
 * One appraisal cycle: wait for its start date, launch one review execution per participant in
 * pages (deterministic names, so a retry starts nothing twice), then wait until every review has
 * finished or the close date passes, whichever comes first, and close the cycle with its report.
 * The cycle's own history stays small at any size: a page of launches is one Lambda call.
 * Input: { cycleId, startAt }.
 */
export class AppraisalCycle extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: AppraisalCycleProps) {
    super(scope, id);
    const waitForStart = new Wait(this, 'Wait until the cycle starts', {
      time: WaitTime.timestampPath('$.startAt'),
    });
    const open = invokeStep(
      this,
      'Open the cycle',
      props.openCycle,
      { cycleId: JsonPath.stringAt('$.cycleId'), stateMachineArn: JsonPath.stringAt('$$.StateMachine.Id') },
      JsonPath.DISCARD,
    );
    const firstPage = invokeStep(
      this,
      'Launch the first reviews',
      props.launchReviews,
      { cycleId: JsonPath.stringAt('$.cycleId'), cursor: null },
      '$.launch',
    );
    const nextPage = invokeStep(
      this,
      'Launch more reviews',
      props.launchReviews,
      {
        cycleId: JsonPath.stringAt('$.cycleId'),
        cursor: JsonPath.stringAt('$.launch.cursor'),
        slotAt: JsonPath.stringAt('$.launch.nextSlotAt'),
      },
      '$.launch',
    );
    const close = invokeStep(
      this,
      'Close the cycle',
      props.closeCycle,
      { cycleId: JsonPath.stringAt('$.cycleId') },
      '$.report',
    );
    const awaitReviews = callbackStep(
      this,
      'Wait for all reviews or the close date',
      props.awaitReviews,
      { cycleId: JsonPath.stringAt('$.cycleId') },
      JsonPath.DISCARD,
      '$.launch.waitSeconds',
    );
    // HR may extend the close date while the cycle waits: on timeout, read it again.
    const checkClose = invokeStep(
      this,
      'Check the close date',
      props.checkClose,
      { cycleId: JsonPath.stringAt('$.cycleId') },
      '$.launch',
    );
    const closeNow = new Choice(this, 'Close date reached?')
      .when(Condition.booleanEquals('$.launch.closeNow', false), awaitReviews)
      .otherwise(close);
    awaitReviews.addCatch(checkClose, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    checkClose.next(closeNow);
    awaitReviews.next(close);
    const more = new Choice(this, 'More reviews to launch?')
      .when(Condition.booleanEquals('$.launch.more', true), nextPage)
      .otherwise(awaitReviews);
    nextPage.next(more);
    this.stateMachine = standardStateMachine(
      this,
      'StateMachine',
      waitForStart.next(open).next(firstPage).next(more),
      {
        recordFailure: props.recordFailure,
        about: { workflow: 'cycle', cycleId: JsonPath.stringAt('$.cycleId') },
      },
    );
  }
}
