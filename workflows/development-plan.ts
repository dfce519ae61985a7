import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WAKE_ERROR } from '../domain/platform/executions';
import { callbackStep, groupWait, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type DevelopmentPlanProps = { followPlan: IFunction; humanStep: IFunction; recordFailure: IFunction };

/**
 * One development plan. A drafted plan first waits for its owner and their manager to agree to it
 * (the two agreement requests as one group human step; domain/plans/agreement.ts): agreed, it goes
 * on as any plan; closed unagreed, it is cancelled. Then: start the follow-up of each item (each its
 * own execution of the plan-item workflow, so an item added later starts the same way and a plan of
 * any size keeps a small history); look at the plan at the moments it sets (a check-in or a coaching
 * or mentoring session due: their emails and reminders go through the digest, so each costs one
 * look) and wait in between, until every item has ended, the owner left or HR cancelled the plan;
 * then close it with its summary. A year of check-ins is some thirty state transitions.
 * Input: { planId }, and for a draft { agreementRequestIds } too.
 */
export class DevelopmentPlan extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: DevelopmentPlanProps) {
    super(scope, id);
    const planId = JsonPath.stringAt('$.planId');
    const start = invokeStep(
      this,
      'Start following up each item',
      props.followPlan,
      { action: 'start', planId },
      JsonPath.DISCARD,
    );
    const look = invokeStep(this, 'Look at the plan', props.followPlan, { action: 'next', planId }, '$.next');
    // Completes (to the close) only once the plan is over; times out, or is woken, to look again.
    const wait = callbackStep(
      this,
      'Wait for the items',
      props.followPlan,
      { action: 'arm', planId },
      JsonPath.DISCARD,
      '$.next.wakeInSeconds',
    );
    wait.addCatch(look, { errors: ['States.Timeout', WAKE_ERROR], resultPath: JsonPath.DISCARD });
    const close = invokeStep(
      this,
      'Close the plan',
      props.followPlan,
      { action: 'close', planId },
      JsonPath.DISCARD,
    );
    start.next(look);
    look.next(wait);
    wait.next(close);
    // A drafted plan asks both to agree first; a plan set by HR or the manager starts at once.
    const agreement = invokeStep(
      this,
      'Ask both to agree',
      props.humanStep,
      { action: 'openGroup', requestIds: JsonPath.listAt('$.agreementRequestIds') },
      '$.agreement',
    );
    const settle = invokeStep(
      this,
      'Settle the agreement',
      props.followPlan,
      { action: 'settleAgreement', planId },
      '$.agreed',
    );
    agreement.next(
      groupWait(
        this,
        { wait: 'Wait for both to agree', check: 'Check on the agreement' },
        props.humanStep,
        '$.agreement',
        settle,
      ),
    );
    settle.next(
      new Choice(this, 'Did both agree?')
        .when(Condition.booleanEquals('$.agreed.agreed', true), start)
        .otherwise(close),
    );
    const begin = new Choice(this, 'Is the plan a draft?')
      .when(Condition.isPresent('$.agreementRequestIds'), agreement)
      .otherwise(start);
    this.stateMachine = standardStateMachine(this, 'StateMachine', begin, {
      recordFailure: props.recordFailure,
      about: { workflow: 'plan', planId },
    });
  }
}
