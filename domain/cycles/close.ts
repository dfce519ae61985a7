import { cycleReportEmail } from '../mail/compose';
import { sendOnce } from '../mail/send';
import { addHours, now, secondsUntil } from '../platform/clock';
import { config } from '../platform/config';
import { resumeTask } from '../platform/executions';
import { type Acknowledgment, type Cycle, db, type Params, type Review } from '../platform/table';
import { cycleWait, resumeWait, storeToken } from '../platform/wait-tokens';
import type { CyclePolicy } from './policy';

/*
 * The end of a cycle: it waits for its reviews (each one's end counted once) or its close date,
 * whichever comes first, then closes and sends HR its report.
 */

/**
 * When the cycle stops waiting for its reviews: an hour after the close date or, when its requests
 * close at the end of the close day in each recipient's zone, once that day has ended everywhere
 * (a local end of day is never more than 24 hours after the instant it is taken from); in a cycle
 * with an acknowledgment step, once that step's last escalation had its day. Normally the last
 * review's end closes the cycle before.
 */
export const cycleClosesAt = (cycle: Pick<Cycle, 'closeAt' | 'policy'>): Date => {
  const policy = cycle.policy as CyclePolicy | undefined;
  const slackHours = policy ? 25 : 1;
  // With the phases after the appraisal, the close date is the acknowledgment's due date, and each
  // review ends only when its acknowledgment closes: after HR's escalation, the next local day.
  const lastStepHours = policy ? 24 * (Math.round(policy.escalationHours.hr / 24) + 1) : 0;
  return addHours(cycle.closeAt, lastStepHours + slackHours);
};

export const cycleWaitSeconds = (cycle: Pick<Cycle, 'closeAt' | 'policy'>, at: Date = now()): number =>
  secondsUntil(cycleClosesAt(cycle), at);

export const cycleTimeout = async (
  cycleId: string,
): Promise<{ cycleId: string; waitSeconds: number; closeNow: boolean }> => {
  const found = (await db().cycle.get({ cycleId }).go()).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  const waitSeconds = cycleWaitSeconds(found);
  // A wake-up within a minute of the close is the close; a later one means HR extended the date.
  return { cycleId, waitSeconds, closeNow: waitSeconds <= 60 };
};

/**
 * Parks the cycle until its last review ends; if that already happened, resumes at once. The token
 * is kept apart from the cycle (domain/platform/wait-tokens.ts), so each review's end, which updates the
 * cycle's counter, rewrites a smaller item.
 */
export const armCycleWait = async (cycleId: string, taskToken: string): Promise<void> => {
  await storeToken(cycleWait(cycleId), taskToken);
  const found = (await db().cycle.get({ cycleId }).go({ consistent: true })).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  if (found.openReviews <= 0) await resumeTask(taskToken, { cycleId, allReviewsDone: true });
};

/** Resumes the cycle's wait once no review is left open (the cycle then closes and reports). */
export const resumeCycleIfDone = async (cycleId: string): Promise<void> => {
  const left = (await db().cycle.get({ cycleId }).go({ consistent: true })).data;
  if (left && left.openReviews <= 0) await resumeWait(cycleWait(cycleId), { cycleId, allReviewsDone: true });
};

/**
 * The writes that count a review done for its cycle, for a transaction: the review's end marker
 * (conditional, so it is written once) and the cycle's counter. The acknowledgment's answer
 * adds them to its own transaction; every other end goes through `endReview`.
 */
export const reviewEndWrites = (cycleId: string, employeeId: string, at: string): Params[] => [
  { Put: db().reviewEnd.create({ cycleId, employeeId, endedAt: at }).params() },
  { Update: db().cycle.update({ cycleId }).add({ openReviews: -1 }).params() },
];

export type CycleCounts = {
  participants: number;
  scheduled: number;
  inProgress: number;
  completed: number;
  incomplete: number;
  cancelled: number;
};

export type CycleReport = CycleCounts & {
  /** In a cycle with an acknowledgment step: results released, acknowledged, and disagreements recorded. */
  released?: number;
  acknowledged?: number;
  disagreements?: number;
};

/** A disagreement an employee recorded with their acknowledgment. */
export type Disagreement = { employeeId: string; at: string; disagreement: string };

/** What one pass over a cycle's reviews finds: each status, calibrations, releases and acknowledgments. */
export type ReviewTally = {
  counts: CycleCounts;
  calibrated: number;
  released: number;
  acknowledged: number;
  disagreements: Disagreement[];
};

/** The reviews of a cycle by status, release and acknowledgment; one pass, in pages. */
export const tallyReviews = async (cycleId: string): Promise<ReviewTally> => {
  const tally: ReviewTally = {
    counts: { participants: 0, scheduled: 0, inProgress: 0, completed: 0, incomplete: 0, cancelled: 0 },
    calibrated: 0,
    released: 0,
    acknowledged: 0,
    disagreements: [],
  };
  const { counts } = tally;
  let cursor: string | null = null;
  do {
    const page: { data: Review[]; cursor: string | null } = await db()
      .review.query.byCycle({ cycleId })
      .go({ cursor, limit: 1000 });
    for (const r of page.data) {
      counts.participants += 1;
      if (r.status === 'scheduled') counts.scheduled += 1;
      else if (r.status === 'in-progress') counts.inProgress += 1;
      else counts[r.status] += 1;
      if (r.calibratedAt) tally.calibrated += 1;
      if (r.releasedAt) tally.released += 1;
      const ack = r.acknowledgment as Acknowledgment | undefined;
      if (!ack) continue;
      tally.acknowledged += 1;
      if (!ack.agrees)
        tally.disagreements.push({
          employeeId: r.employeeId,
          at: ack.at,
          disagreement: ack.disagreement ?? '',
        });
    }
    cursor = page.cursor;
  } while (cursor);
  return tally;
};

/** The reviews of a cycle by status and, with `acknowledgments`, by release and acknowledgment. */
export const cycleReport = async (cycleId: string, acknowledgments = false): Promise<CycleReport> => {
  const { counts, released, acknowledged, disagreements } = await tallyReviews(cycleId);
  return acknowledgments
    ? { ...counts, released, acknowledged, disagreements: disagreements.length }
    : counts;
};

/**
 * Closes the cycle, stores its report (the reviews by outcome and, in a cycle with an
 * acknowledgment step, how many results were released and acknowledged and how many
 * acknowledgments recorded a disagreement) and sends it to HR once.
 */
export const closeCycle = async (cycleId: string): Promise<CycleReport> => {
  const found = (await db().cycle.get({ cycleId }).go()).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  const report = await cycleReport(cycleId, (found.policy as CyclePolicy | undefined)?.phases !== undefined);
  await db().cycle.patch({ cycleId }).set({ status: 'closed', report }).go();
  await sendOnce({
    key: `${cycleId}#report`,
    kind: 'cycle.report',
    toId: 'hr',
    toAddress: config.hrAddress,
    email: cycleReportEmail({
      cycleName: found.name,
      participants: report.participants,
      completed: report.completed,
      incomplete: report.incomplete,
      inProgress: report.inProgress + report.scheduled,
    }),
  });
  return report;
};
