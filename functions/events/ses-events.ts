import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type ProblemOutcome, recordDeliveryProblem } from '../../domain/mail/bounces';
import { logger } from '../../domain/platform/logger';
import { observed, zodEvent } from '../shared/middleware';

/*
 * SES bounce and complaint events, as the configuration set's EventBridge destination delivers them
 * on the default bus (the rule in infra/stack.ts routes `aws.ses` "Email Bounced" and "Email
 * Complaint Received" here). Only the fields the decision needs are read; the rest is passed over.
 */

const Mail = z.object({ messageId: z.string().min(1), timestamp: z.string().optional() });
const Recipient = z.object({ emailAddress: z.string().min(1) });

export const SesEvent = z.discriminatedUnion('detail-type', [
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

export const handleSesEvent = async (event: SesEvent): Promise<{ outcome: ProblemOutcome }> => {
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

export const handler = middy<SesEvent, { outcome: ProblemOutcome }, Error, Context>()
  .use(observed())
  .use(zodEvent(SesEvent))
  .handler(handleSesEvent);
