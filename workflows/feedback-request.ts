import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JsonPath, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { groupWait, invokeStep } from './human-step';
import { standardStateMachine } from './state-machine';

export type FeedbackRequestProps = { humanStep: IFunction; recordFailure: IFunction };

/**
 * A request for feedback any time (domain/feedback/): everyone asked gets their link at once and is
 * waited for as one group of human steps, each reminded once and closed at the asker's deadline.
 * Answers reach the asker through their digest as they come, so nothing is left to do at the end.
 * Input: { askId, requestIds }.
 */
export class FeedbackRequest extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: FeedbackRequestProps) {
    super(scope, id);
    const wait = groupWait(
      this,
      { wait: 'Wait for the feedback', check: 'Check on the feedback' },
      props.humanStep,
      '$.asked',
    );
    const ask = invokeStep(
      this,
      'Send the feedback requests',
      props.humanStep,
      { action: 'openGroup', requestIds: JsonPath.listAt('$.requestIds') },
      '$.asked',
    );
    ask.next(wait);
    this.stateMachine = standardStateMachine(this, 'StateMachine', ask, {
      recordFailure: props.recordFailure,
      about: { workflow: 'feedback', askId: JsonPath.stringAt('$.askId') },
    });
  }
}
