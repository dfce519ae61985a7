import { ANONYMITY_THRESHOLD } from '../cycles/policy';
import type { Answer } from '../human-steps/answers';
import { isExternalId } from '../platform/ids';
import { db } from '../platform/table';

/*
 * Peer feedback as a viewer may see it: attributed for HR, combined for the employee, and withheld
 * below the anonymity threshold.
 */

export type PeerView =
  | {
      visibility: 'attributed';
      /** `fromName` only for a reviewer from outside the organisation, who has no employee record. */
      answers: Array<{ fromId: string; fromName?: string; answers: Answer; submittedAt: string }>;
    }
  | { visibility: 'aggregated'; responses: number; averageRating: number | null; comments: string[] }
  /** Nothing about a withheld group is shown, not even how many answered. */
  | { visibility: 'withheld'; threshold: number };

/**
 * Peer feedback as a viewer may see it: HR sees who said what; the employee sees answers only
 * combined, and only once at least the anonymity threshold of peers answered.
 */
export const peerFeedbackView = async (
  cycleId: string,
  employeeId: string,
  viewer: 'hr' | 'employee',
  threshold = ANONYMITY_THRESHOLD,
): Promise<PeerView> => {
  const { data } = await db().feedback.query.byReview({ cycleId, employeeId }).go({ pages: 'all' });
  if (viewer === 'hr') {
    const externalName = async (requestId: string) =>
      (await db().request.get({ requestId }).go()).data?.external?.name;
    return {
      visibility: 'attributed',
      answers: await Promise.all(
        data.map(async (f) => {
          const fromName = isExternalId(f.fromId) ? await externalName(f.requestId) : undefined;
          return {
            fromId: f.fromId,
            ...(fromName ? { fromName } : {}),
            answers: f.answers as Answer,
            submittedAt: f.submittedAt,
          };
        }),
      ),
    };
  }
  if (data.length < threshold) return { visibility: 'withheld', threshold };
  const ratings = data.map((f) => Number((f.answers as Answer).rating)).filter((n) => Number.isFinite(n));
  const comments = data
    .flatMap((f) => [(f.answers as Answer).strengths, (f.answers as Answer).growth])
    .filter((c): c is string => typeof c === 'string' && c.length > 0)
    .sort();
  return {
    visibility: 'aggregated',
    responses: data.length,
    averageRating: ratings.length
      ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 10) / 10
      : null,
    comments,
  };
};
