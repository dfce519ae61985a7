import { signedUrl } from '../mail/links';
import { db, type HumanRequest } from '../platform/table';
import { linkMaxDaysOf, person } from './emails';

/*
 * What a person owes: the requests addressed to them that are still to answer (pending ones open
 * later; open ones wait for them now), for their own page and their manager's. Read one person's
 * requests at a time, newest first, from the index of requests by recipient.
 */

/** The requests addressed to a person that are pending or open, newest first. */
export const openRequestsFor = async (recipientId: string): Promise<HumanRequest[]> =>
  (
    await db()
      .request.query.byRecipient({ recipientId })
      .where((a, op) => `${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}`)
      .go({ pages: 'all', order: 'desc' })
  ).data;

/**
 * A request as its recipient's page lists it: what it is about and by when, and, for the recipient
 * themselves only, the signed link their email carries (a link is a credential: nobody else gets it).
 */
export const addressedView = async (req: HumanRequest, withLink: boolean) => {
  const subject = await person(req.subjectId).catch(() => undefined);
  const link =
    withLink && req.status === 'open'
      ? await signedUrl(
          { requestId: req.requestId, nonce: req.linkNonce, assignment: req.assignment },
          new Date(req.closeAt),
          await linkMaxDaysOf(req),
        )
      : undefined;
  return {
    requestId: req.requestId,
    kind: req.kind,
    status: req.status,
    subjectId: req.subjectId,
    ...(subject ? { subjectName: subject.name } : {}),
    ...(req.title ? { title: req.title } : {}),
    ...(req.cycleId ? { cycleId: req.cycleId } : {}),
    ...(req.planId ? { planId: req.planId } : {}),
    ...(req.itemId ? { itemId: req.itemId } : {}),
    ...(req.askId ? { askId: req.askId } : {}),
    ...(req.meetingAt ? { meetingAt: req.meetingAt } : {}),
    dueAt: req.dueAt,
    ...(link ? { link } : {}),
  };
};
