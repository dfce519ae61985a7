import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
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
 * (infra/operations.ts) back to the function that failed it, then deletes it. A message is one of
 * two shapes: a function's on-failure record (Lambda gave up after its retries: the event is its
 * `requestPayload`, the function its `requestContext.functionArn`), or an event that EventBridge or
 * Scheduler could not deliver (the event is the body, the function the `TARGET_ARN` attribute). Every
 * function behind these paths is safe to run twice, so a redrive never sends an email twice.
 */

const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(?::[^:]+)?$/;

const OnFailureRecord = z.object({
  requestContext: z.object({ functionArn: z.string().regex(FUNCTION_ARN), condition: z.string().optional() }),
  requestPayload: z.unknown(),
  responsePayload: z.object({ errorType: z.string().optional() }).passthrough().nullish(),
});

export type Redrivable = { functionName: string; payload: string; error?: string };

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
  const target = FUNCTION_ARN.exec(message.MessageAttributes?.TARGET_ARN?.StringValue ?? '');
  if (!target?.[1]) return undefined;
  const error = message.MessageAttributes?.ERROR_CODE?.StringValue;
  return { functionName: target[1], payload: message.Body ?? '{}', ...(error ? { error } : {}) };
};

export type RedriveOutcome = { redriven: number; left: number; byFunction: Record<string, number> };

/**
 * Receives every visible message, invokes its function asynchronously with its event and deletes it
 * once Lambda accepted the invocation; a message of neither shape stays in the queue and is counted
 * as left. With `dryRun`, only counts, and makes each message visible again at once.
 */
export const redrive = async (options: {
  sqs: SQSClient;
  lambda: LambdaClient;
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
      options.onMessage?.(target?.functionName, target?.error);
      if (!target) {
        outcome.left += 1;
        continue;
      }
      outcome.byFunction[target.functionName] = (outcome.byFunction[target.functionName] ?? 0) + 1;
      if (options.dryRun) continue;
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
