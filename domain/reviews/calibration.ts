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
import { nextSendSlot } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { addDays, now, secondsUntil } from '../platform/clock';
import { resumeTask } from '../platform/executions';
import { newId } from '../platform/ids';
import { db, isConditionFailure } from '../platform/table';
import { calibrationWait, storeToken, tokenOf } from '../platform/wait-tokens';
import { reviewResults } from './results';

/*
 * HR's calibration of a review once its appraisal is in, the manager's values kept beside the
 * calibrated ones, and the review's wait for it (until HR calibrates or the calibration date).
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
    await resumeTask(await tokenOf(calibrationWait(cycleId, employeeId)), {
      calibrated: true,
    });
    return { outcome: 'calibrated', calibration: checked.calibration, ...results };
  }
  return { outcome: 'conflict' };
};
