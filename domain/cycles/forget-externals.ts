import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { db, type HumanRequest } from '../platform/table';

/*
 * External reviewers are asked by name and address for one cycle, or for one request for feedback
 * any time. Once it has closed (a cycle) or passed its due date (a request for feedback), and the
 * retention period after that (config.externalRetentionDays) has passed, both are forgotten: the
 * requests keep the reviewer's id (a hash, domain/platform/ids.ts externalId) and their answers, so
 * the feedback stays whole, and name them "External reviewer". The daily check runs it.
 */

export const FORGOTTEN_NAME = 'External reviewer';
const forgottenAddress = (id: string) => `${id}@forgotten.invalid`;

type Named = { id: string; name: string; email: string };

/** The request with its external reviewer's name and address, and those in its nominations, forgotten. */
const forgotten = (req: HumanRequest): HumanRequest | undefined => {
  const answer = req.answer as { externals?: Named[] } | undefined;
  const nominated = answer?.externals?.some((x) => x.email !== forgottenAddress(x.id));
  const own = req.external && req.external.email !== forgottenAddress(req.recipientId);
  if (!nominated && !own) return undefined;
  return {
    ...req,
    ...(own ? { external: { name: FORGOTTEN_NAME, email: forgottenAddress(req.recipientId) } } : {}),
    ...(nominated
      ? {
          answer: {
            ...answer,
            externals: answer?.externals?.map((x) => ({
              id: x.id,
              name: FORGOTTEN_NAME,
              email: forgottenAddress(x.id),
            })),
          },
        }
      : {}),
  };
};

/** Writes back each of these requests whose external reviewer was not forgotten yet; how many. */
const forgetIn = async (requests: HumanRequest[]): Promise<number> => {
  let changed = 0;
  for (const req of requests) {
    const forgottenReq = forgotten(req);
    if (!forgottenReq) continue;
    await db().request.put(forgottenReq).go();
    changed += 1;
  }
  return changed;
};

/**
 * Forgets the external reviewers of every cycle closed, and every request for feedback any time due,
 * longer ago than the retention period.
 */
export const forgetExternalReviewers = async (at: Date = now()) => {
  const t = db();
  const cutoff = addDays(at, -config.externalRetentionDays).toISOString();
  const due = (await t.cycle.query.all({}).go({ pages: 'all' })).data.filter(
    (c) =>
      (c.status === 'closed' || c.status === 'cancelled') && c.closeAt <= cutoff && !c.externalsForgottenAt,
  );
  let requests = 0;
  for (const cycle of due) {
    requests += await forgetIn(
      (await t.request.query.byCycle({ cycleId: cycle.cycleId }).go({ pages: 'all' })).data,
    );
    await t.cycle.patch({ cycleId: cycle.cycleId }).set({ externalsForgottenAt: at.toISOString() }).go();
  }
  const asks = (
    await t.feedbackAsk.query.withExternals({ externals: 'kept' }).lte({ dueAt: cutoff }).go({ pages: 'all' })
  ).data;
  for (const ask of asks) {
    const { data, unprocessed } = await t.request
      .get(ask.requestIds.map((requestId) => ({ requestId })))
      .go();
    requests += await forgetIn(data);
    // Kept on the list while a read was left unprocessed: the next day's check finishes it.
    if (unprocessed.length === 0) await t.feedbackAsk.update({ askId: ask.askId }).remove(['externals']).go();
  }
  return { cycles: due.length, asks: asks.length, requests };
};
