import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  type IChainable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type State,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { WAKE_ERROR } from '../domain/platform/executions';

/*
 * The states of a human step, shared by every workflow: open the request, wait for its answer or
 * the next wake-up, check on it. This is the state-machine layer of one thing whose Lambda is
 * functions/steps/human-step.ts and whose rules live in domain/human-steps/. Also the retries every
 * step Lambda gets.
 */

export type HumanStepNames = {
  /** e.g. "Send self-assessment request" */
  open: string;
  /** e.g. "Wait for self-assessment" */
  wait: string;
  /** e.g. "Check on self-assessment" */
  check: string;
};

export const STEP_TIMEOUT = Duration.seconds(60);

/** Every step's payload names its execution, which each of the step's log lines then carries. */
const EXECUTION_NAME = JsonPath.stringAt('$$.Execution.Name');

/**
 * Errors that say "not now" rather than "never": DynamoDB and SES throttling, a transaction that met
 * another, a service's passing fault, a connection that timed out. The SDK has retried each a few
 * times already; the workflow waits longer, with jitter, so many executions meeting the same
 * throttle do not retry in step.
 */
export const TRANSIENT_ERRORS = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TooManyRequestsException',
  'Lambda.TooManyRequestsException',
  // The SDK's own name for a connection that timed out or was reset on the way.
  'TimeoutError',
];

/** Lambda's own errors, which LambdaInvoke would retry without jitter (`retryOnServiceExceptions`). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];

/**
 * Retries that every step Lambda gets, in place of LambdaInvoke's own retry of Lambda service errors.
 * EmailThrottled (the shared send rate, or SES, said "not this second"): soon, jittered so a burst
 * spreads over the following seconds instead of retrying in lockstep, and patient enough (60
 * attempts, about a quarter of an hour) to drain a burst of thousands at 14 emails a second. The
 * cycle's launch spaces its reviews' send slots, so its first emails rarely need this at all.
 * Transient errors: five more attempts over about a minute. Any other error: twice more, since every
 * step is idempotent and an unexpected error may have been a passing one, and a step that wakes a
 * wait calls the resume function, so one attempt can meet the step's own passing failure and the
 * next that function's. A wait's task is woken by
 * an error (WAKE_ERROR) that must reach its catcher, so for a task that `wakes` that error comes
 * first, never retried.
 */
export const withRetries = (task: LambdaInvoke, { wakes }: { wakes: boolean }): LambdaInvoke => {
  if (wakes) task.addRetry({ errors: [WAKE_ERROR], maxAttempts: 0 });
  // LambdaInvoke's own retry of these, jittered: many executions meeting one Lambda fault spread out.
  task.addRetry({
    errors: LAMBDA_SERVICE_ERRORS,
    interval: Duration.seconds(2),
    backoffRate: 2,
    jitterStrategy: JitterType.FULL,
    maxAttempts: 6,
  });
  task.addRetry({ errors: ['EmailInFlight'], interval: Duration.minutes(1), maxAttempts: 5, backoffRate: 2 });
  task.addRetry({
    errors: ['EmailThrottled'],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxDelay: Duration.seconds(30),
    jitterStrategy: JitterType.FULL,
    maxAttempts: 60,
  });
  task.addRetry({
    errors: TRANSIENT_ERRORS,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxDelay: Duration.seconds(30),
    jitterStrategy: JitterType.FULL,
    maxAttempts: 5,
  });
  task.addRetry({
    errors: ['States.TaskFailed'],
    interval: Duration.seconds(5),
    jitterStrategy: JitterType.FULL,
    maxAttempts: 2,
  });
  return task;
};

export const invokeStep = (
  scope: Construct,
  name: string,
  fn: IFunction,
  payload: Record<string, unknown>,
  resultPath: string,
): LambdaInvoke =>
  withRetries(
    new LambdaInvoke(scope, name, {
      lambdaFunction: fn,
      payload: TaskInput.fromObject({ ...payload, executionName: EXECUTION_NAME }),
      payloadResponseOnly: true,
      resultPath,
      taskTimeout: Timeout.duration(STEP_TIMEOUT),
      retryOnServiceExceptions: false,
    }),
    { wakes: false },
  );

/**
 * A task that hands its Lambda a task token and waits for it (`.waitForTaskToken`) until the time at
 * `timeoutPath`, in seconds. Its Lambda's errors are retried as a step's are (`withRetries`); a wake
 * (WAKE_ERROR) and the timeout are for the caller's catcher.
 */
export const callbackStep = (
  scope: Construct,
  name: string,
  fn: IFunction,
  payload: Record<string, unknown>,
  resultPath: string,
  timeoutPath: string,
): LambdaInvoke =>
  withRetries(
    new LambdaInvoke(scope, name, {
      lambdaFunction: fn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        ...payload,
        taskToken: JsonPath.taskToken,
        executionName: EXECUTION_NAME,
      }),
      resultPath,
      taskTimeout: Timeout.at(timeoutPath),
      retryOnServiceExceptions: false,
    }),
    { wakes: true },
  );

/**
 * A human step: send the request, then wait for "answered, or the next wake-up, whichever comes
 * first". The wait is a .waitForTaskToken task whose timeout is the time to the next reminder,
 * escalation or close; on timeout (or a wake sent from outside, WAKE_ERROR) the check reads the
 * request afresh and reminds, escalates or expires it, then waits again with a new token. The wait
 * itself decides whether to go on: arming a request that is already settled (answered, expired)
 * completes the wait at once with its outcome, so no Choice is needed and a punctual answer costs two
 * state transitions, a wake-up two more. Without `next` the step ends its branch.
 * `$.step` carries { requestId, outcome, wakeInSeconds }. `armWith` adds fields to the wait's
 * payload (the review's last step names the review, whose end its settling is).
 */
export const humanStep = (
  scope: Construct,
  names: HumanStepNames,
  fn: IFunction,
  requestIdPath: string,
  next?: IChainable & State,
  armWith: Record<string, unknown> = {},
): LambdaInvoke => {
  const open = invokeStep(
    scope,
    names.open,
    fn,
    { action: 'open', requestId: JsonPath.stringAt(requestIdPath) },
    '$.step',
  );
  const wait = callbackStep(
    scope,
    names.wait,
    fn,
    { action: 'arm', requestId: JsonPath.stringAt('$.step.requestId'), ...armWith },
    '$.step',
    '$.step.wakeInSeconds',
  );
  const check = invokeStep(
    scope,
    names.check,
    fn,
    { action: 'wake', requestId: JsonPath.stringAt('$.step.requestId') },
    '$.step',
  );
  wait.addCatch(check, { errors: ['States.Timeout', WAKE_ERROR], resultPath: JsonPath.DISCARD });
  check.next(wait);
  if (next) wait.next(next);
  open.next(wait);
  return open;
};

/**
 * The wait of a group human step (domain/human-steps/group.ts): one token for several requests, so k
 * people answering on time cost two state transitions (open, wait) as one person does, and each
 * wake-up two more (check, wait), whatever k. Whatever opens the group (`openGroup`) writes its state
 * { requestIds, outcome, wakeInSeconds } at `statePath` and goes on to the returned wait; the wait ends
 * once every member is answered or expired. Without `next` it ends its branch.
 */
export const groupWait = (
  scope: Construct,
  names: Omit<HumanStepNames, 'open'>,
  fn: IFunction,
  statePath: string,
  next?: IChainable & State,
): LambdaInvoke => {
  const wait = callbackStep(
    scope,
    names.wait,
    fn,
    { action: 'armGroup', requestIds: JsonPath.listAt(`${statePath}.requestIds`) },
    statePath,
    `${statePath}.wakeInSeconds`,
  );
  const check = invokeStep(
    scope,
    names.check,
    fn,
    { action: 'wakeGroup', requestIds: JsonPath.listAt(`${statePath}.requestIds`) },
    statePath,
  );
  wait.addCatch(check, { errors: ['States.Timeout', WAKE_ERROR], resultPath: JsonPath.DISCARD });
  check.next(wait);
  if (next) wait.next(next);
  return wait;
};
