import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  IntegrationPattern,
  JsonPath,
  type StateMachine,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WAKE_ERROR } from '../domain/platform/executions';
import { groupWait, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type DevelopmentPlanProps = { followPlan: IFunction; humanStep: IFunction };

/**
 * One development plan. A drafted plan first waits for its owner and their manager to agree to it
 * (the two agreement requests as one group human step; domain/plans/agreement.ts): agreed, it goes
 * on as any plan; closed unagreed, it is closed, cancelled. Then: start the follow-up of each item (each its own execution of the plan-item
 * workflow, so an item added later starts the same way and a plan of any size keeps a small history),
 * then wait until every item has ended, the owner left or HR cancelled the plan, and close it with its
 * summary. The wait is woken by the last item's end; it also looks on its own every three weeks.
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
    const next = invokeStep(this, 'Look at the plan', props.followPlan, { action: 'next', planId }, '$.next');
    const wait = new LambdaInvoke(this, 'Wait for the items', {
      lambdaFunction: props.followPlan,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ action: 'arm', planId, taskToken: JsonPath.taskToken }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.at('$.next.wakeInSeconds'),
    });
    wait.addCatch(next, { errors: ['States.Timeout', WAKE_ERROR], resultPath: JsonPath.DISCARD });
    wait.next(next);
    const close = invokeStep(
      this,
      'Close the plan',
      props.followPlan,
      { action: 'close', planId },
      JsonPath.DISCARD,
    );
    start.next(next);
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
    next.next(
      new Choice(this, 'Is the plan over?')
        .when(Condition.stringEquals('$.next.next', 'close'), close)
        .otherwise(wait),
    );
    this.stateMachine = standardStateMachine(this, 'StateMachine', begin);
  }
}
