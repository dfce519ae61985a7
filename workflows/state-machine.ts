import { RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  Fail,
  type IChainable,
  JsonPath,
  LogLevel,
  Map as MapState,
  Parallel,
  Pass,
  Result,
  State,
  StateMachine,
  StateMachineType,
  TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { invokeStep } from './human-step';

/**
 * What a workflow does with a step that failed after its retries: the Lambda that records it
 * (functions/steps/record-failure.ts) and the ids it is recorded under, as paths into the state's
 * input (present in every state's input: each workflow keeps its own input at the root).
 */
export type OnFailure = { recordFailure: IFunction; about: Record<string, unknown> };

/** Where a caught failure is put in the state's input: Catch's `{ Error, Cause }`. */
const FAILURE_PATH = '$.failure';

/**
 * A Catch of every error on every state that can have one (tasks, and a Parallel for whatever fails
 * in its branches), each through a Pass that names the state, to one step that records the failure,
 * tells HR and counts the failed part off what waits for it; then the execution fails, so it shows
 * (and is alarmed) as failed. Catchers already on a state (a wait's timeout and wake) keep matching
 * first: this one comes last. A caught failure costs three transitions; no failure costs nothing.
 */
const catchEveryFailure = (scope: Construct, start: State, onFailure: OnFailure): void => {
  const states = State.findReachableStates(start, { includeErrorHandlers: true });
  const record = invokeStep(
    scope,
    'Record the failure and tell HR',
    onFailure.recordFailure,
    {
      ...onFailure.about,
      executionArn: JsonPath.stringAt('$$.Execution.Id'),
      state: JsonPath.stringAt('$.failedState'),
      error: JsonPath.stringAt(`${FAILURE_PATH}.Error`),
    },
    JsonPath.DISCARD,
  ).next(
    new Fail(scope, 'Failed, recorded for HR', {
      error: 'StepFailed',
      cause: 'A step failed after its retries',
    }),
  );
  for (const state of states) {
    if (!(state instanceof TaskStateBase || state instanceof Parallel || state instanceof MapState)) continue;
    const named = new Pass(scope, `Failed: ${state.stateId}`, {
      result: Result.fromString(state.stateId),
      resultPath: '$.failedState',
    }).next(record);
    state.addCatch(named, { errors: ['States.ALL'], resultPath: FAILURE_PATH });
  }
};

/**
 * Standard workflows (human steps wait for weeks, beyond Express limits) with X-Ray and logging of
 * every event but without execution data, so no personal data reaches the logs. Every step's
 * failure is caught and recorded (`catchEveryFailure`).
 */
export const standardStateMachine = (
  scope: Construct,
  id: string,
  definition: IChainable,
  onFailure: OnFailure,
): StateMachine => {
  catchEveryFailure(scope, definition.startState, onFailure);
  return new StateMachine(scope, id, {
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
};
