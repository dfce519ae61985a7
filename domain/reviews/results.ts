import { asStructured } from '../catalog/forms';
import { type Calibration, type GapAnalysis, gapAnalysis } from '../catalog/ratings';
import { catalogOf } from '../catalog/store';
import { db, type Review } from '../platform/table';

/*
 * What a finished review stores of a template-driven cycle: the gap analysis against the role's
 * expected levels.
 */

/**
 * What a finished review stores of a template-driven cycle: the gap analysis against the role's
 * expected levels, on the manager's (or calibrated) ratings. Nothing for a cycle without a template.
 */
export const reviewResults = async (
  cycleId: string,
  review: Pick<Review, 'employeeId' | 'selfAssessment' | 'managerAppraisal' | 'calibration'>,
): Promise<{ gapAnalysis?: GapAnalysis }> => {
  const cycle = (await db().cycle.get({ cycleId }).go()).data ?? undefined;
  const catalog = await catalogOf(cycle);
  if (!catalog) return {};
  const [employee, feedback] = await Promise.all([
    db().employee.get({ employeeId: review.employeeId }).go(),
    db().feedback.query.byReview({ cycleId, employeeId: review.employeeId }).go({ pages: 'all' }),
  ]);
  return {
    gapAnalysis: gapAnalysis({
      framework: catalog.framework,
      role: { track: employee.data?.track, level: employee.data?.level ?? 0 },
      self: asStructured(review.selfAssessment)?.ratings ?? {},
      peers: feedback.data.map((f) => asStructured(f.answers)?.ratings ?? {}),
      manager: asStructured(review.managerAppraisal)?.ratings ?? {},
      calibration: review.calibration as Calibration | undefined,
    }),
  };
};
