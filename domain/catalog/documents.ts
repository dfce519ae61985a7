import * as z from 'zod';
import { MAX_LINK_DAYS } from '../mail/link-lifetime';

/*
 * What HR defines once and cycles read: competency frameworks ("culture by design": competencies,
 * behaviours and company values with level descriptors and the level expected of each role) and
 * cycle templates (phases, questions, who takes part, reminders, escalation, send hour and quiet
 * days, the overall-rating formula). Both are documents with cross-field rules checked here.
 */

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lowercase letters, digits and dashes');

/**
 * What a development plan's item is: a training or course, coaching with the manager, mentoring with a
 * named mentor, a stretch assignment, or reading and practice.
 */
export const PLAN_ITEM_KINDS = ['training', 'coaching', 'mentoring', 'stretch', 'practice'] as const;
export type PlanItemKind = (typeof PLAN_ITEM_KINDS)[number];

/** A development action the framework suggests for a competency. */
const suggestion = z.object({
  kind: z.enum(PLAN_ITEM_KINDS),
  title: z.string().trim().min(1).max(200),
  definitionOfDone: z.string().trim().max(1000).optional(),
});

export const FrameworkDoc = z
  .object({
    kind: z.literal('framework'),
    id: slug,
    name: z.string().trim().min(1).max(200),
    scale: z.object({
      min: z.number().int().min(0).max(1),
      max: z.number().int().min(2).max(10),
      labels: z.array(z.string().trim().min(1).max(60)),
    }),
    competencies: z
      .array(
        z.object({
          id: slug,
          name: z.string().trim().min(1).max(200),
          type: z.enum(['competency', 'behaviour', 'value']),
          description: z.string().max(2000).optional(),
          /** What each point of the scale looks like, keyed by the point ("1".."5"). */
          levels: z.record(z.string().regex(/^\d+$/), z.string().max(1000)).optional(),
          /** Development actions HR suggests for this item: what a drafted plan offers first. */
          development: z.array(suggestion).max(10).optional(),
        }),
      )
      .min(1)
      .max(200),
    expectations: z
      .array(
        z.object({
          track: z.string().trim().max(100).optional(),
          level: z.number().int().min(0).max(20),
          expected: z.record(slug, z.number().int()),
        }),
      )
      .default([]),
  })
  .superRefine((f, ctx) => {
    if (f.scale.labels.length !== f.scale.max - f.scale.min + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['scale', 'labels'],
        message: `needs one label per point from ${f.scale.min} to ${f.scale.max}`,
      });
    }
    const ids = new Set<string>();
    f.competencies.forEach((c, i) => {
      if (ids.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['competencies', i, 'id'], message: `duplicate id "${c.id}"` });
      ids.add(c.id);
      for (const point of Object.keys(c.levels ?? {})) {
        const n = Number(point);
        if (n < f.scale.min || n > f.scale.max) {
          ctx.addIssue({
            code: 'custom',
            path: ['competencies', i, 'levels', point],
            message: 'is outside the scale',
          });
        }
      }
    });
    f.expectations.forEach((e, i) => {
      for (const [id, level] of Object.entries(e.expected)) {
        if (!ids.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['expectations', i, 'expected', id],
            message: `unknown competency "${id}"`,
          });
        else if (level < f.scale.min || level > f.scale.max) {
          ctx.addIssue({
            code: 'custom',
            path: ['expectations', i, 'expected', id],
            message: 'is outside the scale',
          });
        }
      }
    });
  });
export type Framework = z.infer<typeof FrameworkDoc>;

const weekDays = z
  .array(z.enum(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']))
  .max(6)
  .default(['Sat', 'Sun']);

const dueDays = z.number().int().min(0).max(365);
const phase = z.object({ enabled: z.boolean().default(true), dueDays });

export const PHASE_ORDER = [
  'goalSetting',
  'selfAssessment',
  'peerFeedback',
  'managerAppraisal',
  'calibration',
  'reviewMeeting',
  'acknowledgment',
] as const;

export const TemplateDoc = z
  .object({
    kind: z.literal('template'),
    id: slug,
    name: z.string().trim().min(1).max(200),
    frameworkId: slug,
    phases: z.object({
      goalSetting: phase.optional(),
      selfAssessment: phase,
      peerFeedback: phase
        .extend({
          nominatedBy: z.enum(['employee', 'manager']).default('employee'),
          minPeers: z.number().int().min(0).max(20).default(3),
          maxPeers: z.number().int().min(0).max(20).default(5),
          anonymityThreshold: z.number().int().min(1).max(20).default(3),
          managersSeeAttribution: z.boolean().default(false),
        })
        // Below three, the one answer not one's own can be read back by subtraction: only a template
        // that tells its peers their names are seen may go lower.
        .refine((p) => p.anonymityThreshold >= 3 || p.managersSeeAttribution, {
          path: ['anonymityThreshold'],
          message:
            'must be at least 3 unless managersSeeAttribution is true (the peer form then says who sees names)',
        }),
      managerAppraisal: phase,
      calibration: phase.optional(),
      reviewMeeting: phase.optional(),
      acknowledgment: phase,
    }),
    questions: z
      .array(
        z.object({
          id: slug,
          type: z.enum(['competency-rating', 'goal-rating', 'text']),
          text: z.string().trim().min(1).max(500),
          competencyId: slug.optional(),
          required: z.boolean().default(true),
        }),
      )
      .min(1)
      .max(100),
    participants: z
      .object({
        departments: z.array(z.string().trim().min(1)).optional(),
        levels: z.array(z.number().int().min(0).max(20)).optional(),
        /** People who joined fewer than this many days before the cycle starts are left out. */
        minTenureDays: z.number().int().min(0).max(3650).default(0),
      })
      .default({ minTenureDays: 0 }),
    reminders: z
      .object({ daysBefore: z.array(z.number().int().min(0).max(60)).max(10).default([7, 3, 1, 0]) })
      .default({ daysBefore: [7, 3, 1, 0] }),
    escalation: z
      .object({
        managerAfterDays: z.number().int().min(0).max(60),
        skipLevelAfterDays: z.number().int().min(0).max(60),
        hrAfterDays: z.number().int().min(0).max(90),
      })
      .default({ managerAfterDays: 2, skipLevelAfterDays: 5, hrAfterDays: 8 }),
    sendHour: z.number().int().min(0).max(23).default(9),
    /** Days an email link lives at most (domain/mail/links.ts), however long its request stays open. */
    linkMaxDays: z.number().int().min(1).max(MAX_LINK_DAYS).default(MAX_LINK_DAYS),
    quietDays: weekDays,
    /**
     * Whether releasing a review drafts the employee's development plan, and the plan policy it
     * follows (the catalog's default one when none is named).
     */
    developmentPlans: z
      .object({ draft: z.boolean().default(true), policyId: slug.optional() })
      .default({ draft: true }),
    overallRating: z
      .object({
        weights: z.object({
          goals: z.number().min(0).max(1),
          competencies: z.number().min(0).max(1),
          behaviours: z.number().min(0).max(1),
        }),
      })
      .default({ weights: { goals: 0.5, competencies: 0.3, behaviours: 0.2 } }),
  })
  .superRefine((t, ctx) => {
    let last = -1;
    let lastName = '';
    for (const name of PHASE_ORDER) {
      const p = t.phases[name];
      if (!p?.enabled) continue;
      if (p.dueDays < last)
        ctx.addIssue({
          code: 'custom',
          path: ['phases', name, 'dueDays'],
          message: `must not come before ${lastName} (day ${last})`,
        });
      last = p.dueDays;
      lastName = name;
    }
    const pf = t.phases.peerFeedback;
    if (pf.minPeers > pf.maxPeers)
      ctx.addIssue({
        code: 'custom',
        path: ['phases', 'peerFeedback', 'minPeers'],
        message: 'must not exceed maxPeers',
      });
    const e = t.escalation;
    if (!(e.managerAfterDays <= e.skipLevelAfterDays && e.skipLevelAfterDays <= e.hrAfterDays)) {
      ctx.addIssue({
        code: 'custom',
        path: ['escalation'],
        message: 'must escalate in order: manager, then skip-level, then HR',
      });
    }
    const w = t.overallRating.weights;
    if (Math.abs(w.goals + w.competencies + w.behaviours - 1) > 1e-9) {
      ctx.addIssue({ code: 'custom', path: ['overallRating', 'weights'], message: 'must add up to 1' });
    }
    const ids = new Set<string>();
    t.questions.forEach((q, i) => {
      if (ids.has(q.id))
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate id "${q.id}"` });
      ids.add(q.id);
      if (q.type === 'competency-rating' && !q.competencyId) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'competencyId'],
          message: 'is required for a competency rating',
        });
      }
    });
  });
export type Template = z.infer<typeof TemplateDoc>;

/**
 * A per-person review triggered by a date in someone's employment rather than by HR scheduling a
 * cycle: "an end-of-probation review 180 days after the start date". Each person it selects gets a
 * one-person cycle from the named template.
 */
export const TriggerDoc = z.object({
  kind: z.literal('trigger'),
  id: slug,
  name: z.string().trim().min(1).max(200),
  templateId: slug,
  /** Days after the employee's start date on which the review starts. */
  daysAfterStart: z.number().int().min(1).max(3650),
});
export type Trigger = z.infer<typeof TriggerDoc>;

/** Who an overdue plan item is escalated to, each resolved when its step is due. */
export const ESCALATION_TARGETS = ['owner', 'manager', 'skip-level', 'hr'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

/**
 * How a development plan is followed up: the reminders before each item's due date, the escalation
 * chain after it, the send window, the check-in cadence, how far an owner may move a date on their
 * own, and what a blocked item does. A plan keeps the policy it started with.
 */
export const PlanPolicyDoc = z
  .object({
    kind: z.literal('plan-policy'),
    id: slug,
    name: z.string().trim().min(1).max(200),
    reminders: z
      .object({ daysBefore: z.array(z.number().int().min(0).max(60)).max(10).default([7, 1]) })
      .default({ daysBefore: [7, 1] }),
    escalation: z
      .array(z.object({ to: z.enum(ESCALATION_TARGETS), afterDays: z.number().int().min(0).max(90) }))
      .max(6)
      .default([
        { to: 'manager', afterDays: 2 },
        { to: 'skip-level', afterDays: 9 },
        { to: 'hr', afterDays: 16 },
      ]),
    /** Days after the due date at which an item nobody answered closes as missed. */
    closeAfterDays: z.number().int().min(1).max(180).default(30),
    sendHour: z.number().int().min(0).max(23).default(9),
    /** Days an email link lives at most (domain/mail/links.ts), however long its request stays open. */
    linkMaxDays: z.number().int().min(1).max(MAX_LINK_DAYS).default(MAX_LINK_DAYS),
    quietDays: weekDays,
    checkIns: z
      .object({
        /** Days between check-ins; 0 for none. */
        everyDays: z.number().int().min(0).max(180).default(28),
        /** Days the employee has to answer one; reminded once, the day before. */
        answerDays: z.number().int().min(1).max(30).default(5),
      })
      .default({ everyDays: 28, answerDays: 5 }),
    newDates: z
      .object({
        /** How many days later than the agreed date an owner may move an item on their own. */
        maxDaysLater: z.number().int().min(0).max(365).default(30),
        /** How many times an owner may do so per item; after that the manager decides. */
        maxTimes: z.number().int().min(0).max(10).default(2),
      })
      .default({ maxDaysLater: 30, maxTimes: 2 }),
    blocked: z
      .object({
        /** Days the manager has to decide on a blocked item (or a date beyond the limit). */
        decisionDays: z.number().int().min(1).max(30).default(3),
        /** HR hears of every blocked item too (a performance-improvement plan). */
        tellHr: z.boolean().default(false),
      })
      .default({ decisionDays: 3, tellHr: false }),
    sessions: z
      .object({
        /** Days a coach or mentor has to confirm a session was held. */
        confirmDays: z.number().int().min(1).max(30).default(3),
      })
      .default({ confirmDays: 3 }),
  })
  .superRefine((p, ctx) => {
    p.escalation.forEach((e, i) => {
      const before = p.escalation[i - 1];
      if (before && e.afterDays < before.afterDays)
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', i, 'afterDays'],
          message: `must not come before the step to ${before.to} (day ${before.afterDays})`,
        });
    });
    const last = p.escalation.at(-1);
    if (last && p.closeAfterDays <= last.afterDays)
      ctx.addIssue({
        code: 'custom',
        path: ['closeAfterDays'],
        message: `must come after the last escalation (day ${last.afterDays})`,
      });
  });
export type PlanPolicy = z.infer<typeof PlanPolicyDoc>;

/** The policy a plan follows when none is named: the defaults above. */
export const DEFAULT_PLAN_POLICY: PlanPolicy = PlanPolicyDoc.parse({
  kind: 'plan-policy',
  id: 'development',
  name: 'Development plan',
});

/** Competency ids a template's questions name that its framework does not define. */
export const unknownCompetencies = (
  template: Template,
  framework: Framework,
): Array<{ index: number; id: string }> => {
  const ids = new Set(framework.competencies.map((c) => c.id));
  return template.questions
    .map((q, index) => ({ index, id: q.competencyId }))
    .filter((q): q is { index: number; id: string } => q.id !== undefined && !ids.has(q.id));
};

/** Cycle timings (days after the start) that a template's phases give. */
export const timingsOf = (t: Template) => ({
  selfDays: t.phases.selfAssessment.dueDays,
  peerDays: t.phases.peerFeedback.dueDays,
  managerDays: t.phases.managerAppraisal.dueDays,
  closeDays: t.phases.acknowledgment.dueDays,
});

/** The ladder a template gives a cycle's human steps. */
export const policyOf = (t: Template) => ({
  reminderHoursBefore: [...new Set(t.reminders.daysBefore)].sort((a, b) => b - a).map((d) => d * 24),
  escalationHours: {
    manager: t.escalation.managerAfterDays * 24,
    skipLevel: t.escalation.skipLevelAfterDays * 24,
    hr: t.escalation.hrAfterDays * 24,
  },
  anonymityThreshold: t.phases.peerFeedback.anonymityThreshold,
  maxPeers: t.phases.peerFeedback.maxPeers,
  minPeers: t.phases.peerFeedback.minPeers,
  nominatedBy: t.phases.peerFeedback.nominatedBy,
  sendHour: t.sendHour,
  quietDays: t.quietDays,
  linkMaxDays: t.linkMaxDays,
  phases: phaseDaysOf(t),
});

/** Days after the start of the phases around the appraisal that the template enables. */
export const phaseDaysOf = (t: Template) => {
  const on = (p: { enabled: boolean; dueDays: number } | undefined) => (p?.enabled ? p.dueDays : undefined);
  const days = {
    goalSetting: on(t.phases.goalSetting),
    calibration: on(t.phases.calibration),
    reviewMeeting: on(t.phases.reviewMeeting),
    acknowledgment: t.phases.acknowledgment.dueDays,
  };
  return Object.fromEntries(Object.entries(days).filter(([, d]) => d !== undefined)) as {
    goalSetting?: number;
    calibration?: number;
    reviewMeeting?: number;
    acknowledgment: number;
  };
};

/** Who takes part: active people with a manager, matching the template's filters on the start date. */
export const selectParticipants = <
  E extends {
    employeeId: string;
    managerId?: string | undefined;
    status: string;
    department?: string | undefined;
    level: number;
    startDate?: string | undefined;
  },
>(
  t: Template,
  people: E[],
  startAt: Date,
): E[] => {
  const f = t.participants;
  const cutoff = startAt.getTime() - f.minTenureDays * 86_400_000;
  return people.filter(
    (p) =>
      p.status === 'active' &&
      p.managerId !== undefined &&
      (!f.departments || (p.department !== undefined && f.departments.includes(p.department))) &&
      (!f.levels || f.levels.includes(p.level)) &&
      (!p.startDate || Date.parse(`${p.startDate}T00:00:00Z`) <= cutoff),
  );
};
