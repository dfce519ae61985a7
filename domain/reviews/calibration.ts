import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { asStructured } from '../catalog/forms';
import {
  type Calibration,
  type CalibrationProblem,
  type CalibrationRequest,
  calibrate,
  type GapAnalysis,
} from '../catalog/ratings';
import { catalogOf } from '../catalog/store';
import type { CyclePolicy } from '../cycles/policy';
import { missingEmployees } from '../people/org';
import { nextSendSlot } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { addDays, now, secondsUntil } from '../platform/clock';
import { resumeTask } from '../platform/executions';
import { newId } from '../platform/ids';
import { type Cycle, db, isConditionFailure, type Review } from '../platform/table';
import { calibrationWait, resumeWait, storeToken } from '../platform/wait-tokens';
import { reviewResults } from './results';

/*
 * HR's calibration of a review once its appraisal is in, the manager's values kept beside the
 * calibrated ones, the review's wait for it (until HR calibrates or the calibration date), and the
 * cycle's ratings as calibration reads them.
 */

/** How long the review waits for HR's calibration: until the calibration date, or not at all. */
export const calibrationWaitSeconds = async (cycleId: string, employeeId: string): Promise<number> => {
  const [c, r] = await Promise.all([
    db().cycle.get({ cycleId }).go(),
    db().review.get({ cycleId, employeeId }).go({ consistent: true }),
  ]);
  const days = (c.data?.policy as CyclePolicy | undefined)?.phases.calibration;
  if (!c.data || days === undefined || r.data?.status !== 'completed' || r.data.calibratedAt) return 1;
  // Until the recipient of the next step can be emailed (their send hour), so it opens without a hold.
  const nextId = r.data.meetingRequestId ?? r.data.acknowledgmentRequestId;
  const next = nextId ? (await db().request.get({ requestId: nextId }).go()).data : undefined;
  const due = addDays(c.data.startAt, days);
  return Math.max(1, secondsUntil(next?.sendWindow ? nextSendSlot(due, next.sendWindow) : due, now()));
};

/** Parks the review until HR calibrates it; resumes at once when there is nothing to wait for. */
export const armCalibration = async (
  cycleId: string,
  employeeId: string,
  taskToken: string,
): Promise<void> => {
  const calibratedAt = async () =>
    (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data?.calibratedAt;
  // Nothing to wait for (no calibration phase, already calibrated, the date passed): no token kept.
  if ((await calibrationWaitSeconds(cycleId, employeeId)) <= 1) {
    await resumeTask(taskToken, { calibrated: Boolean(await calibratedAt()) });
    return;
  }
  // Token first, then the review: a calibration landing meanwhile either sees the token or is seen.
  await storeToken(calibrationWait(cycleId, employeeId), taskToken);
  if (await calibratedAt()) await resumeTask(taskToken, { calibrated: true });
};

export type CalibrationOutcome =
  | { outcome: 'calibrated'; calibration: Calibration; gapAnalysis?: GapAnalysis }
  | { outcome: 'not-found' }
  | { outcome: 'no-appraisal' }
  | { outcome: 'no-calibration-phase' }
  | { outcome: 'conflict' }
  | { outcome: 'invalid'; problems: CalibrationProblem[] };

/**
 * HR calibrates a review once the manager's appraisal is in, in a cycle whose template has the
 * calibration phase (or no template at all): the manager's values stay as the
 * originals beside the calibrated ones, with who and when; a finished review's gap analysis is
 * recomputed on the calibrated ratings. The review and its audit event are written together, and only
 * if the review did not change since it was read.
 */
export const calibrateReview = async (
  cycleId: string,
  employeeId: string,
  change: CalibrationRequest,
  actor: string,
): Promise<CalibrationOutcome> => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const review = (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data;
    if (!review) return { outcome: 'not-found' };
    const cycle = (await db().cycle.get({ cycleId }).go()).data ?? undefined;
    const catalog = await catalogOf(cycle);
    // Calibration is an optional phase: a template that leaves it out (or disables it) has none.
    if (catalog && !catalog.template.phases.calibration?.enabled) return { outcome: 'no-calibration-phase' };
    if (!review.managerAppraisal) return { outcome: 'no-appraisal' };
    const manager = review.managerAppraisal as Record<string, unknown>;
    const at = now().toISOString();
    const checked = calibrate(
      catalog?.framework.scale ?? { min: 1, max: 5 },
      {
        overall: review.overallRating ?? (typeof manager.rating === 'number' ? manager.rating : null),
        ratings: asStructured(manager)?.ratings ?? {},
      },
      review.calibration as Calibration | undefined,
      change,
      { by: actor, at },
    );
    if (!checked.ok) return { outcome: 'invalid', problems: checked.problems };
    const finished = review.status === 'completed' || review.status === 'incomplete';
    const results = finished
      ? await reviewResults(cycleId, { ...review, calibration: checked.calibration })
      : {};
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: db()
                .review.patch({ cycleId, employeeId })
                .set({ calibration: checked.calibration, calibratedAt: at, ...results })
                .where((a, op) =>
                  [
                    op.eq(a.status, review.status),
                    review.calibratedAt
                      ? op.eq(a.calibratedAt, review.calibratedAt)
                      : op.notExists(a.calibratedAt),
                  ].join(' AND '),
                )
                .params(),
            },
            {
              Put: db()
                .audit.create({
                  entityKey: `cycle#${cycleId}`,
                  at,
                  eventId: newId(),
                  actor,
                  action: 'review.calibrated',
                  // Ids only: the values themselves stay on the review.
                  details: {
                    employeeId,
                    overall: change.overall !== undefined,
                    ratings: Object.keys(change.ratings ?? {}),
                  },
                })
                .params(),
            },
          ],
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      continue;
    }
    // A review waiting for HR's calibration moves on now rather than at the calibration date.
    // The token is read after the calibration is stored: a wait parking meanwhile stored it first.
    await resumeWait(calibrationWait(cycleId, employeeId), {
      calibrated: true,
    });
    return { outcome: 'calibrated', calibration: checked.calibration, ...results };
  }
  return { outcome: 'conflict' };
};

/** One participant's overall rating as calibration sees it: the manager's, and HR's where it differs. */
export type CalibrationRow = {
  employeeId: string;
  name: string | undefined;
  department: string | undefined;
  managerId: string;
  managerName: string | undefined;
  status: Review['status'];
  /** The manager's overall rating (the template's formula, or the appraisal's own); none before it is in. */
  rating: number | undefined;
  /** The rating that counts: HR's calibrated overall where there is one, else the manager's. */
  final: number | undefined;
  calibration: Calibration | undefined;
};

/**
 * A cycle's ratings for calibration: every participant with their department and manager, the
 * manager's overall rating and HR's calibration of it, and the framework's scale.
 */
export const calibrationView = async (
  cycle: Cycle,
): Promise<{ scale: { min: number; max: number }; reviews: CalibrationRow[] }> => {
  const [catalog, reviews] = await Promise.all([
    catalogOf(cycle),
    db()
      .review.query.byCycle({ cycleId: cycle.cycleId })
      .go({ pages: 'all' })
      .then((r) => r.data),
  ]);
  const ids = [...new Set(reviews.flatMap((r) => [r.employeeId, r.managerId]))];
  const people = new Map((await missingEmployees(ids)).found.map((e) => [e.employeeId, e]));
  const scale = catalog?.framework.scale ?? { min: 1, max: 5 };
  return {
    scale: { min: scale.min, max: scale.max },
    reviews: reviews.map((r) => {
      const manager = r.managerAppraisal as Record<string, unknown> | undefined;
      const rating = r.overallRating ?? (typeof manager?.rating === 'number' ? manager.rating : undefined);
      const calibration = r.calibration as Calibration | undefined;
      return {
        employeeId: r.employeeId,
        name: people.get(r.employeeId)?.name,
        department: people.get(r.employeeId)?.department,
        managerId: r.managerId,
        managerName: people.get(r.managerId)?.name,
        status: r.status,
        rating,
        final: calibration?.overall?.calibrated ?? rating,
        calibration,
      };
    }),
  };
};
