import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import {
  type AppraisalForm,
  type AppraisalKind,
  answerSchema,
  appraisalForm,
  asStructured,
  type LiveGoal,
  type PeerInput,
  PHASE_KINDS,
  type StructuredAnswers,
} from './appraisal-forms';
import type { Framework, Template } from './catalog';
import { documentClient } from './clients';
import { now } from './clock';
import { ANONYMITY_THRESHOLD, type CyclePolicy } from './cycles';
import { type Cycle, db, type Goal, type HumanRequest, type Review } from './db';
import { isConditionFailure } from './errors';
import { isExternalId, newId } from './ids';
import {
  type Calibration,
  type CalibrationProblem,
  type CalibrationRequest,
  calibrate,
  type GapAnalysis,
  gapAnalysis,
} from './ratings';
import { resumeTask } from './sfn';
import { calibrationWait, tokenOf } from './wait-tokens';

/*
 * The appraisal's reads and writes around the pure rating code: the template and framework a cycle
 * rates against, the goals live during the cycle, the form each request shows, the results stored
 * when a review finishes, and HR's calibration.
 */

export type Catalog = { template: Template; framework: Framework };

/** A template as it is now, with the framework it rates against; undefined if either is missing. */
export const loadCatalog = async (templateId: string): Promise<Catalog | undefined> => {
  const template = (await db().template.get({ id: templateId }).go()).data?.doc as Template | undefined;
  if (!template) return undefined;
  const framework = (await db().framework.get({ id: template.frameworkId }).go()).data?.doc as
    | Framework
    | undefined;
  return framework ? { template, framework } : undefined;
};

/**
 * The template and framework of a cycle made from a template, as they were when it was scheduled;
 * undefined for a cycle without one. Cycles scheduled before snapshots were kept read the current ones.
 */
export const catalogOf = async (
  cycle: Pick<Cycle, 'cycleId' | 'templateId'> | undefined,
): Promise<Catalog | undefined> => {
  if (!cycle?.templateId) return undefined;
  const kept = (await db().cycleCatalog.get({ cycleId: cycle.cycleId }).go()).data;
  if (kept) return { template: kept.template as Template, framework: kept.framework as Framework };
  return loadCatalog(cycle.templateId);
};

/** Goals live outside cycles; a review reads the ones that were live during the cycle. */
export const liveGoals = async (
  employeeId: string,
  cycle: Pick<Cycle, 'startAt'> | undefined,
): Promise<Goal[]> =>
  (await db().goal.query.byOwner({ ownerId: employeeId }).go({ pages: 'all' })).data.filter(
    (g) =>
      g.status !== 'draft' && g.status !== 'dropped' && (!cycle || g.dueDate >= cycle.startAt.slice(0, 10)),
  );

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
  if (answers.length < threshold) return { visibility: 'withheld', responses: answers.length, threshold };
  const sums: Record<string, number[]> = {};
  for (const a of answers) {
    for (const [id, r] of Object.entries(asStructured(a.answers)?.ratings ?? {})) {
      sums[id] = [...(sums[id] ?? []), r];
    }
  }
  return {
    visibility: 'aggregated',
    responses: answers.length,
    averages: Object.fromEntries(
      Object.entries(sums).map(([id, rs]) => [
        id,
        Math.round((rs.reduce((s, r) => s + r, 0) / rs.length) * 10) / 10,
      ]),
    ),
    comments: answers.flatMap((a) => commentsOf(a.answers)).sort(),
  };
};

export type TemplateForm = { form: AppraisalForm; schema: z.ZodType<StructuredAnswers, unknown> };

/**
 * The template-driven form behind a cycle request, or undefined when the request keeps today's fixed
 * form (a cycle without a template, an action item).
 */
export const templateFormFor = async (req: HumanRequest): Promise<TemplateForm | undefined> => {
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
        }
      : {}),
  };
  const form = appraisalForm(input);
  return { form, schema: answerSchema(form, input) };
};

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
    await resumeTask(await tokenOf(calibrationWait(cycleId, employeeId), review.calibrationToken), {
      calibrated: true,
    });
    return { outcome: 'calibrated', calibration: checked.calibration, ...results };
  }
  return { outcome: 'conflict' };
};
