import { type GapAnalysis, gapAnalysisFor } from '../catalog/ratings';
import { ANONYMITY_THRESHOLD, type CyclePolicy } from '../cycles/policy';
import { cycleById } from '../cycles/schedule';
import { liveGoals } from '../people/goals';
import { db } from '../platform/table';
import { meetingHeldAt } from './meeting';
import { peerFeedbackView } from './peer-view';
import { resultsVisible, type Viewer } from './release';

/*
 * One review as a viewer sees it. HR sees everything, peer feedback attributed. The employee (and
 * their managers) see the review, the goals live during the cycle, and only once the results are
 * released the manager's ratings and texts, the calibration, peer feedback combined (or withheld
 * below the anonymity threshold) and the gap analysis without peer averages below it.
 */

/** The review of an employee in a cycle as the viewer may see it; undefined when there is none. */
export const reviewView = async (cycleId: string, employeeId: string, viewer: Viewer) => {
  const review = (await db().review.get({ cycleId, employeeId }).go()).data;
  if (!review) return undefined;
  const cycle = await cycleById(cycleId);
  const policy = cycle?.policy as CyclePolicy | undefined;
  const goals = await liveGoals(employeeId, cycle);
  const { gapAnalysis: stored, ...kept } = review;
  const heldAt = await meetingHeldAt(review);
  const all = { ...kept, ...(heldAt ? { meetingHeldAt: heldAt } : {}) };
  const released = resultsVisible(review, viewer);
  const { managerAppraisal: _m, overallRating: _o, calibration: _k, calibratedAt: _a, ...unreleased } = all;
  return {
    review: released ? all : unreleased,
    goals,
    // Peer feedback, too, reaches the employee with the rest of the results, not before.
    ...(released
      ? { peerFeedback: await peerFeedbackView(cycleId, employeeId, viewer, policy?.anonymityThreshold) }
      : {}),
    released: review.releasedAt !== undefined,
    // Gaps against the role's expected levels, peer averages only above the anonymity threshold.
    ...(stored && released
      ? {
          gapAnalysis: gapAnalysisFor(
            stored as GapAnalysis,
            viewer,
            policy?.anonymityThreshold ?? ANONYMITY_THRESHOLD,
          ),
        }
      : {}),
  };
};

/**
 * Every review of an employee, newest cycle last, as a list shows it: the cycle, where the review
 * stands, and whether its results are released and acknowledged (the results themselves are read
 * one review at a time through reviewView).
 */
export const reviewsOf = async (employeeId: string) => {
  const reviews = (await db().review.query.everyOfEmployee({ employeeId }).go({ pages: 'all' })).data;
  return Promise.all(
    reviews.map(async (r) => {
      const cycle = await cycleById(r.cycleId);
      const ack = r.acknowledgment as { at?: string; agrees?: boolean } | undefined;
      return {
        cycleId: r.cycleId,
        cycleName: cycle?.name ?? r.cycleId,
        ...(cycle ? { cycleStatus: cycle.status, closeAt: cycle.closeAt } : {}),
        status: r.status,
        managerId: r.managerId,
        released: r.releasedAt !== undefined,
        ...(r.releasedAt ? { releasedAt: r.releasedAt } : {}),
        ...(ack?.at ? { acknowledgedAt: ack.at, agrees: ack.agrees ?? true } : {}),
      };
    }),
  );
};
