import * as z from 'zod';
import {
  asStructured,
  type ChoiceField,
  choiceSchema,
  type DateField,
  dateSchema,
  type Form,
  fieldErrors,
  type LineField,
  type NumberField,
  numberSchema,
  type PhaseKind,
  type ReferenceBlock,
  readField,
  readFields,
  type TextField,
  textSchema,
} from '../catalog/forms';
import type { Calibration, GapAnalysis } from '../catalog/ratings';
import type { Answer } from '../human-steps/answers';
import { now } from '../platform/clock';
import { stableId } from '../platform/ids';
import { type Acknowledgment, db, type Goal, type HumanRequest, type Params } from '../platform/table';
import type { GoalDecision } from './goal-setting';

/*
 * The forms of the phases around the appraisal, as data (rendered by the form page like the
 * appraisal's): the employee's goal drafts, the manager's approval, the record of the review
 * meeting and the employee's acknowledgment. Each field is defined once below, for the page and for
 * the parse; each parse turns what was sent into the answer stored on the request and the writes
 * that go with it in the same transaction, with the rules that span fields (a goal row counts when
 * it has a title, a return needs its comment).
 */

export type Parsed =
  | { ok: true; answers: Answer; extra: Params[] }
  | { ok: false; errors: Record<string, string> };

export type PhaseForm = { form: Form; parse: (values: Record<string, string>) => Parsed };

/** More drafts than this are managed through the goals API; a transaction holds 100 writes. */
const MAX_GOALS = 20;

const drafts = async (ownerId: string): Promise<Goal[]> =>
  (await db().goal.query.byOwner({ ownerId }).go({ pages: 'all' })).data
    .filter((g) => g.status === 'draft')
    .slice(0, MAX_GOALS);

type GoalRow = { title: LineField; measure: LineField; weight: NumberField; dueDate: DateField };

const WEIGHT = { min: 0, max: 100 };
/** A draft's row on the page, and any row as it is read: every field of a goal is needed. */
const WHOLE = { title: true, rest: true };

/**
 * One goal's fields on the goal-setting page, named `<prefix>.title` and so on: a draft's under
 * `goal.<id>`, the new goal's under `new`.
 */
const goalRow = (
  prefix: string,
  required: { title: boolean; rest: boolean },
  shown: Partial<Record<keyof GoalRow, string>> = {},
): GoalRow => {
  const value = (key: keyof GoalRow) => (shown[key] ? { value: shown[key] } : {});
  return {
    title: {
      name: `${prefix}.title`,
      type: 'input',
      inputType: 'text',
      label: 'Title',
      short: 'The title',
      required: required.title,
      maxLength: 200,
      ...value('title'),
    },
    measure: {
      name: `${prefix}.measure`,
      type: 'input',
      inputType: 'text',
      label: 'How progress is measured',
      short: 'The measure',
      required: required.rest,
      maxLength: 500,
      ...value('measure'),
    },
    weight: {
      name: `${prefix}.weight`,
      type: 'input',
      inputType: 'number',
      label: `Weight (${WEIGHT.min}–${WEIGHT.max})`,
      short: 'The weight',
      required: required.rest,
      ...WEIGHT,
      ...value('weight'),
    },
    dueDate: {
      name: `${prefix}.dueDate`,
      type: 'input',
      inputType: 'date',
      label: 'Due date',
      short: 'The due date',
      required: required.rest,
      ...value('dueDate'),
    },
  };
};

const rowSchema = (row: GoalRow) =>
  z.object({
    title: textSchema(row.title),
    measure: textSchema(row.measure),
    weight: numberSchema(row.weight),
    dueDate: dateSchema(row.dueDate),
  });
type GoalFields = z.infer<ReturnType<typeof rowSchema>>;

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
    const row = goalRow(prefix, WHOLE);
    const parsed = readFields(row, rowSchema(row), values);
    if (parsed.ok) return parsed.value;
    for (const [name, message] of Object.entries(parsed.errors)) errors[name] ??= message;
    return undefined;
  };
  const edits = draftIds.map((goalId) => ({ goalId, fields: read(`goal.${goalId}`) }));
  const newTitle = goalRow('new', WHOLE).title.name;
  const added = (values[newTitle] ?? '').trim() ? read('new') : undefined;
  if (draftIds.length === 0 && !(values[newTitle] ?? '').trim()) errors[newTitle] = 'Add at least one goal';
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
  const form: Form = {
    kind: 'goal-setting',
    title: 'Your goals',
    intro:
      'Draft the goals you want to reach: a title, how progress is measured, a weight (0–100) and a due date. Your manager approves them next.',
    submit: 'Submit my goals for approval',
    reference: req.note
      ? [
          {
            heading: 'Your manager’s comment',
            rows: [{ label: 'Comment', value: req.note }],
            sensitive: true,
          },
        ]
      : [],
    sections: [
      ...goals.map((g) => ({
        heading: g.title,
        fields: Object.values(
          goalRow(`goal.${g.goalId}`, WHOLE, {
            title: g.title,
            measure: g.measure,
            weight: String(g.weight),
            dueDate: g.dueDate,
          }),
        ),
      })),
      {
        heading: goals.length ? 'Add another goal (optional)' : 'Your first goal',
        fields: Object.values(
          goalRow('new', { title: goals.length === 0, rest: false }, { weight: '25', dueDate: startDue }),
        ),
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
          // A change like the API's: a PATCH made from the revision before it is refused.
          .add({ revision: 1 })
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

const DECISION: ChoiceField = {
  name: 'decision',
  type: 'choice',
  label: 'Your decision',
  short: 'approve or return',
  options: [
    { value: 'approve', label: 'Approve these goals' },
    { value: 'return', label: 'Return them with a comment' },
  ],
};

/** Its label names the colleague on the page: "Comment for Ola". */
const COMMENT: TextField = {
  name: 'comment',
  type: 'text',
  label: 'Comment',
  short: 'The comment',
  required: false,
  requiredWhen: 'when you return the goals',
};

const goalApprovalForm = async (req: HumanRequest): Promise<PhaseForm> => {
  const [goals, subject] = await Promise.all([
    drafts(req.subjectId),
    db().employee.get({ employeeId: req.subjectId }).go(),
  ]);
  const name = subject.data?.name ?? 'your colleague';
  const form: Form = {
    kind: 'goal-approval',
    title: `${name}’s goals`,
    intro:
      'Approve the goals, and they become active; or return them with a comment, and they go back for another round.',
    submit: 'Send my decision',
    reference: [
      {
        heading: 'Draft goals',
        sensitive: true,
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
        fields: [DECISION, { ...COMMENT, label: `Comment for ${name}` }],
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
              .add({ revision: 1 })
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

/**
 * Approve, or return with a comment: a return without one is refused, naming the comment field. An
 * approval reads nothing else.
 */
export const parseGoalDecision = (
  values: Record<string, string>,
): { ok: true; value: GoalDecision } | { ok: false; errors: Record<string, string> } => {
  const chosen = readField(DECISION, choiceSchema(DECISION), values);
  if (!chosen.ok) return chosen;
  if (chosen.value === 'approve') return { ok: true, value: { decision: 'approve' } };
  const comment = readField(COMMENT, textSchema(COMMENT), values);
  if (!comment.ok) return comment;
  if (!comment.value) return { ok: false, errors: { [COMMENT.name]: fieldErrors.missing(COMMENT) } };
  return { ok: true, value: { decision: 'return', comment: comment.value } };
};

const NOTES: TextField = {
  name: 'notes',
  type: 'text',
  label: 'Notes for your records (optional)',
  short: 'What you noted',
  required: false,
};

const meetingForm = async (_req: HumanRequest): Promise<PhaseForm> => ({
  form: {
    kind: 'review-meeting',
    title: 'Record the review meeting',
    intro: 'Once the review meeting has taken place, record it as held.',
    submit: 'Record the meeting as held',
    reference: [],
    sections: [{ heading: 'The meeting', fields: [NOTES] }],
  },
  parse: (values) => {
    const read = readField(NOTES, textSchema(NOTES), values);
    if (!read.ok) return read;
    const notes = read.value;
    // Recorded on the meeting request only (domain/reviews/meeting.ts meetingHeldAt reads it from
    // there): rewriting the whole review for one date would cost more than everything else in the answer.
    return { ok: true, answers: { heldAt: now().toISOString(), ...(notes ? { notes } : {}) }, extra: [] };
  },
});

const AGREEMENT: ChoiceField = {
  name: 'agreement',
  type: 'choice',
  label: 'Your acknowledgment',
  short: 'whether you agree',
  options: [
    { value: 'agree', label: 'I have read my review' },
    { value: 'disagree', label: 'I have read my review and disagree with parts of it' },
  ],
};

const DISAGREEMENT: TextField = {
  name: 'disagreement',
  type: 'text',
  label: 'What you disagree with',
  required: false,
  requiredWhen: 'if you disagree',
};

/** Acknowledge, optionally disagreeing: a disagreement needs its text. */
export const parseAcknowledgment = (
  values: Record<string, string>,
  at: string,
): { ok: true; value: Acknowledgment } | { ok: false; errors: Record<string, string> } => {
  const agreement = readField(AGREEMENT, choiceSchema(AGREEMENT), values);
  if (!agreement.ok) return agreement;
  const read = readField(DISAGREEMENT, textSchema(DISAGREEMENT), values);
  if (!read.ok) return read;
  const disagreement = read.value;
  if (agreement.value === 'agree') return { ok: true, value: { at, agrees: true } };
  if (!disagreement) return { ok: false, errors: { [DISAGREEMENT.name]: fieldErrors.missing(DISAGREEMENT) } };
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
  return [{ heading: 'Your results', rows, sensitive: true }];
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
        fields: [AGREEMENT, DISAGREEMENT],
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
