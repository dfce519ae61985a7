import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { recipientSlot, type SendWindow, spreadWithinHour } from './calendar';
import { documentClient } from './clients';
import { now } from './clock';
import { config } from './config';
import { db, type Letter } from './db';
import { isConditionFailure } from './errors';
import { EmailInFlightError, EmailThrottledError } from './mailer';
import { scheduleInvoke } from './schedules';

/*
 * The post: in a cycle with a send window, what a request owes its recipient (the invitation, a
 * reminder, an escalation) is not sent at once but posted as a letter for a post time, the
 * recipient's own point in their send hour rounded to POST_INTERVAL. A one-time schedule per post
 * time runs the postman, who sends each recipient everything posted for them as one email: a manager
 * with eight reports gets one email listing eight appraisals, not eight. Emails are written at
 * delivery, from the requests as they are then, so an answered request is never mentioned again.
 *
 * Exactly once: a letter is posted only while its post time is not closed, so the postman, who
 * closes the post time before reading its letters (strongly consistent), never misses one posted
 * late: that one goes to the next post time instead. A reminder or escalation is posted in one
 * transaction with the request's own progress (remindersSent, escalationsSent), so a retried step
 * finds it posted; an invitation is posted for the time the request's opening recorded, and the
 * letter itself is the proof (delivered letters are kept, marked, until the table's TTL removes
 * them). Each email keeps an idempotency key (the request's own for a single letter,
 * `digest#recipient#time` for several), so a postman run retried after a crash sends nothing twice.
 */

export const POST_INTERVAL_MS = 5 * 60_000;
/** A post time less than this far ahead is not taken: the letter's transaction must land before it. */
const LEAD_MS = 30_000;

/**
 * A person's own point in the send hour, in its first 50 minutes: what wakes there is posted for the
 * next post time at the latest, which is still inside the hour.
 */
export const personalSpreadSeconds = (personId: string): number => spreadWithinHour(personId) % 3000;

/** The recipient's own send window: the cycle's send hour and quiet days, their zone and their point in the hour. */
export const recipientWindow = (w: SendWindow, recipientId: string, timeZone: string): SendWindow => ({
  ...w,
  timeZone,
  spreadSeconds: personalSpreadSeconds(recipientId),
});

/**
 * The post time for a letter posted at `at`: the recipient's slot (recipientSlot) rounded down to
 * the post interval, or, once that has passed, the next post time at least LEAD_MS ahead.
 */
export const postTime = (at: Date, w: SendWindow): Date => {
  const slot = recipientSlot(at, w).getTime();
  const earliest = at.getTime() + LEAD_MS;
  const rounded = Math.floor(slot / POST_INTERVAL_MS) * POST_INTERVAL_MS;
  if (rounded >= earliest) return new Date(rounded);
  return new Date(Math.ceil(Math.max(slot, earliest) / POST_INTERVAL_MS) * POST_INTERVAL_MS);
};

export type Posting = Pick<
  Letter,
  'recipientId' | 'key' | 'requestId' | 'purpose' | 'index' | 'assignment'
> & {
  /** The recipient's send window (recipientWindow). */
  window: SendWindow;
} & (
    | {
        /**
         * The request's progress, as an Update for the same transaction, given the post time; its
         * condition failing means the letter was posted before (a retry) or is no longer owed.
         */
        progress: Progress;
      }
    | {
        /**
         * The post time the request recorded when it opened (its `inviteAt`): the letter itself is
         * the proof of posting. Found there (delivered or not), it was posted; its post time
         * closed without it, the next one is tried, the same way on every retry.
         */
        postAt: Date;
      }
  );

/** The request's progress written with its letter, given the post time. */
export type Progress = (postAt: Date) => TransactUpdate;

type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

type Cancelled = { CancellationReasons?: Array<{ Code?: string }> };

const LETTER_TTL_SECONDS = 30 * 86_400;

/**
 * Posts a letter; returns its post time, or undefined when the request's progress says it was
 * posted before or is no longer owed. A closed post time moves the letter to the next one.
 */
export const postLetter = async (p: Posting, at: Date = now()): Promise<Date | undefined> => {
  const { letter, postRun } = db();
  let postAt = 'postAt' in p ? p.postAt : postTime(at, p.window);
  for (let attempt = 0; attempt < 48; attempt++) {
    const iso = postAt.toISOString();
    // Scheduled first: a retry that finds the letter posted (and so returns) knows its delivery is too.
    await ensureDelivery(iso);
    const item = {
      postAt: iso,
      recipientId: p.recipientId,
      key: p.key,
      requestId: p.requestId,
      purpose: p.purpose,
      index: p.index,
      assignment: p.assignment,
      postedAt: at.toISOString(),
      expiresAt: Math.floor(postAt.getTime() / 1000) + LETTER_TTL_SECONDS,
    };
    const open = postRun
      .update({ postAt: iso })
      .set({ lastPostedAt: at.toISOString() })
      .where((a, op) => op.notExists(a.closedAt))
      .params() as TransactUpdate;
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems:
            'progress' in p
              ? [{ Update: open }, { Put: letter.put(item).params() }, { Update: p.progress(postAt) }]
              : [
                  // The post time still open: checked, not written (a check costs what a write does,
                  // but spares the write of a second item).
                  {
                    ConditionCheck: {
                      TableName: open.TableName,
                      Key: open.Key,
                      ConditionExpression: 'attribute_not_exists(#closedAt)',
                      ExpressionAttributeNames: { '#closedAt': 'closedAt' },
                    },
                  },
                  { Put: letter.create(item).params() },
                ],
        }),
      );
      return postAt;
    } catch (error) {
      const reasons = (error as Cancelled).CancellationReasons;
      if (!reasons) throw error;
      if ('progress' in p) {
        if (reasons[2]?.Code === 'ConditionalCheckFailed') return undefined;
      } else {
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return postAt;
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const posted = await letter
            .get({ postAt: iso, recipientId: p.recipientId, key: p.key })
            .go({ consistent: true });
          if (posted.data) return postAt;
        }
      }
      if (reasons[0]?.Code !== 'ConditionalCheckFailed') throw error;
      postAt = new Date(postAt.getTime() + POST_INTERVAL_MS);
    }
  }
  throw new Error(`No open post time after ${postAt.toISOString()}`);
};

export const postScheduleName = (postAt: string): string =>
  `post-${postAt.slice(0, 16).replace(/[-:]/g, '')}`;

/** The postman's schedule for a post time, created by its first letter (a retry finds it made). */
const ensureDelivery = async (postAt: string): Promise<void> => {
  const { postRun } = db();
  const run = (await postRun.get({ postAt }).go({ consistent: true })).data;
  if (run?.scheduledAt) return;
  await scheduleInvoke({
    name: postScheduleName(postAt),
    at: new Date(postAt),
    functionArn: config.postFunctionArn,
    input: { postAt },
  });
  await postRun.update({ postAt }).set({ scheduledAt: now().toISOString() }).go({ response: 'none' });
};

/** Sends one recipient's letters (or skips those no longer owed). */
export type Deliver = (recipientId: string, letters: Letter[], postAt: string) => Promise<void>;

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
 * The postman's run for one post time: closes it (no more letters for it), reads its letters, and
 * delivers them recipient by recipient, marking each recipient's letters delivered once they went
 * out. A retried run skips the delivered ones and delivers the rest.
 */
export const deliverPost = async (postAt: string, deliver: Deliver): Promise<{ recipients: number }> => {
  const { letter, postRun } = db();
  await postRun
    .update({ postAt })
    .set({ closedAt: now().toISOString() })
    .where((a, op) => op.notExists(a.closedAt))
    .go({ response: 'none' })
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  const letters = (
    await letter.query.byPostTime({ postAt }).go({ consistent: true, pages: 'all' })
  ).data.filter((l) => !l.deliveredAt);
  const byRecipient = new Map<string, Letter[]>();
  for (const l of letters) byRecipient.set(l.recipientId, [...(byRecipient.get(l.recipientId) ?? []), l]);
  const queue = [...byRecipient];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [recipientId, own] = next;
      await deliver(recipientId, own, postAt);
      // Kept, marked delivered: a retried run skips them, and a retried posting finds them.
      const deliveredAt = now().toISOString();
      await letter.put(own.map((l) => ({ ...l, deliveredAt }))).go();
    }
  };
  await Promise.all(Array.from({ length: DELIVERY_CONCURRENCY }, worker));
  await postRun.patch({ postAt }).set({ deliveredAt: now().toISOString() }).go();
  return { recipients: byRecipient.size };
};
