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
 * One development plan: start the follow-up of each item (each its own execution of the plan-item
 * workflow, so an item added later starts the same way and a plan of any size keeps a small history),
 * then, until every item has ended, the owner left or HR cancelled the plan: at the policy's cadence
 * ask the owner to check in, and ask coaches and mentors whether their sessions were held (one group
 * of requests, one wait, whatever their number); in between, wait. Then close the plan with its
 * summary. The wait is woken by the last item's end; it also looks on its own every three weeks, so a
 * year of check-ins stays a few hundred history events.
 * Input: { planId }.
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
    const ask = invokeStep(
      this,
      'Ask for the check-in and sessions',
      props.humanStep,
      { action: 'openGroup', requestIds: JsonPath.listAt('$.next.requestIds') },
      '$.asked',
    );
    ask.next(
      groupWait(
        this,
        { wait: 'Wait for the check-in and sessions', check: 'Check on the check-in and sessions' },
        props.humanStep,
        '$.asked',
        next,
      ),
    );
    start.next(next);
    next.next(
      new Choice(this, 'Is the plan over?')
        .when(Condition.stringEquals('$.next.next', 'close'), close)
        .when(Condition.stringEquals('$.next.next', 'ask'), ask)
        .otherwise(wait),
    );
    this.stateMachine = standardStateMachine(this, 'StateMachine', start);
  }
}
