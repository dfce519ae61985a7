import * as z from 'zod';
import { PLAN_ITEM_KINDS } from '../../domain/catalog/documents';
import { MAX_DAYS, MAX_ITEMS, MAX_RECIPIENTS, MIN_DAYS } from '../../domain/feedback/asks';
import { ColumnMap } from '../../domain/people/hris';
import { MAX_DRAFT_ITEMS } from '../../domain/plans/agreement-form';
import { oneLineText } from '../../domain/platform/text';

/* The HR API's request bodies: parsed by the handler, published in the OpenAPI document. */

const id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore');
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Oslo');

export const EmployeeInput = z.object({
  employeeId: id,
  // What names a person reaches email subjects: one line, composed (domain/platform/text.ts).
  name: oneLineText().min(1).max(200),
  email: z.email(),
  managerId: id.optional(),
  title: oneLineText().min(1).max(200),
  level: z.number().int().min(0).max(20),
  department: oneLineText().max(200).optional(),
  track: oneLineText().max(200).optional(),
  location: oneLineText().max(200).optional(),
  startDate: z.iso.date().optional(),
  timeZone,
  status: z.enum(['active', 'on-leave', 'left']).default('active'),
  /** The revision this change was made from, as read: another write since answers 409, not a silent overwrite. */
  revision: z.number().int().min(1).optional(),
});
export const PutEmployeesInput = z.object({ employees: z.array(EmployeeInput).min(1).max(1000) });

export const ScheduleCycleInput = z
  .object({
    name: oneLineText().min(1).max(200),
    startAt: z.iso.datetime({ offset: true }).optional(),
    /** A cycle template: its phases set the deadlines, its filters pick the participants when none are listed. */
    templateId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
      .optional(),
    participants: z.array(id).min(1).max(10_000).optional(),
    /** Repeat the cycle every N months: each cycle schedules the next when it opens. */
    repeatEveryMonths: z.number().int().min(1).max(24).optional(),
    timings: z
      .object({
        selfDays: z.number().int().min(1).max(90),
        peerDays: z.number().int().min(1).max(90),
        managerDays: z.number().int().min(1).max(120),
        closeDays: z.number().int().min(1).max(180),
      })
      .refine((t) => t.selfDays <= t.peerDays && t.peerDays < t.managerDays && t.managerDays < t.closeDays, {
        message: 'phases must be in order: selfDays <= peerDays < managerDays < closeDays',
      })
      .optional(),
  })
  .refine((c) => c.participants !== undefined || c.templateId !== undefined, {
    message: 'list the participants, or name a templateId whose filters select them',
    path: ['participants'],
  })
  .refine((c) => !(c.timings && c.templateId), {
    message: 'give timings or a templateId, not both',
    path: ['timings'],
  });

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);

export { slug as catalogId };

/** An HRIS export, and how to read it: which column is which field, and the order of its dates. */
const orgExport = {
  mode: z.enum(['full', 'partial']).default('partial'),
  csv: z.string().max(8_000_000).optional(),
  rows: z
    .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
    .max(50_000)
    .optional(),
  map: ColumnMap.optional().describe(
    'The export’s own header names → our fields (employee_id, name, email, manager_id, job_title, track, level, department, location, time_zone, start_date, status, termination_date, active; empty leaves a column out), over the common HRIS header names recognised on their own',
  ),
  dateOrder: z
    .enum(['dmy', 'mdy'])
    .optional()
    .describe('How to read a date such as 03/04/2024 that the numbers alone do not tell'),
};
const oneSource = (b: { csv?: string | undefined; rows?: unknown }) =>
  (b.csv === undefined) !== (b.rows === undefined);
const oneSourceError = { message: 'send exactly one of csv or rows', path: ['csv'] };

export const ImportOrgInput = z
  .object({ ...orgExport, dryRun: z.boolean().default(false), skipInvalid: z.boolean().default(false) })
  .refine(oneSource, oneSourceError);

export const PreviewOrgInput = z.object(orgExport).refine(oneSource, oneSourceError);

const planItemFields = {
  kind: z.enum(PLAN_ITEM_KINDS).default('practice'),
  title: z.string().trim().min(1).max(300),
  dueAt: z.iso.datetime({ offset: true }),
  competencyId: z.string().trim().min(1).max(64).optional(),
  definitionOfDone: z.string().trim().min(1).max(1000).optional(),
  mentorId: id.optional(),
  sessionEveryDays: z.number().int().min(7).max(90).optional(),
};

/** A plan item; a mentoring item names its mentor. */
export const PlanItemInput = z
  .object(planItemFields)
  .refine((i) => i.kind !== 'mentoring' || i.mentorId !== undefined, {
    path: ['mentorId'],
    message: 'a mentoring item names its mentor',
  });

/**
 * A plan for an employee: started at once, or (`draft: true`) drafted, to start once the owner and
 * their manager agree to it. An improvement plan follows the performance-improvement policy when HR
 * keeps one.
 */
export const CreatePlanInput = z
  .object({
    ownerId: id,
    title: z.string().trim().min(1).max(200),
    origin: z.enum(['promotion', 'improvement', 'manual']).default('manual'),
    policyId: z.string().trim().min(1).max(64).optional(),
    items: z.array(PlanItemInput).min(1).max(40),
    draft: z.boolean().default(false),
  })
  .refine((p) => !p.draft || p.items.length <= MAX_DRAFT_ITEMS, {
    path: ['items'],
    message: `a draft has at most ${MAX_DRAFT_ITEMS} items`,
  });

/** Draft a plan from an employee's released review in a cycle. */
export const DraftPlanInput = z.object({ cycleId: id, employeeId: id });

/**
 * A change to one item: a new date, new words, a new mentor, or dropping it, made from the `revision`
 * the caller read (GET gives it): once someone else changed the item since, it is refused with 409.
 */
export const ChangePlanItemInput = z
  .object({
    revision: z.number().int().min(1),
    dueAt: z.iso.datetime({ offset: true }).optional(),
    title: planItemFields.title.optional(),
    definitionOfDone: planItemFields.definitionOfDone,
    mentorId: id.optional(),
    drop: z.literal(true).optional(),
  })
  .strict()
  .refine(({ revision: _revision, ...change }) => Object.values(change).some((v) => v !== undefined), {
    message: 'name at least one change',
    path: ['(body)'],
  })
  .refine((c) => !(c.drop && c.dueAt), {
    path: ['drop'],
    message: 'drop an item or give it a date, not both',
  });

export const CancelPlanInput = z.object({ reason: z.string().trim().min(1).max(500) });

/** A cursor a list gave out as `next`, sent back to read the page after it. */
const cursor = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor a list gave out');

/**
 * Which plans to list: one owner's, a manager's team's, a mentor's, or (HR) the overdue ones, or
 * every plan of a status (`any` for all) a page at a time.
 */
export const ListPlansQuery = z
  .object({
    ownerId: id.optional(),
    team: id.optional(),
    mentorId: id.optional(),
    overdue: z.enum(['true']).optional(),
    status: z.enum(['draft', 'active', 'closed', 'cancelled', 'any']).optional(),
    cursor: cursor.optional(),
  })
  .refine(
    (q) => [q.ownerId, q.team, q.mentorId, q.overdue, q.status].filter((v) => v !== undefined).length === 1,
    { message: 'give exactly one of ownerId, team, mentorId, overdue=true or status' },
  )
  .refine((q) => q.cursor === undefined || q.status !== undefined, {
    message: 'a cursor goes with status',
    path: ['cursor'],
  });

/** HR's list of cycles: one status or all, latest start first, a page at a time. */
export const ListCyclesQuery = z.object({
  status: z.enum(['scheduled', 'running', 'closed', 'cancelled']).optional(),
  cursor: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

const goalFields = {
  title: z.string().trim().min(1).max(200),
  measure: z.string().trim().min(1, 'say how progress is measured').max(500),
  targetValue: z.number().finite().optional(),
  unit: z.string().trim().max(40).optional(),
  weight: z.number().int().min(0).max(100),
  dueDate: z.iso.date(),
  parentGoalId: z.string().min(1).max(64).optional(),
};

/** A goal for an employee, or (ownerId "company") a company goal that others align to. */
export const CreateGoalInput = z.object({
  ownerId: z.union([id, z.literal('company')]),
  ...goalFields,
  status: z.enum(['draft', 'active']).default('active'),
});

/**
 * A change to some of a goal's fields, made from the `revision` the caller read (GET gives it): once
 * someone else changed the goal since, the change is refused with 409.
 */
export const UpdateGoalInput = z
  .object({ ...goalFields, status: z.enum(['draft', 'active', 'achieved', 'missed', 'dropped']) })
  .partial()
  .extend({ revision: z.number().int().min(1) })
  .refine((g) => Object.keys(g).length > 1, { message: 'change at least one field', path: ['(body)'] });

export const GoalProgressInput = z
  .object({ value: z.number().finite().optional(), note: z.string().trim().max(2000).optional() })
  .refine((p) => p.value !== undefined || (p.note !== undefined && p.note !== ''), {
    message: 'give a value, a note, or both',
    path: ['value'],
  });

/**
 * An employee's career aspiration: a level, on a track as the framework's expectations name them
 * (left out: the level's expectation for any track), and a note in their own words.
 */
export const PutAspirationInput = z.object({
  track: z.string().trim().min(1, 'leave the track out, or name one').max(100).optional(),
  level: z.number().int().min(0).max(20),
  note: z.string().trim().max(1000).optional(),
  /** The revision this save was made from, as read: a later save since answers 409. */
  revision: z.number().int().min(1).optional(),
});

export const ExtendCycleInput = z.object({
  days: z.number().int().min(1).max(90),
  /** One person's deadlines only; the whole cycle when left out. */
  employeeId: id.optional(),
  phase: z
    .enum([
      'self-assessment',
      'peer-feedback',
      'manager-appraisal',
      'goal-setting',
      'goal-approval',
      'review-meeting',
      'acknowledgment',
    ])
    .optional(),
});

export const CancelCycleInput = z.object({
  reason: z.string().trim().min(1, 'say why the cycle is cancelled').max(500),
});

export const AddParticipantsInput = z.object({ employeeIds: z.array(id).min(1).max(1000) });

/** HR's calibration of one review; the scale and the items the manager rated are checked against the cycle. */
export const CalibrationInput = z
  .object({
    overall: z.number().finite().optional(),
    ratings: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a competency id'), z.number())
      .optional(),
    justification: z.string().trim().min(1, 'say why the rating is calibrated').max(2000),
  })
  .refine((c) => c.overall !== undefined || Object.keys(c.ratings ?? {}).length > 0, {
    message: 'give an overall rating, competency ratings, or both',
    path: ['overall'],
  });

/** Pass an open peer-feedback, manager-appraisal, peer-nomination or peer-approval request to another employee. */
export const ReassignRequestInput = z.object({
  recipientId: id,
  reason: z.string().trim().min(1, 'say why the request is passed on').max(500),
});

const slugId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a catalog id such as "craft"');

/**
 * A request for feedback any time: about the caller (subjectId left out) or a direct report, from up
 * to ten colleagues or external addresses, on catalog items of the template and/or a free question.
 */
export const AskFeedbackInput = z
  .object({
    subjectId: id.optional(),
    recipients: z
      .array(
        z.union([
          z.object({ employeeId: id }).strict(),
          z.object({ name: oneLineText().min(1).max(200), email: z.email() }).strict(),
        ]),
      )
      .min(1)
      .max(MAX_RECIPIENTS),
    templateId: slugId.optional(),
    items: z.array(slugId).max(MAX_ITEMS).default([]),
    question: z.string().trim().min(1).max(500).optional(),
    anonymous: z.boolean().default(false),
    /** The asker's manager reads the answers too (a request about oneself only). */
    managerSees: z.boolean().default(false),
    days: z.number().int().min(MIN_DAYS).max(MAX_DAYS),
  })
  .refine((a) => a.items.length > 0 || a.question !== undefined, {
    message: 'pick catalog items, ask a question, or both',
    path: ['items'],
  });

/** Praise or feedback given unprompted, tied to a value or behaviour of the template's framework. */
export const PraiseInput = z.object({
  employeeId: id,
  templateId: slugId,
  itemId: slugId,
  message: z.string().trim().min(1).max(2000),
});

/** A page of a long list: at most `limit` rows, from where the previous page's `cursor` left off. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().min(1).max(2048).optional(),
});

/** A day of the audit trail (UTC, today by default), a page at a time, newest first. */
export const AuditDayQuery = PageQuery.extend({
  day: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A catalog document's revision number, as a path writes it. */
export const catalogRevisionNumber = z.coerce.number().int().min(1).max(1_000_000);
