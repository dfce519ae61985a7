import { z } from 'zod';
import {
  type AppraisalForm,
  asStructured,
  type FormField,
  type PhaseKind,
  type ReferenceBlock,
} from '../catalog/forms';
import type { Calibration, GapAnalysis } from '../catalog/ratings';
import type { Answer } from '../human-steps/answers';
import { now } from '../platform/clock';
import { stableId } from '../platform/ids';
import { type Acknowledgment, db, type Goal, type HumanRequest, type Params } from '../platform/table';
import type { GoalDecision } from './goal-setting';

/*
 * The forms of the phases around the appraisal, as data (rendered by the form pages like the
 * appraisal's): the employee's goal drafts, the manager's approval, the record of the review
 * meeting and the employee's acknowledgment. Each parses what was sent into the answer stored on
 * the request and the writes that go with it in the same transaction.
 */

export type Parsed =
  | { ok: true; answers: Answer; extra: Params[] }
  | { ok: false; errors: Record<string, string> };

export type PhaseForm = { form: AppraisalForm; parse: (values: Record<string, string>) => Parsed };

/** More drafts than this are managed through the goals API; a transaction holds 100 writes. */
const MAX_GOALS = 20;
const MAX_TEXT = 5000;

const drafts = async (ownerId: string): Promise<Goal[]> =>
  (await db().goal.query.byOwner({ ownerId }).go({ pages: 'all' })).data
    .filter((g) => g.status === 'draft')
    .slice(0, MAX_GOALS);

const input = (
  name: string,
  label: string,
  inputType: 'text' | 'number' | 'date',
  value: string | undefined,
  required: boolean,
): FormField => ({
  name,
  type: 'input',
  inputType,
  label,
  short: label,
  required,
  ...(value ? { value } : {}),
});

const choice = (name: string, label: string, options: Array<[string, string]>): FormField => ({
  name,
  type: 'rating',
  label,
  short: label.toLowerCase(),
  scale: options.map(([value, text]) => ({ value, label: text })),
});

const text = (name: string, label: string): FormField => ({
  name,
  type: 'text',
  label,
  short: label,
  required: false,
});

const GoalFields = z.object({
  title: z.string().trim().min(1, 'Give the goal a title').max(200, 'The title is at most 200 characters'),
  measure: z
    .string()
    .trim()
    .min(1, 'Say how progress is measured')
    .max(500, 'The measure is at most 500 characters'),
  weight: z.coerce
    .number({ error: 'The weight is a whole number from 0 to 100' })
    .int('The weight is a whole number from 0 to 100')
    .min(0, 'The weight is a whole number from 0 to 100')
    .max(100, 'The weight is a whole number from 0 to 100'),
  dueDate: z.iso.date({ error: 'The due date is a date such as 2027-12-31' }),
});
type GoalFields = z.infer<typeof GoalFields>;

/**
 * Parses the goal rows of an answer: every listed draft, and the new row when it has a title.
 * Pure, so the rules are unit-tested: an error names its field ("goal.<id>.weight", "new.title").
 */
export const parseGoalRows = (
  draftIds: string[],
  values: Record<string, string>,
):
  | { ok: true; edits: Array<{ goalId: string } & GoalFields>; added?: GoalFields }
  | { ok: false; errors: Record<string, string> } => {
  const errors: Record<string, string> = {};
  const read = (prefix: string) => {
    const parsed = GoalFields.safeParse({
      title: values[`${prefix}.title`] ?? '',
      measure: values[`${prefix}.measure`] ?? '',
      weight: values[`${prefix}.weight`] === '' ? undefined : values[`${prefix}.weight`],
      dueDate: values[`${prefix}.dueDate`] ?? '',
    });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) errors[`${prefix}.${String(issue.path[0])}`] ??= issue.message;
    return undefined;
  };
  const edits = draftIds.map((goalId) => ({ goalId, fields: read(`goal.${goalId}`) }));
  const added = (values['new.title'] ?? '').trim() ? read('new') : undefined;
  if (draftIds.length === 0 && !(values['new.title'] ?? '').trim())
    errors['new.title'] = 'Add at least one goal';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    edits: edits.map((e) => ({ goalId: e.goalId, ...(e.fields as GoalFields) })),
    ...(added ? { added } : {}),
  };
};

const goalSettingForm = async (req: HumanRequest): Promise<PhaseForm> => {
  const goals = await drafts(req.subjectId);
  const startDue = new Date(now().getTime() + 365 * 86_400_000).toISOString().slice(0, 10);
  const form: AppraisalForm = {
    kind: 'goal-setting',
    title: 'Your goals',
    intro:
      'Draft the goals you want to reach: a title, how progress is measured, a weight (0–100) and a due date. Your manager approves them next.',
    submit: 'Submit my goals for approval',
    reference: req.note
      ? [{ heading: 'Your manager’s comment', rows: [{ label: 'Comment', value: req.note }] }]
      : [],
    sections: [
      ...goals.map((g) => ({
        heading: g.title,
        fields: [
          input(`goal.${g.goalId}.title`, 'Title', 'text', g.title, true),
          input(`goal.${g.goalId}.measure`, 'How progress is measured', 'text', g.measure, true),
          input(`goal.${g.goalId}.weight`, 'Weight (0–100)', 'number', String(g.weight), true),
          input(`goal.${g.goalId}.dueDate`, 'Due date', 'date', g.dueDate, true),
        ],
      })),
      {
        heading: goals.length ? 'Add another goal (optional)' : 'Your first goal',
        fields: [
          input('new.title', 'Title', 'text', undefined, goals.length === 0),
          input('new.measure', 'How progress is measured', 'text', undefined, false),
          input('new.weight', 'Weight (0–100)', 'number', '25', false),
          input('new.dueDate', 'Due date', 'date', startDue, false),
        ],
      },
    ],
  };
  return {
    form,
    parse: (values) => {
      const rows = parseGoalRows(
        goals.map((g) => g.goalId),
        values,
      );
      if (!rows.ok) return rows;
      const at = now().toISOString();
      const extra: Params[] = rows.edits.map((e) => ({
        Update: db()
          .goal.patch({ goalId: e.goalId })
          .set({ title: e.title, measure: e.measure, weight: e.weight, dueDate: e.dueDate, updatedAt: at })
          // A goal approved or dropped meanwhile is no longer a draft to edit: the answer fails whole.
          .where((a, op) => op.eq(a.status, 'draft'))
          .params(),
      }));
      const goalIds = rows.edits.map((e) => e.goalId);
      if (rows.added) {
        // One new goal per request at most, so its id can be stable.
        const goalId = stableId(req.requestId, 'new-goal');
        extra.push({
          Put: db()
            .goal.create({
              ...rows.added,
              goalId,
              ownerId: req.subjectId,
              status: 'draft',
              progress: [],
              createdAt: at,
              updatedAt: at,
            })
            .params(),
        });
        goalIds.push(goalId);
      }
      return { ok: true, answers: { goalIds }, extra };
    },
  };
};

const goalApprovalForm = async (req: HumanRequest): Promise<PhaseForm> => {
  const [goals, subject] = await Promise.all([
    drafts(req.subjectId),
    db().employee.get({ employeeId: req.subjectId }).go(),
  ]);
  const name = subject.data?.name ?? 'your colleague';
  const form: AppraisalForm = {
    kind: 'goal-approval',
    title: `${name}’s goals`,
    intro:
      'Approve the goals, and they become active; or return them with a comment, and they go back for another round.',
    submit: 'Send my decision',
    reference: [
      {
        heading: 'Draft goals',
        ...(goals.length ? {} : { note: 'There are no draft goals.' }),
        rows: goals.map((g) => ({
          label: g.title,
          value: `${g.measure} · weight ${g.weight} · due ${g.dueDate}`,
        })),
      },
    ],
    sections: [
      {
        heading: 'Your decision',
        fields: [
          choice('decision', 'Your decision', [
            ['approve', 'Approve these goals'],
            ['return', 'Return them with a comment'],
          ]),
          text('comment', `Comment for ${name} (required when you return the goals)`),
        ],
      },
    ],
  };
  return {
    form,
    parse: (values) => {
      const decision = parseGoalDecision(values);
      if (!decision.ok) return decision;
      const at = now().toISOString();
      const approved = decision.value.decision === 'approve';
      const extra: Params[] = approved
        ? goals.map((g) => ({
            Update: db()
              .goal.patch({ goalId: g.goalId })
              .set({ status: 'active', updatedAt: at })
              .where((a, op) => op.eq(a.status, 'draft'))
              .params(),
          }))
        : [];
      // An approval settles the phase with the answer: the workflow goes on without the round Lambda.
      if (approved && req.cycleId)
        extra.push({
          Update: db()
            .review.patch({ cycleId: req.cycleId, employeeId: req.subjectId })
            .set({ goalStatus: 'approved' })
            .params(),
        });
      return { ok: true, answers: { ...decision.value, goalIds: goals.map((g) => g.goalId) }, extra };
    },
  };
};

/** Approve, or return with a comment: a return without one is refused, naming the comment field. */
export const parseGoalDecision = (
  values: Record<string, string>,
): { ok: true; value: GoalDecision } | { ok: false; errors: Record<string, string> } => {
  const comment = (values.comment ?? '').trim();
  if (values.decision === 'approve') return { ok: true, value: { decision: 'approve' } };
  if (values.decision !== 'return') return { ok: false, errors: { decision: 'Choose approve or return' } };
  if (!comment) return { ok: false, errors: { comment: 'Say what to change when you return the goals' } };
  if (comment.length > MAX_TEXT)
    return { ok: false, errors: { comment: `The comment is at most ${MAX_TEXT} characters` } };
  return { ok: true, value: { decision: 'return', comment } };
};

const meetingForm = async (_req: HumanRequest): Promise<PhaseForm> => ({
  form: {
    kind: 'review-meeting',
    title: 'Record the review meeting',
    intro: 'Once the review meeting has taken place, record it as held.',
    submit: 'Record the meeting as held',
    reference: [],
    sections: [{ heading: 'The meeting', fields: [text('notes', 'Notes for your records (optional)')] }],
  },
  parse: (values) => {
    const notes = (values.notes ?? '').trim();
    if (notes.length > MAX_TEXT)
      return { ok: false, errors: { notes: `The notes are at most ${MAX_TEXT} characters` } };
    // Recorded on the meeting request only (domain/reviews/meeting.ts meetingHeldAt reads it from
    // there): rewriting the whole review for one date would cost more than everything else in the answer.
    return { ok: true, answers: { heldAt: now().toISOString(), ...(notes ? { notes } : {}) }, extra: [] };
  },
});

/** Acknowledge, optionally disagreeing: a disagreement needs its text. */
export const parseAcknowledgment = (
  values: Record<string, string>,
  at: string,
): { ok: true; value: Acknowledgment } | { ok: false; errors: Record<string, string> } => {
  const disagreement = (values.disagreement ?? '').trim();
  if (values.agreement !== 'agree' && values.agreement !== 'disagree')
    return { ok: false, errors: { agreement: 'Choose whether you agree' } };
  if (disagreement.length > MAX_TEXT)
    return { ok: false, errors: { disagreement: `This is at most ${MAX_TEXT} characters` } };
  if (values.agreement === 'agree') return { ok: true, value: { at, agrees: true } };
  if (!disagreement) return { ok: false, errors: { disagreement: 'Say what you disagree with' } };
  return { ok: true, value: { at, agrees: false, disagreement } };
};

const resultsBlock = async (req: HumanRequest): Promise<ReferenceBlock[]> => {
  if (!req.cycleId) return [];
  const review = (await db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go()).data;
  if (!review?.releasedAt) return [];
  const manager = asStructured(review.managerAppraisal) ?? (review.managerAppraisal as Answer | undefined);
  const calibrated = (review.calibration as Calibration | undefined)?.overall?.calibrated;
  const overall = calibrated ?? review.overallRating;
  const gaps = review.gapAnalysis as GapAnalysis | undefined;
  const names = new Map(gaps?.items.map((i) => [i.competencyId, i.name]));
  const rows = [
    ...(overall !== undefined ? [{ label: 'Overall rating', value: String(overall) }] : []),
    ...(typeof manager?.summary === 'string' ? [{ label: 'Summary', value: manager.summary }] : []),
    ...(typeof manager?.developmentNeeds === 'string'
      ? [{ label: 'Development needs', value: manager.developmentNeeds }]
      : []),
    ...(gaps?.developmentNeeds.length
      ? [
          {
            label: 'Gaps against your role',
            value: gaps.developmentNeeds
              .map((n) => `${n.name} (${n.rating}, ${n.expected} expected)`)
              .join('; '),
          },
        ]
      : []),
    ...(gaps?.strengths.length
      ? [{ label: 'Strengths', value: gaps.strengths.map((id) => names.get(id) ?? id).join(', ') }]
      : []),
  ];
  return [{ heading: 'Your results', rows }];
};

const acknowledgmentForm = async (req: HumanRequest): Promise<PhaseForm> => ({
  form: {
    kind: 'acknowledgment',
    title: 'Acknowledge your review',
    intro:
      'Acknowledging says you have read your review. If you disagree with parts of it, say so: HR sees it beside your review.',
    submit: 'Acknowledge my review',
    reference: await resultsBlock(req),
    sections: [
      {
        heading: 'Your acknowledgment',
        fields: [
          choice('agreement', 'Your acknowledgment', [
            ['agree', 'I have read my review'],
            ['disagree', 'I have read my review and disagree with parts of it'],
          ]),
          text('disagreement', 'What you disagree with (required if you disagree)'),
        ],
      },
    ],
  },
  parse: (values) => {
    const at = now().toISOString();
    const parsed = parseAcknowledgment(values, at);
    if (!parsed.ok) return parsed;
    return {
      ok: true,
      answers: { ...parsed.value },
      extra: req.cycleId
        ? [
            {
              Update: db()
                .review.patch({ cycleId: req.cycleId, employeeId: req.subjectId })
                .set({ acknowledgment: parsed.value })
                .params(),
            },
          ]
        : [],
    };
  },
});

const BUILDERS: Record<PhaseKind, (req: HumanRequest) => Promise<PhaseForm>> = {
  'goal-setting': goalSettingForm,
  'goal-approval': goalApprovalForm,
  'review-meeting': meetingForm,
  acknowledgment: acknowledgmentForm,
};

/** The form behind a phase request, or undefined for the appraisal's and action items' own forms. */
export const phaseFormFor = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  const build = BUILDERS[req.kind as PhaseKind] as ((r: HumanRequest) => Promise<PhaseForm>) | undefined;
  return build ? build(req) : undefined;
};
