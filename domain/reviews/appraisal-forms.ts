import type * as z from 'zod';
import type { Template } from '../catalog/documents';
import {
  type AppraisalKind,
  answerSchema,
  appraisalForm,
  asStructured,
  type Form,
  type LiveGoal,
  type PeerInput,
  PHASE_KINDS,
  type StructuredAnswers,
} from '../catalog/forms';
import { catalogOf } from '../catalog/store';
import { ANONYMITY_THRESHOLD, type CyclePolicy } from '../cycles/policy';
import { liveGoals } from '../people/goals';
import { isExternalId } from '../platform/ids';
import { type Cycle, db, type Goal, type HumanRequest } from '../platform/table';

/*
 * The appraisal form a review's request shows in a cycle made from a template: the template's
 * questions on the framework's items and the employee's live goals, and for the manager the
 * self-assessment and the peer input they may see.
 */

const toLiveGoal = (g: Goal): LiveGoal => {
  const latest = [...g.progress].reverse().find((p) => p.value !== undefined);
  return {
    goalId: g.goalId,
    title: g.title,
    measure: g.measure,
    weight: g.weight,
    ...(latest?.value !== undefined
      ? {
          progress: `${latest.value}${g.unit ? ` ${g.unit}` : ''}${g.targetValue !== undefined ? ` of ${g.targetValue}` : ''}`,
        }
      : {}),
  };
};

const thresholdOf = (cycle: Cycle | undefined, template: Template) =>
  (cycle?.policy as CyclePolicy | undefined)?.anonymityThreshold ??
  template.phases.peerFeedback.anonymityThreshold ??
  ANONYMITY_THRESHOLD;

const commentsOf = (answers: Record<string, unknown>) =>
  [answers.strengths, answers.growth].filter((c): c is string => typeof c === 'string' && c.length > 0);

/**
 * The peer input a manager may see while appraising: attributed when the template lets managers see
 * who said what, otherwise combined, and withheld below the anonymity threshold.
 */
export const peerInputForManager = async (
  cycle: Cycle,
  employeeId: string,
  template: Template,
): Promise<PeerInput> => {
  const { data } = await db()
    .feedback.query.byReview({ cycleId: cycle.cycleId, employeeId })
    .go({ pages: 'all' });
  const answers = data.map((f) => ({ fromId: f.fromId, answers: f.answers as Record<string, unknown> }));
  if (template.phases.peerFeedback.managersSeeAttribution) {
    // An external reviewer has no employee record: their name is on their request.
    const names = await Promise.all(
      data.map(async (f) =>
        isExternalId(f.fromId)
          ? `${(await db().request.get({ requestId: f.requestId }).go()).data?.external?.name ?? f.fromId} (external)`
          : ((await db().employee.get({ employeeId: f.fromId }).go()).data?.name ?? f.fromId),
      ),
    );
    return {
      visibility: 'attributed',
      answers: answers.map((a, i) => ({
        fromName: names[i] ?? a.fromId,
        ratings: asStructured(a.answers)?.ratings ?? {},
        comments: commentsOf(a.answers),
      })),
    };
  }
  const threshold = thresholdOf(cycle, template);
  if (answers.length < threshold) return { visibility: 'withheld', threshold };
  const sums: Record<string, number[]> = {};
  for (const a of answers) {
    for (const [id, r] of Object.entries(asStructured(a.answers)?.ratings ?? {})) {
      sums[id] = [...(sums[id] ?? []), r];
    }
  }
  return {
    visibility: 'aggregated',
    answered: answers.length,
    averages: Object.fromEntries(
      Object.entries(sums).map(([id, rs]) => [
        id,
        Math.round((rs.reduce((s, r) => s + r, 0) / rs.length) * 10) / 10,
      ]),
    ),
    comments: answers.flatMap((a) => commentsOf(a.answers)).sort(),
  };
};

export type TemplateForm = { form: Form; schema: z.ZodType<StructuredAnswers, unknown> };

/**
 * The template-driven form behind a cycle request, or undefined when the request keeps today's fixed
 * form (a cycle without a template, an action item).
 */
export const templateFormFor = async (
  req: HumanRequest,
  /** For the manager: what development plans did for each item since the last review (domain/plans). */
  developed?: (employeeId: string, cycleId: string) => Promise<Record<string, string[]>>,
): Promise<TemplateForm | undefined> => {
  if (!req.cycleId || req.kind === 'action-item' || (PHASE_KINDS as readonly string[]).includes(req.kind))
    return undefined;
  const cycle = (await db().cycle.get({ cycleId: req.cycleId }).go()).data ?? undefined;
  const catalog = await catalogOf(cycle);
  if (!cycle || !catalog) return undefined;
  const kind = req.kind as AppraisalKind;
  const [subject, goals, review] = await Promise.all([
    db().employee.get({ employeeId: req.subjectId }).go(),
    liveGoals(req.subjectId, cycle),
    kind === 'manager-appraisal'
      ? db().review.get({ cycleId: cycle.cycleId, employeeId: req.subjectId }).go({ consistent: true })
      : Promise.resolve(undefined),
  ]);
  const input = {
    kind,
    ...catalog,
    subjectName: subject.data?.name ?? 'your colleague',
    goals: goals.map(toLiveGoal),
    ...(kind === 'manager-appraisal'
      ? {
          selfAssessment: asStructured(review?.data?.selfAssessment),
          peers: await peerInputForManager(cycle, req.subjectId, catalog.template),
          ...(developed ? { developed: await developed(req.subjectId, cycle.cycleId) } : {}),
        }
      : {}),
  };
  const form = appraisalForm(input);
  return { form, schema: answerSchema(form, input) };
};
