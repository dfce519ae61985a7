import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';

/*
 * `growcycle redrive`: sends what the dead-letter queue of the asynchronous paths holds
 * (infra/operations.ts) back to where it failed, then deletes it. A message is one of three shapes: a
 * function's on-failure record (Lambda gave up after its retries: the event is its
 * `requestPayload`, the function its `requestContext.functionArn`), an event that EventBridge or
 * Scheduler could not deliver to a function (the event is the body, the function the `TARGET_ARN`
 * attribute), or a cycle's start that Scheduler could not make (`TARGET_ARN` is Step Functions'
 * StartExecution, the body its request). Every function behind these paths is safe to run twice,
 * and an execution's name is deterministic, so a redrive never sends an email or starts a cycle twice.
 */

/** Scheduler's target for starting an execution (domain/platform/schedules.ts START_EXECUTION_TARGET). */
export const START_EXECUTION = 'arn:aws:scheduler:::aws-sdk:sfn:startExecution';

const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(?::[^:]+)?$/;

const OnFailureRecord = z.object({
  requestContext: z.object({ functionArn: z.string().regex(FUNCTION_ARN), condition: z.string().optional() }),
  requestPayload: z.unknown(),
  responsePayload: z.object({ errorType: z.string().optional() }).passthrough().nullish(),
});

const StartRequest = z.object({
  StateMachineArn: z.string().min(1),
  Name: z.string().min(1),
  Input: z.string(),
});

/** Where a message goes back to: a function (invoked with `payload`) or an execution's start. */
export type Redrivable =
  | { functionName: string; payload: string; error?: string }
  | { start: z.infer<typeof StartRequest>; error?: string };

/** How the command names a message's target: the function, or the execution it starts. */
export const targetName = (r: Redrivable): string =>
  'start' in r ? `start of ${r.start.Name}` : r.functionName;

/** Where a message goes back to, and with what; undefined when it is neither shape. */
export const redrivableOf = (
  message: Pick<Message, 'Body' | 'MessageAttributes'>,
): Redrivable | undefined => {
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return undefined;
  }
  const record = OnFailureRecord.safeParse(body);
  if (record.success) {
    const { requestContext, requestPayload, responsePayload } = record.data;
    return {
      functionName: FUNCTION_ARN.exec(requestContext.functionArn)?.[1] ?? '',
      payload: JSON.stringify(requestPayload ?? {}),
      ...(responsePayload?.errorType ? { error: responsePayload.errorType } : {}),
    };
  }
  const targetArn = message.MessageAttributes?.TARGET_ARN?.StringValue ?? '';
  const error = message.MessageAttributes?.ERROR_CODE?.StringValue;
  const failed = error ? { error } : {};
  if (targetArn === START_EXECUTION) {
    const start = StartRequest.safeParse(body);
    return start.success ? { start: start.data, ...failed } : undefined;
  }
  const target = FUNCTION_ARN.exec(targetArn);
  if (!target?.[1]) return undefined;
  return { functionName: target[1], payload: message.Body ?? '{}', ...failed };
};

/** `byFunction` counts the messages sent again by target: a function, or `start of <execution>`. */
export type RedriveOutcome = { redriven: number; left: number; byFunction: Record<string, number> };

/**
 * Receives every visible message, invokes its function asynchronously with its event (or starts its
 * execution) and deletes it once Lambda (or Step Functions) accepted it; a message of no known shape
 * stays in the queue and is counted as left. With `dryRun`, only counts, and makes each message visible again at once.
 */
export const redrive = async (options: {
  sqs: SQSClient;
  lambda: LambdaClient;
  sfn: SFNClient;
  queueUrl: string;
  dryRun: boolean;
  onMessage?: (functionName: string | undefined, error: string | undefined) => void;
}): Promise<RedriveOutcome> => {
  const outcome: RedriveOutcome = { redriven: 0, left: 0, byFunction: {} };
  const seen = new Set<string>();
  for (;;) {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    // A dry run hands every message it received straight back, or it would hide them for a while.
    if (options.dryRun)
      for (const message of Messages)
        await options.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: options.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
    const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) return outcome;
    for (const message of fresh) {
      seen.add(message.MessageId ?? '');
      const target = redrivableOf(message);
      const name = target && targetName(target);
      options.onMessage?.(name, target?.error);
      if (!target || !name) {
        outcome.left += 1;
        continue;
      }
      outcome.byFunction[name] = (outcome.byFunction[name] ?? 0) + 1;
      if (options.dryRun) continue;
      if ('start' in target) {
        const { StateMachineArn, Name, Input } = target.start;
        await options.sfn
          .send(new StartExecutionCommand({ stateMachineArn: StateMachineArn, name: Name, input: Input }))
          .catch((error: unknown) => {
            // Started meanwhile (Scheduler's own retry got through): what the redrive was for.
            if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
          });
      } else
        await options.lambda.send(
          new InvokeCommand({
            FunctionName: target.functionName,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(target.payload),
          }),
        );
      await options.sqs.send(
        new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      outcome.redriven += 1;
    }
  }
};
