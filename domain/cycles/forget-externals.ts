import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { db, type HumanRequest } from '../platform/table';

/*
 * External reviewers are asked by name and address for one cycle. Once it has closed and the
 * retention period after it (config.externalRetentionDays) has passed, both are forgotten: the
 * requests keep the reviewer's id (a hash, domain/platform/ids.ts externalId) and their answers, so
 * the peer feedback stays whole, and name them "External reviewer". The daily check runs it.
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

/** Forgets the external reviewers of every cycle closed longer ago than the retention period. */
export const forgetExternalReviewers = async (at: Date = now()) => {
  const t = db();
  const cutoff = addDays(at, -config.externalRetentionDays).toISOString();
  const due = (await t.cycle.query.all({}).go({ pages: 'all' })).data.filter(
    (c) =>
      (c.status === 'closed' || c.status === 'cancelled') && c.closeAt <= cutoff && !c.externalsForgottenAt,
  );
  let requests = 0;
  for (const cycle of due) {
    const all = (await t.request.query.byCycle({ cycleId: cycle.cycleId }).go({ pages: 'all' })).data;
    for (const req of all) {
      const changed = forgotten(req);
      if (!changed) continue;
      await t.request.put(changed).go();
      requests += 1;
    }
    await t.cycle.patch({ cycleId: cycle.cycleId }).set({ externalsForgottenAt: at.toISOString() }).go();
  }
  return { cycles: due.length, requests };
};
