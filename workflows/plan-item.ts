import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, Pass, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { humanStep, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type PlanItemProps = { humanStep: IFunction; endPlanItem: IFunction; recordFailure: IFunction };

/**
 * The follow-up of one item of a development plan: a human step on the item's current request (the
 * owner asked where it stands, with reminders before its due date and escalation up the plan policy's
 * chain after it); when that request settles and the item goes on (blocked: the manager decides; a
 * new date: the owner is asked again), the step repeats on the request the item names next. Once the
 * item is done, dropped or missed, it is counted off its plan.
 * Input: { planId, itemId, requestId }.
 */
export class PlanItem extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: PlanItemProps) {
    super(scope, id);
    const end = invokeStep(
      this,
      'Count the item off its plan',
      props.endPlanItem,
      { planId: JsonPath.stringAt('$.planId'), itemId: JsonPath.stringAt('$.itemId') },
      JsonPath.DISCARD,
    );
    const goOn = new Choice(this, 'Does the item go on?');
    const followUp = humanStep(
      this,
      { open: 'Send the item’s request', wait: 'Wait for an answer on the item', check: 'Check on the item' },
      props.humanStep,
      '$.requestId',
      goOn,
    );
    const nextRequest = new Pass(this, 'Go on to the next request', {
      parameters: {
        planId: JsonPath.stringAt('$.planId'),
        itemId: JsonPath.stringAt('$.itemId'),
        requestId: JsonPath.stringAt('$.step.nextRequestId'),
      },
    });
    goOn.when(Condition.isPresent('$.step.nextRequestId'), nextRequest.next(followUp)).otherwise(end);
    this.stateMachine = standardStateMachine(this, 'StateMachine', followUp, {
      recordFailure: props.recordFailure,
      about: {
        workflow: 'plan-item',
        planId: JsonPath.stringAt('$.planId'),
        itemId: JsonPath.stringAt('$.itemId'),
      },
    });
  }
}
