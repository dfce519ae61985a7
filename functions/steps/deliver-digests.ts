import * as z from 'zod';
import { requestDigest } from '../../domain/human-steps/digest-items';
import { deliverDigests, sweepDigests } from '../../domain/mail/digest';
import { logger } from '../../domain/platform/logger';
import { step } from '../shared/middleware';
import { stepKinds } from '../shared/step-kinds';

/**
 * A send time's one-time schedule invokes this with the send time it was made for; the daily sweep
 * with the hours it looks back over.
 */
export const DeliverDigestsInput = z.union([
  z.object({ sendAt: z.iso.datetime() }),
  z.object({ sweepHours: z.number().int().min(1).max(72) }),
]);

/**
 * Delivers the digests of one send time, one email per recipient, or sweeps up the send times whose
 * delivery never finished (domain/mail/digest.ts).
 */
export const handler = step(DeliverDigestsInput, async (input) => {
  if ('sweepHours' in input) {
    const { delivered } = await sweepDigests(input.sweepHours, requestDigest(stepKinds));
    if (delivered.length > 0) logger.warn('digest deliveries swept up', { sendTimes: delivered });
    return { swept: delivered.length };
  }
  const { recipients } = await deliverDigests(input.sendAt, requestDigest(stepKinds));
  logger.info('digests delivered', { sendAt: input.sendAt, recipients });
  return { sendAt: input.sendAt, recipients };
});
