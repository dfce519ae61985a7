import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type ProblemOutcome, recordDeliveryProblem } from '../../domain/mail/bounces';
import { OUTBOX_TAG, outboxKeyOfTag, recordSendEvent, type SendEventOutcome } from '../../domain/mail/send';
import { logger } from '../../domain/platform/logger';
import { observed, zodEvent } from '../shared/middleware';

/*
 * SES events, as the configuration set's EventBridge destination delivers them on the default bus
 * (the rule in infra/stack.ts routes `aws.ses` "Email Sent", "Email Bounced" and "Email Complaint
 * Received" here): a send marks the email's outbox row sent, a bounce or complaint flags the person.
 * Only the fields the decision needs are read; the rest is passed over.
 */

const Mail = z.object({ messageId: z.string().min(1), timestamp: z.string().optional() });
const Recipient = z.object({ emailAddress: z.string().min(1) });

export const SesEvent = z.discriminatedUnion('detail-type', [
  z.object({
    source: z.literal('aws.ses'),
    'detail-type': z.literal('Email Sent'),
    time: z.string(),
    detail: z.object({
      eventType: z.literal('Send'),
      mail: Mail.extend({ tags: z.record(z.string(), z.array(z.string())).default({}) }),
    }),
  }),
  z.object({
    source: z.literal('aws.ses'),
    'detail-type': z.literal('Email Bounced'),
    time: z.string(),
    detail: z.object({
      eventType: z.literal('Bounce'),
      mail: Mail,
      bounce: z.object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: z.array(Recipient).min(1),
        timestamp: z.string(),
      }),
    }),
  }),
  z.object({
    source: z.literal('aws.ses'),
    'detail-type': z.literal('Email Complaint Received'),
    time: z.string(),
    detail: z.object({
      eventType: z.literal('Complaint'),
      mail: Mail,
      complaint: z.object({
        complainedRecipients: z.array(Recipient).min(1),
        timestamp: z.string(),
      }),
    }),
  }),
]);
export type SesEvent = z.infer<typeof SesEvent>;

type Outcome = ProblemOutcome | SendEventOutcome | 'untagged';

export const handleSesEvent = async (event: SesEvent): Promise<{ outcome: Outcome }> => {
  if (event.detail.eventType === 'Send') {
    const { messageId, tags, timestamp } = event.detail.mail;
    const tag = tags[OUTBOX_TAG]?.[0];
    // Every email growcycle sends is tagged; one without (another sender on the set) is not ours.
    const outcome = tag
      ? await recordSendEvent(outboxKeyOfTag(tag), messageId, timestamp ?? event.time)
      : 'untagged';
    logger.info('ses event', { type: 'send', messageId, outcome });
    return { outcome };
  }
  const problem =
    event.detail.eventType === 'Bounce'
      ? {
          type: 'bounce' as const,
          bounceType: event.detail.bounce.bounceType,
          messageId: event.detail.mail.messageId,
          recipients: event.detail.bounce.bouncedRecipients.map((r) => r.emailAddress),
          at: event.detail.bounce.timestamp,
        }
      : {
          type: 'complaint' as const,
          messageId: event.detail.mail.messageId,
          recipients: event.detail.complaint.complainedRecipients.map((r) => r.emailAddress),
          at: event.detail.complaint.timestamp,
        };
  const outcome = await recordDeliveryProblem(problem);
  logger.info('ses event', { type: problem.type, messageId: problem.messageId, outcome });
  return { outcome };
};

export const handler = middy<SesEvent, { outcome: Outcome }, Error, Context>()
  .use(observed())
  .use(zodEvent(SesEvent))
  .handler(handleSesEvent);
