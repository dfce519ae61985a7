import type { Framework } from '../catalog/documents';
import { type GapAnalysis, judgedRatings, nextLevelGaps } from '../catalog/ratings';
import { catalogOf, storedDocument } from '../catalog/store';
import { cycleById } from '../cycles/schedule';
import { aspirationOf } from '../people/aspiration';
import { employeeById } from '../people/org';
import { now } from '../platform/clock';
import { stableId } from '../platform/ids';
import { db, type Plan } from '../platform/table';
import { createDraft } from './agreement';
import { draftPlan } from './draft';
import { type PlanRefusal, planById, plansOf } from './plans';

/*
 * A plan drafted from a released review: the evidence the review left (its stored gap analysis, the
 * manager's "Development needs"), the employee's career aspiration measured against the cycle's own
 * framework, given to the pure `draftPlan` (./draft.ts), and the result created as a draft that the
 * owner and their manager agree to (./agreement.ts). Once per employee and cycle: the plan's id comes
 * from both, so HR's release, a repeated release and the manager's own request draft it once.
 */

export type ReviewDraftOutcome =
  | { outcome: 'drafted'; plan: Plan }
  /** The employee has a plan for this cycle already (drafted before, or cancelled since). */
  | { outcome: 'exists'; plan: Plan }
  | { outcome: 'no-cycle' }
  | { outcome: 'no-review' }
  | { outcome: 'not-released' }
  /** At release: the cycle's template drafts no plans (`developmentPlans.draft: false`). */
  | { outcome: 'not-drafted' }
  /** A cycle made without a template stores no gap analysis: there is no evidence to draft from. */
  | { outcome: 'no-gap-analysis' }
  /** No gap, no development need and no next-level gap: nothing to propose. */
  | { outcome: 'nothing-to-draft' }
  | PlanRefusal;

/** The id of the plan drafted from an employee's review in a cycle. */
export const reviewPlanId = (cycleId: string, employeeId: string): string =>
  stableId('review-plan', cycleId, employeeId);

/** The manager's free-text development needs, as both the template's and the fixed appraisal store them. */
const managerNeeds = (appraisal: unknown): string | undefined => {
  const needs = (appraisal as Record<string, unknown> | undefined)?.developmentNeeds;
  return typeof needs === 'string' ? needs : undefined;
};

/**
 * Drafts a development plan from an employee's released review in a cycle, under the policy its
 * template names (the default one otherwise), unless the employee has a plan for that cycle already;
 * at release (`atRelease`) only if the template drafts plans. Next-level gaps are measured on the cycle's
 * framework as it was scheduled (the ratings were given against it); the development suggestions come
 * from the framework as HR keeps it now.
 */
export const draftFromReview = async (
  cycleId: string,
  employeeId: string,
  actor: string,
  atRelease = false,
): Promise<ReviewDraftOutcome> => {
  const planId = reviewPlanId(cycleId, employeeId);
  const existing = (await planById(planId)) ?? (await plansOf(employeeId)).find((p) => p.cycleId === cycleId);
  if (existing) return { outcome: 'exists', plan: existing };
  const cycle = await cycleById(cycleId);
  if (!cycle) return { outcome: 'no-cycle' };
  const review = (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!review) return { outcome: 'no-review' };
  if (!review.releasedAt) return { outcome: 'not-released' };
  const gapAnalysis = review.gapAnalysis as GapAnalysis | undefined;
  const catalog = await catalogOf(cycle);
  if (!gapAnalysis || !catalog) return { outcome: 'no-gap-analysis' };
  // A template stored before the setting existed drafts, as the setting's default does.
  const plans = catalog.template.developmentPlans ?? { draft: true };
  if (atRelease && !plans.draft) return { outcome: 'not-drafted' };
  const [employee, aspiration, current] = await Promise.all([
    employeeById(employeeId),
    aspirationOf(employeeId),
    storedDocument('framework', catalog.framework.id),
  ]);
  if (!employee) return { outcome: 'unknown-owner' };
  const target = aspiration ? { track: aspiration.track ?? null, level: aspiration.level } : undefined;
  const draft = draftPlan({
    employeeName: employee.name,
    gapAnalysis,
    managerNeeds: managerNeeds(review.managerAppraisal),
    nextLevel: target && {
      target,
      gaps: nextLevelGaps(catalog.framework, target, judgedRatings(gapAnalysis)),
    },
    framework: (current?.doc as Framework | undefined) ?? catalog.framework,
    startAt: now(),
  });
  if (draft.items.length === 0) return { outcome: 'nothing-to-draft' };
  const created = await createDraft(
    {
      ownerId: employeeId,
      title: draft.title,
      origin: 'review',
      cycleId,
      ...(plans.policyId ? { policyId: plans.policyId } : {}),
      items: draft.items.map((item) => ({ ...item, dueAt: new Date(item.dueAt), dueProposed: true })),
      mentoringGiven: draft.mentoringGiven,
    },
    actor,
    planId,
  );
  return created.outcome === 'created' ? { outcome: 'drafted', plan: created.plan } : created;
};
