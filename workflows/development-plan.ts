import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JsonPath, Map as MapState, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { humanStep, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type DevelopmentPlanProps = { humanStep: IFunction; closePlan: IFunction };

/**
 * Follow-up of one development plan: every action item is a human step of its own, with a reminder
 * before it is due, completion by link, and an escalation chain (manager, skip-level, HR) when it
 * goes overdue. The plan closes when every item is completed or expired.
 * Input: { planId, items: [{ requestId }] }.
 */
export class DevelopmentPlan extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: DevelopmentPlanProps) {
    super(scope, id);
    const followUp = new MapState(this, 'Follow up each action item', {
      itemsPath: '$.items',
      resultPath: JsonPath.DISCARD,
    });
    followUp.itemProcessor(
      humanStep(
        this,
        {
          open: 'Send action item',
          wait: 'Wait for action item',
          check: 'Check on action item',
        },
        props.humanStep,
        '$.requestId',
      ),
    );
    const close = invokeStep(
      this,
      'Close the plan',
      props.closePlan,
      { planId: JsonPath.stringAt('$.planId') },
      '$.result',
    );
    this.stateMachine = standardStateMachine(this, 'StateMachine', followUp.next(close));
  }
}
