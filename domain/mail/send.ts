import { SendEmailCommand, type SendEmailCommandOutput } from '@aws-sdk/client-sesv2';
import { ses } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { logger } from '../platform/logger';
import { countMetric } from '../platform/metrics';
import { db, isConditionFailure } from '../platform/table';
import { oneLine } from '../platform/text';
import type { Email, EmailKind } from './compose';
import { takeSendSlot } from './send-rate';

/*
 * Sending an email once: an outbox row claimed with a conditional write before SES is called, the
 * shared send rate taken between the claim and SES, and the SES message id kept for bounces.
 */

/** Header that names what an email is for, so inboxes, the demo and the bench can tell them apart. */
export const KIND_HEADER = 'X-Growcycle-Kind';

/** A previous attempt claimed this email and may still be sending it; the step is retried later. */
export class EmailInFlightError extends Error {
  override name = 'EmailInFlight';
}

/**
 * The send rate is used up for this second (ours, or SES's own throttling): nothing was sent and the
 * outbox claim was given back, so the step's retry (short, jittered) sends it once later.
 */
export class EmailThrottledError extends Error {
  override name = 'EmailThrottled';
}

/** How SES says its sending rate is exceeded. */
const SES_THROTTLES = new Set(['TooManyRequestsException', 'Throttling', 'ThrottlingException']);

const STALE_CLAIM_MS = 5 * 60_000;
/** How long after a send that failed without an answer its claim may be taken over. */
const UNSURE_CLAIM_MS = 2 * 60_000;

/** A claim another attempt may take over: its sender failed unsure long enough ago, or died. */
const isStale = (claim: { createdAt: string; unsureAt?: string | undefined }, at: number): boolean =>
  (claim.unsureAt !== undefined && at - Date.parse(claim.unsureAt) >= UNSURE_CLAIM_MS) ||
  at - Date.parse(claim.createdAt) >= STALE_CLAIM_MS;

export type OutgoingEmail = {
  /** Idempotency key: the same key is sent at most once, however often the step is retried. */
  key: string;
  kind: EmailKind;
  toId: string;
  toAddress: string;
  requestId?: string | undefined;
  /** A digest's requests (bounces flag each). */
  requestIds?: string[];
  email: Email;
  /** A digest: the kinds of what it carries, one per item, named in a header so inboxes can count them. */
  items?: string[];
};

/**
 * The SES tag that names an email's outbox row (its key, base64url: tag values allow only letters,
 * digits, `_-.@`), so the Send event SES publishes for it can mark the row sent (`recordSendEvent`).
 */
export const OUTBOX_TAG = 'outbox';
const MAX_TAG_VALUE = 256;

const outboxTags = (key: string) => {
  const value = Buffer.from(key, 'utf8').toString('base64url');
  return value.length <= MAX_TAG_VALUE ? [{ Name: OUTBOX_TAG, Value: value }] : [];
};

/** The outbox key a Send event's tag names. */
export const outboxKeyOfTag = (value: string): string => Buffer.from(value, 'base64url').toString('utf8');

/** Header that lists a digest's items by kind (comma-separated), e.g. `peer-feedback.request,…`. */
export const ITEMS_HEADER = 'X-Growcycle-Items';

/** One email sent, and the reminders and escalations it carried: a digest's items, or its own kind. */
const countSent = (out: OutgoingEmail): void => {
  countMetric('EmailsSent');
  for (const kind of out.items ?? [out.kind]) {
    if (kind.endsWith('.reminder')) countMetric('Reminders');
    else if (kind.endsWith('.escalation')) countMetric('Escalations');
  }
};

/**
 * Sends an email once per key. The outbox row is claimed with a conditional write before SES is
 * called and marked sent with the SES message id after. A retry finds the row: sent means done; a
 * fresh claim means another attempt is in flight; a claim older than five minutes is taken over,
 * since that attempt died before SES answered (had SES accepted the email, its Send event would have
 * marked the row sent by then: recordSendEvent). A send that failed without an answer (a 5xx, a
 * reset connection) marks its claim unsure, and a retry takes that over after two minutes; one SES
 * refused (a 4xx) gives its claim back. Between claim and SES the shared send rate is
 * consulted; when it (or SES) says no, the claim is given back before EmailThrottled is thrown, so a
 * throttled email is neither lost (the retry claims it afresh) nor sent twice (nothing went out).
 */
export const sendOnce = async (out: OutgoingEmail): Promise<{ messageId: string; duplicate: boolean }> => {
  const { outbox } = db();
  const claimedAt = now().toISOString();
  try {
    await outbox
      .create({
        key: out.key,
        kind: out.kind,
        toId: out.toId,
        requestId: out.requestId,
        ...(out.requestIds ? { requestIds: out.requestIds } : {}),
        status: 'sending',
        createdAt: claimedAt,
      })
      .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = (await outbox.get({ key: out.key }).go({ consistent: true })).data;
    if (existing?.status === 'sent') return { messageId: existing.messageId ?? '', duplicate: true };
    if (!existing || !isStale(existing, now().getTime())) {
      throw new EmailInFlightError(`Email ${out.kind} is being sent by another attempt`);
    }
    await outbox
      .patch({ key: out.key })
      .set({ createdAt: claimedAt })
      .remove(['unsureAt'])
      .where((a, op) => `${op.eq(a.createdAt, existing.createdAt)} AND ${op.eq(a.status, 'sending')}`)
      .go()
      .catch((error: unknown) => {
        // Another attempt took the claim over or finished first: let the step retry and find out.
        if (isConditionFailure(error))
          throw new EmailInFlightError(`Email ${out.kind} was claimed by another attempt`);
        throw error;
      });
  }
  // Each only while the claim is still this attempt's: one taken over belongs to its new sender.
  const unlessTakenOver = (error: unknown) => {
    if (!isConditionFailure(error)) throw error;
  };
  const giveBack = () =>
    outbox
      .delete({ key: out.key })
      .where((a, op) => `${op.eq(a.createdAt, claimedAt)} AND ${op.eq(a.status, 'sending')}`)
      .go()
      .then(() => undefined, unlessTakenOver);
  const markUnsure = () =>
    outbox
      .patch({ key: out.key })
      .set({ unsureAt: now().toISOString() })
      .where((a, op) => `${op.eq(a.createdAt, claimedAt)} AND ${op.eq(a.status, 'sending')}`)
      .go()
      .then(() => undefined, unlessTakenOver);
  const releaseClaim = async (why: string): Promise<never> => {
    await giveBack();
    throw new EmailThrottledError(`Email ${out.kind} held back: ${why}`);
  };
  if (!(await takeSendSlot(now()))) return releaseClaim('the send rate is used up for this second');
  let sent: SendEmailCommandOutput;
  try {
    sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: config.senderAddress,
        Destination: { ToAddresses: [out.toAddress] },
        Content: {
          Simple: {
            // Whatever a subject was built from (names, titles, a cycle's name), it is one line here:
            // no CR/LF or other control character reaches a header, however it was stored.
            Subject: { Data: oneLine(out.email.subject), Charset: 'UTF-8' },
            Body: {
              Html: { Data: out.email.html, Charset: 'UTF-8' },
              Text: { Data: out.email.text, Charset: 'UTF-8' },
            },
            Headers: [
              { Name: KIND_HEADER, Value: oneLine(out.kind) },
              ...(out.items ? [{ Name: ITEMS_HEADER, Value: oneLine(out.items.join(',')) }] : []),
            ],
            ...(out.email.attachments?.length
              ? {
                  Attachments: out.email.attachments.map((a) => ({
                    // A calendar file is named after the person it is with: its name is a header too.
                    FileName: oneLine(a.fileName),
                    ContentType: a.contentType,
                    ContentDisposition: 'ATTACHMENT' as const,
                    RawContent: Buffer.from(a.content, 'utf8'),
                  })),
                }
              : {}),
          },
        },
        EmailTags: [
          { Name: 'kind', Value: out.kind.replace(/[^A-Za-z0-9_-]/g, '_') },
          ...outboxTags(out.key),
        ],
      }),
    );
  } catch (error) {
    if (error instanceof Error && SES_THROTTLES.has(error.name))
      return releaseClaim('SES throttled the send');
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // SES refused the email (a 4xx): nothing went out, so the claim is given back for a retry.
    if (status !== undefined && status >= 400 && status < 500) await giveBack();
    // No answer, or a 5xx: SES may have taken it. The claim stays, marked, for its Send event.
    else await markUnsure();
    throw error;
  }
  const messageId = sent.MessageId ?? '';
  countSent(out);
  logger.info('email sent', { kind: out.kind, recipientId: out.toId, requestId: out.requestId, messageId });
  await outbox.patch({ key: out.key }).set({ status: 'sent', messageId, sentAt: now().toISOString() }).go();
  return { messageId, duplicate: false };
};

export type SendEventOutcome = 'marked-sent' | 'already-sent';

/**
 * SES accepted an email (its Send event, published through the configuration set a moment after):
 * its outbox row is marked sent with the message id, unless the attempt that sent it already did.
 * An attempt that dies after SES accepted the email and before marking the row leaves it claimed;
 * marked here, the retry that takes the claim over finds it sent instead of sending it again.
 */
export const recordSendEvent = async (
  key: string,
  messageId: string,
  at: string,
): Promise<SendEventOutcome> => {
  try {
    await db()
      .outbox.patch({ key })
      .set({ status: 'sent', messageId, sentAt: at })
      .where((a, op) => op.eq(a.status, 'sending'))
      .go();
    return 'marked-sent';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'already-sent';
  }
};

/**
 * Sends a notice now from a page's request, waiting out a moment of the shared send rate rather
 * than failing the page: up to `attempts` tries, `pauseMs` apart. Still held back after the last, it
 * throws EmailThrottled, for the caller to log or pass on: never a notice silently not sent.
 */
export const sendSoon = async (
  send: () => Promise<unknown>,
  { attempts = 20, pauseMs = 250 }: { attempts?: number; pauseMs?: number } = {},
): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (error) {
      if (!(error instanceof EmailThrottledError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
};
