import { z } from 'zod';
import { deliverLetters } from '../../domain/human-step';
import { logger } from '../../domain/logger';
import { deliverPost } from '../../domain/post';
import { step } from '../shared/middleware';

/** A post time's one-time schedule invokes this with the post time it was made for. */
export const DeliverPostInput = z.object({ postAt: z.iso.datetime() });

/** The postman: delivers the letters of one post time, one email per recipient (domain/post.ts). */
export const handler = step(DeliverPostInput, async ({ postAt }) => {
  const { recipients } = await deliverPost(postAt, deliverLetters);
  logger.info('post delivered', { postAt, recipients });
  return { postAt, recipients };
});
