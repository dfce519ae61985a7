import { RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * Standard workflows (human steps wait for weeks, beyond Express limits) with X-Ray and logging of
 * every event but without execution data, so no personal data reaches the logs.
 */
export const standardStateMachine = (scope: Construct, id: string, definition: IChainable): StateMachine =>
  new StateMachine(scope, id, {
    definitionBody: DefinitionBody.fromChainable(definition),
    stateMachineType: StateMachineType.STANDARD,
    tracingEnabled: true,
    logs: {
      destination: new LogGroup(scope, `${id}Logs`, {
        retention: RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      level: LogLevel.ALL,
      includeExecutionData: false,
    },
  });
