import { z } from 'zod';
import { requestDigest } from '../../domain/human-steps/digest-items';
import { deliverDigests } from '../../domain/mail/digest';
import { logger } from '../../domain/platform/logger';
import { step } from '../shared/middleware';
import { stepKinds } from '../shared/step-kinds';

/** A send time's one-time schedule invokes this with the send time it was made for. */
export const DeliverDigestsInput = z.object({ sendAt: z.iso.datetime() });

/** Delivers the digests of one send time, one email per recipient (domain/mail/digest.ts). */
export const handler = step(DeliverDigestsInput, async ({ sendAt }) => {
  const { recipients } = await deliverDigests(sendAt, requestDigest(stepKinds));
  logger.info('digests delivered', { sendAt, recipients });
  return { sendAt, recipients };
});
