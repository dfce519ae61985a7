import { createHash, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT } from './template';

/*
 * The stand-in for the one SQS queue of the stack, the dead-letter queue of every asynchronous path
 * (infra/operations.ts): what the local Lambda's asynchronous invocations, the event bus and the
 * scheduler could not deliver lands here in the shapes AWS writes, so `growcycle redrive` is the same
 * command locally as on AWS. The calls it answers are those the redrive makes (and SendMessage).
 */

export const FAILED_INVOCATIONS_QUEUE = 'FailedInvocations';

type Attribute = { DataType: 'String'; StringValue: string };

type Message = {
  MessageId: string;
  Body: string;
  MessageAttributes: Record<string, Attribute>;
  receiptHandle?: string;
  /** Epoch ms until which a received message is hidden from the next receive. */
  invisibleUntil: number;
};

export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** How long a received message stays hidden, as SQS's default visibility timeout. */
const VISIBILITY_MS = 30_000;

export class LocalQueue {
  private readonly messages: Message[] = [];

  constructor(readonly name: string = FAILED_INVOCATIONS_QUEUE) {}

  url(endpoint: string): string {
    return `${endpoint.replace(/\/$/, '')}/${LOCAL_ACCOUNT}/${this.name}`;
  }

  get length(): number {
    return this.messages.length;
  }

  send(body: string, attributes: Record<string, string> = {}): string {
    const id = randomUUID();
    this.messages.push({
      MessageId: id,
      Body: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
      invisibleUntil: 0,
    });
    return id;
  }

  receive(max: number, at = Date.now()) {
    const visible = this.messages
      .filter((m) => m.invisibleUntil <= at)
      .slice(0, Math.min(Math.max(max, 1), 10));
    return visible.map((m) => {
      m.receiptHandle = randomUUID();
      m.invisibleUntil = at + VISIBILITY_MS;
      return {
        MessageId: m.MessageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: createHash('md5').update(m.Body).digest('hex'),
        Body: m.Body,
        ...(Object.keys(m.MessageAttributes).length ? { MessageAttributes: m.MessageAttributes } : {}),
      };
    });
  }

  /** A received message's visibility timeout, from now (0: visible again at once). */
  changeVisibility(receiptHandle: string, seconds: number, at = Date.now()): void {
    const found = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!found)
      throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${receiptHandle}" is not valid.`);
    found.invisibleUntil = at + seconds * 1000;
  }

  delete(receiptHandle: string): void {
    const i = this.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (i < 0)
      throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${receiptHandle}" is not valid.`);
    this.messages.splice(i, 1);
  }
}

/** The SQS JSON protocol's calls for the queue, by `X-Amz-Target`. */
export const sqsHandlers = (
  queue: LocalQueue,
  endpoint: () => string,
): Record<string, (body: Record<string, unknown>) => unknown> => {
  const named = (body: Record<string, unknown>) => {
    const url = String(body.QueueUrl ?? '');
    if (!url.endsWith(`/${queue.name}`))
      throw new SqsError('QueueDoesNotExist', `The specified queue ${url} does not exist.`);
  };
  return {
    'AmazonSQS.GetQueueUrl': (b) => {
      if (b.QueueName !== queue.name)
        throw new SqsError('QueueDoesNotExist', `The specified queue ${String(b.QueueName)} does not exist.`);
      return { QueueUrl: queue.url(endpoint()) };
    },
    'AmazonSQS.SendMessage': (b) => {
      named(b);
      const attributes = Object.fromEntries(
        Object.entries((b.MessageAttributes ?? {}) as Record<string, Attribute>).map(([k, v]) => [
          k,
          v.StringValue,
        ]),
      );
      return { MessageId: queue.send(String(b.MessageBody ?? ''), attributes) };
    },
    'AmazonSQS.ReceiveMessage': (b) => {
      named(b);
      return { Messages: queue.receive(Number(b.MaxNumberOfMessages ?? 1)) };
    },
    'AmazonSQS.DeleteMessage': (b) => {
      named(b);
      queue.delete(String(b.ReceiptHandle));
      return {};
    },
    'AmazonSQS.ChangeMessageVisibility': (b) => {
      named(b);
      queue.changeVisibility(String(b.ReceiptHandle), Number(b.VisibilityTimeout ?? 0));
      return {};
    },
    'AmazonSQS.GetQueueAttributes': (b) => {
      named(b);
      return { Attributes: { ApproximateNumberOfMessages: String(queue.length) } };
    },
  };
};
