import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { Journal } from './journal';
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

const Kept = z.object({
  MessageId: z.string(),
  Body: z.string(),
  MessageAttributes: z.record(
    z.string(),
    z.object({ DataType: z.literal('String'), StringValue: z.string() }),
  ),
});
/** The queue's journal: each message sent, and each deleted by its id. */
const JournalRecord = z.union([z.object({ sent: Kept }), z.object({ deleted: z.string() })]);
type JournalRecord = z.infer<typeof JournalRecord>;

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

/**
 * When the stack persists (`npm start`), the queue keeps its messages in a journal under the data
 * folder, as SQS keeps them through anything that happens to the code: failed work waiting for a
 * redrive is still there after a restart. Receipts and visibility are not kept: after a restart every
 * message is visible again, as one received but never deleted is on SQS once its timeout ends.
 */
export class LocalQueue {
  private readonly messages: Message[] = [];
  private readonly journal: Journal<JournalRecord> | undefined;

  constructor(
    readonly name: string = FAILED_INVOCATIONS_QUEUE,
    journalFile?: string,
  ) {
    this.journal = journalFile ? new Journal(journalFile, JournalRecord) : undefined;
    this.load();
  }

  private load(): void {
    if (!this.journal) return;
    const kept = new Map<string, z.infer<typeof Kept>>();
    for (const r of this.journal.read()) {
      if ('sent' in r) kept.set(r.sent.MessageId, r.sent);
      else kept.delete(r.deleted);
    }
    for (const m of kept.values()) this.messages.push({ ...m, invisibleUntil: 0 });
    this.journal.rewrite([...kept.values()].map((sent) => ({ sent })));
  }

  /** Stops keeping changes (the stack is shutting down). */
  close(): void {
    this.journal?.close();
  }

  url(endpoint: string): string {
    return `${endpoint.replace(/\/$/, '')}/${LOCAL_ACCOUNT}/${this.name}`;
  }

  get length(): number {
    return this.messages.length;
  }

  send(body: string, attributes: Record<string, string> = {}): string {
    const sent = {
      MessageId: randomUUID(),
      Body: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String' as const, StringValue: v }]),
      ),
    };
    this.messages.push({ ...sent, invisibleUntil: 0 });
    this.journal?.append({ sent });
    return sent.MessageId;
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
    const [deleted] = this.messages.splice(i, 1);
    if (deleted) this.journal?.append({ deleted: deleted.MessageId });
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
