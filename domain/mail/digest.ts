import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { recipientSlot, type SendWindow, spreadWithinHour } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { scheduleInvoke } from '../platform/schedules';
import { type DigestItem, db, ignoreConditionFailure } from '../platform/table';
import { EmailInFlightError, EmailThrottledError } from './send';

/*
 * Digests: one email per person per send time. In a cycle with a send window, what a request owes
 * its recipient (the invitation, a reminder, an escalation) is not sent at once but queued as a
 * digest item for a send time: the recipient's own point in their send hour, rounded to
 * SEND_TIME_INTERVAL_MS. A one-time schedule per send time runs the digest delivery, which sends each
 * recipient everything queued for them as one email: a manager with eight reports gets one email
 * listing eight appraisals, not eight. Emails are written at delivery, from the requests as they are
 * then, so an answered request is never mentioned again.
 *
 * Exactly once: an item is queued only while its send time is not closed, so the delivery, which
 * closes the send time before reading its items (strongly consistent), never misses one queued late:
 * that one goes to the next send time instead. A reminder or escalation is queued in one transaction
 * with the request's own progress (remindersSent, escalationsSent), so a retried step finds it
 * queued; an invitation is queued for the time the request's opening recorded, and the item itself is
 * the proof (delivered items are kept, marked, until the table's TTL removes them). Each email keeps
 * an idempotency key (the request's own for a single item, `digest#recipient#time` for several), so a
 * delivery retried after a crash sends nothing twice.
 */

export const SEND_TIME_INTERVAL_MS = 5 * 60_000;
/** A send time less than this far ahead is not taken: the item's transaction must land before it. */
const LEAD_MS = 30_000;

/**
 * A person's own point in the send hour, in its first 50 minutes: what wakes there is queued for the
 * next send time at the latest, which is still inside the hour.
 */
export const personalSpreadSeconds = (personId: string): number => spreadWithinHour(personId) % 3000;

/** The recipient's own send window: the cycle's send hour and quiet days, their zone and their point in the hour. */
export const recipientWindow = (w: SendWindow, recipientId: string, timeZone: string): SendWindow => ({
  ...w,
  timeZone,
  spreadSeconds: personalSpreadSeconds(recipientId),
});

/** The send time a moment falls in: rounded down to SEND_TIME_INTERVAL_MS. */
export const onGrid = (t: number): Date =>
  new Date(Math.floor(t / SEND_TIME_INTERVAL_MS) * SEND_TIME_INTERVAL_MS);

/**
 * The send time for an item queued at `at`: the recipient's slot (recipientSlot) rounded down to
 * the interval, or, once that has passed, the next send time at least LEAD_MS ahead.
 */
export const sendTime = (at: Date, w: SendWindow): Date => {
  const slot = recipientSlot(at, w).getTime();
  const earliest = at.getTime() + LEAD_MS;
  const rounded = onGrid(slot).getTime();
  if (rounded >= earliest) return new Date(rounded);
  return new Date(Math.ceil(Math.max(slot, earliest) / SEND_TIME_INTERVAL_MS) * SEND_TIME_INTERVAL_MS);
};

export type QueuedItem = Pick<
  DigestItem,
  'recipientId' | 'key' | 'requestId' | 'purpose' | 'index' | 'assignment'
> & {
  /** The recipient's send window (recipientWindow). */
  window: SendWindow;
} & (
    | {
        /**
         * The request's progress, as an Update for the same transaction, given the send time; its
         * condition failing means the item was queued before (a retry) or is no longer owed.
         */
        progress: Progress;
        /** Sent no earlier than the recipient's first send time after this (a round's summary). */
        after?: Date | undefined;
      }
    | {
        /**
         * The send time the request recorded when it opened (its `inviteAt`): the item itself is
         * the proof of queueing. Found there (delivered or not), it was queued; its send time
         * closed without it, the next one is tried, the same way on every retry.
         */
        sendAt: Date;
      }
  );

/** The request's progress written with its item, given the send time. */
export type Progress = (sendAt: Date) => TransactUpdate;

type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

type Cancelled = { CancellationReasons?: Array<{ Code?: string }> };

/**
 * Queues an item; returns its send time, or undefined when the request's progress says it was
 * queued before or is no longer owed. A closed send time moves the item to the next one.
 */
export const queueItem = async (p: QueuedItem, at: Date = now()): Promise<Date | undefined> => {
  const { digestItem, digestRun } = db();
  let sendAt = 'sendAt' in p ? p.sendAt : sendTime(p.after && p.after > at ? p.after : at, p.window);
  for (let attempt = 0; attempt < 48; attempt++) {
    const iso = sendAt.toISOString();
    // Scheduled first: a retry that finds the item queued (and so returns) knows its delivery is too.
    await ensureDelivery(iso);
    const item = {
      sendAt: iso,
      recipientId: p.recipientId,
      key: p.key,
      requestId: p.requestId,
      purpose: p.purpose,
      index: p.index,
      assignment: p.assignment,
      queuedAt: at.toISOString(),
      expiresAt: Math.floor(sendAt.getTime() / 1000) + config.digestRetentionDays * 86_400,
    };
    const open = digestRun
      .update({ sendAt: iso })
      .set({ lastQueuedAt: at.toISOString() })
      .where((a, op) => op.notExists(a.closedAt))
      .params() as TransactUpdate;
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems:
            'progress' in p
              ? [{ Update: open }, { Put: digestItem.put(item).params() }, { Update: p.progress(sendAt) }]
              : [
                  // The send time still open: checked, not written (a check costs what a write does,
                  // but spares the write of a second item).
                  {
                    ConditionCheck: {
                      TableName: open.TableName,
                      Key: open.Key,
                      ConditionExpression: 'attribute_not_exists(#closedAt)',
                      ExpressionAttributeNames: { '#closedAt': 'closedAt' },
                    },
                  },
                  { Put: digestItem.create(item).params() },
                ],
        }),
      );
      return sendAt;
    } catch (error) {
      const reasons = (error as Cancelled).CancellationReasons;
      if (!reasons) throw error;
      if ('progress' in p) {
        if (reasons[2]?.Code === 'ConditionalCheckFailed') return undefined;
      } else {
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return sendAt;
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const queued = await digestItem
            .get({ sendAt: iso, recipientId: p.recipientId, key: p.key })
            .go({ consistent: true });
          if (queued.data) return sendAt;
        }
      }
      if (reasons[0]?.Code !== 'ConditionalCheckFailed') throw error;
      sendAt = new Date(sendAt.getTime() + SEND_TIME_INTERVAL_MS);
    }
  }
  throw new Error(`No open send time after ${sendAt.toISOString()}`);
};

export const digestScheduleName = (sendAt: string): string =>
  `digest-${sendAt.slice(0, 16).replace(/[-:]/g, '')}`;

/** The delivery's schedule for a send time, created by its first item (a retry finds it made). */
const ensureDelivery = async (sendAt: string): Promise<void> => {
  const { digestRun } = db();
  const run = (await digestRun.get({ sendAt }).go({ consistent: true })).data;
  if (run?.scheduledAt) return;
  await scheduleInvoke({
    name: digestScheduleName(sendAt),
    at: new Date(sendAt),
    functionArn: config.digestFunctionArn,
    input: { sendAt },
  });
  await digestRun
    .update({ sendAt })
    .set({ scheduledAt: now().toISOString(), day: sendAt.slice(0, 10) })
    .go({ response: 'none' });
};

/** How long past its send time a delivery may still be running before the sweep takes it on. */
const SWEEP_GRACE_MS = 20 * 60_000;

/**
 * The safety net under the one-time schedules: every send time in the `hours` before now whose
 * delivery was scheduled but never finished (the schedule lost, every attempt failed) is delivered
 * now. A delivery sends nothing twice, so one still running, or one the sweep and its schedule both
 * run, sends each email once.
 */
export const sweepDigests = async (
  hours: number,
  deliver: DeliverDigest,
): Promise<{ delivered: string[] }> => {
  const at = now().getTime();
  const from = new Date(at - hours * 3_600_000).toISOString();
  const until = new Date(at - SWEEP_GRACE_MS).toISOString();
  const days = [...new Set([from.slice(0, 10), until.slice(0, 10)])];
  const runs = (
    await Promise.all(
      days.map(async (day) => (await db().digestRun.query.byDay({ day }).go({ pages: 'all' })).data),
    )
  ).flat();
  const missed = runs
    .filter((r) => !r.deliveredAt && r.sendAt >= from && r.sendAt <= until)
    .map((r) => r.sendAt)
    .sort();
  for (const sendAt of missed) await deliverDigests(sendAt, deliver);
  return { delivered: missed };
};

/** Sends one recipient's digest: their items at one send time (or skips those no longer owed). */
export type DeliverDigest = (recipientId: string, items: DigestItem[], sendAt: string) => Promise<void>;

const DELIVERY_CONCURRENCY = 8;

/**
 * Retries a send held back by the shared send rate (jittered, so concurrent deliveries spread over
 * the following seconds), and one another attempt is still sending (briefly, then gives up so the
 * invocation's own retry finds it sent).
 */
export const withSendRetry = async <T>(send: () => Promise<T>): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (error instanceof EmailThrottledError && attempt < 3600) {
        await sleep(100 + Math.random() * 900);
        continue;
      }
      if (error instanceof EmailInFlightError && attempt < 5) {
        await sleep(2000);
        continue;
      }
      throw error;
    }
  }
};

/**
 * The delivery for one send time: closes it (no more items for it), reads its items, and delivers
 * them recipient by recipient, marking each recipient's items delivered once they went out. A
 * retried run skips the delivered ones and delivers the rest.
 */
export const deliverDigests = async (
  sendAt: string,
  deliver: DeliverDigest,
): Promise<{ recipients: number }> => {
  const { digestItem, digestRun } = db();
  await digestRun
    .update({ sendAt })
    .set({ closedAt: now().toISOString() })
    .where((a, op) => op.notExists(a.closedAt))
    .go({ response: 'none' })
    .catch(ignoreConditionFailure);
  const items = (
    await digestItem.query.bySendTime({ sendAt }).go({ consistent: true, pages: 'all' })
  ).data.filter((item) => !item.deliveredAt);
  const byRecipient = new Map<string, DigestItem[]>();
  for (const item of items)
    byRecipient.set(item.recipientId, [...(byRecipient.get(item.recipientId) ?? []), item]);
  const queue = [...byRecipient];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [recipientId, own] = next;
      await deliver(recipientId, own, sendAt);
      // Kept, marked delivered: a retried run skips them, and a retried queueing finds them.
      const deliveredAt = now().toISOString();
      await digestItem.put(own.map((item) => ({ ...item, deliveredAt }))).go();
    }
  };
  await Promise.all(Array.from({ length: DELIVERY_CONCURRENCY }, worker));
  await digestRun.patch({ sendAt }).set({ deliveredAt: now().toISOString() }).go();
  return { recipients: byRecipient.size };
};
