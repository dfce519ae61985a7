import {
  type ChoiceField,
  choiceSchema,
  type DateField,
  dateSchema,
  type Form,
  fieldErrors,
  type LineField,
  type ReferenceBlock,
  readField,
  type TextField,
  textSchema,
} from '../catalog/forms';
import { localDate } from '../mail/compose';
import { endOfLocalDay, localDay } from '../platform/calendar';
import { now } from '../platform/clock';
import { db, type HumanRequest, type PlanItem } from '../platform/table';
import type { Parsed, PhaseForm } from '../reviews/phase-forms';
import type { Decision, ItemAnswer } from './step-kinds';

/*
 * The forms of a plan item's requests: the owner says where the item stands (done, with optional
 * evidence; blocked, with a reason; or a new date), the manager decides on a blocked item or a date
 * beyond the policy's limit. Each email links to the form once per answer, that answer chosen; the
 * form is the same, so a wrong click is put right on the page.
 */

const CHOICE: ChoiceField = {
  name: 'choice',
  type: 'choice',
  label: 'Where does it stand?',
  short: 'where it stands',
  options: [
    { value: 'done', label: 'Done' },
    { value: 'blocked', label: 'Blocked' },
    { value: 'new-date', label: 'Needs a new date' },
  ],
};
const DECISION: ChoiceField = {
  name: 'decision',
  type: 'choice',
  label: 'Your decision',
  short: 'a decision',
  options: [
    { value: 'unblock', label: 'Unblock it: go on (with a new date if you give one)' },
    { value: 'new-date', label: 'Give it a new date' },
    { value: 'drop', label: 'Drop it from the plan' },
  ],
};
const LINK: LineField = {
  name: 'link',
  type: 'input',
  inputType: 'url',
  label: 'Evidence: a link (optional)',
  short: 'The link',
  required: false,
  maxLength: 500,
};
const NOTE: TextField = {
  name: 'note',
  type: 'text',
  label: 'A note: what you did and learned (optional)',
  short: 'The note',
  required: false,
  maxLength: 2000,
};
const REASON: TextField = {
  name: 'reason',
  type: 'text',
  label: 'What blocks it?',
  short: 'What blocks it',
  required: false,
  requiredWhen: 'when it is blocked',
  maxLength: 1000,
};
const DUE: DateField = {
  name: 'dueDate',
  type: 'input',
  inputType: 'date',
  label: 'New due date',
  short: 'The new due date',
  required: false,
};

const itemOf = async (req: HumanRequest): Promise<PlanItem | undefined> =>
  req.planId && req.itemId
    ? ((await db().planItem.get({ planId: req.planId, itemId: req.itemId }).go({ consistent: true })).data ??
      undefined)
    : undefined;

const ownerZone = async (employeeId: string) =>
  (await db().employee.get({ employeeId }).go()).data?.timeZone ?? 'UTC';

/** A date the person picked, as the end of that day in their zone; refused unless after today. */
const readDueDate = (
  values: Record<string, string>,
  timeZone: string,
  required: boolean,
): { ok: true; value: string | undefined } | { ok: false; errors: Record<string, string> } => {
  if (!values[DUE.name] && !required) return { ok: true, value: undefined };
  const day = readField(DUE, dateSchema(DUE), values);
  if (!day.ok) return day;
  if (day.value <= localDay(now(), timeZone))
    return { ok: false, errors: { [DUE.name]: `${DUE.short} must be after today` } };
  return { ok: true, value: endOfLocalDay(day.value, timeZone).toISOString() };
};

const reference = (item: PlanItem, timeZone: string, sensitive?: true): ReferenceBlock[] => [
  {
    heading: 'The action',
    ...(sensitive ? { sensitive } : {}),
    rows: [
      { label: 'Action', value: item.title },
      { label: 'Due', value: localDate(item.dueAt, timeZone) },
      ...(item.definitionOfDone ? [{ label: 'Done when', value: item.definitionOfDone }] : []),
      ...(item.status === 'blocked' && item.blockedReason
        ? [{ label: 'Blocked', value: item.blockedReason }]
        : []),
      ...(item.proposedDueAt
        ? [{ label: 'Date asked for', value: localDate(item.proposedDueAt, timeZone) }]
        : []),
    ],
  },
];

const ownerForm = async (req: HumanRequest, item: PlanItem): Promise<PhaseForm> => {
  const timeZone = await ownerZone(req.recipientId);
  const form: Form = {
    kind: 'action-item',
    title: 'Your development action',
    intro: 'Tell us where it stands. Done stops every reminder about it; blocked asks your manager to help.',
    submit: 'Send',
    reference: reference(item, timeZone),
    sections: [{ fields: [CHOICE, LINK, NOTE, REASON, DUE] }],
  };
  return {
    form,
    parse: (values): Parsed => {
      const chosen = readField(CHOICE, choiceSchema(CHOICE), values);
      if (!chosen.ok) return chosen;
      const note = readField(NOTE, textSchema(NOTE), values);
      if (!note.ok) return note;
      const noteOf = note.value ? { note: note.value } : {};
      // Every field is read whatever the choice, so a bad value is refused wherever it was typed.
      const link = readField(LINK, textSchema(LINK), values);
      if (!link.ok) return link;
      const reason = readField(REASON, textSchema(REASON), values);
      if (!reason.ok) return reason;
      const due = readDueDate(values, timeZone, chosen.value === 'new-date');
      if (!due.ok) return due;
      let answer: ItemAnswer;
      if (chosen.value === 'done')
        answer = { choice: 'done', ...(link.value ? { link: link.value } : {}), ...noteOf };
      else if (chosen.value === 'blocked') {
        if (!reason.value) return { ok: false, errors: { [REASON.name]: fieldErrors.missing(REASON) } };
        answer = { choice: 'blocked', reason: reason.value };
      } else answer = { choice: 'new-date', dueAt: due.value as string, ...noteOf };
      return { ok: true, answers: answer, extra: [] };
    },
  };
};

const decisionForm = async (req: HumanRequest, item: PlanItem): Promise<PhaseForm> => {
  const [timeZone, owner] = await Promise.all([
    ownerZone(req.recipientId),
    db().employee.get({ employeeId: req.subjectId }).go(),
  ]);
  const name = owner.data?.name ?? 'your report';
  const form: Form = {
    kind: 'item-decision',
    title: `${name}’s development action`,
    intro: `${name} needs your decision to go on with this action.`,
    submit: 'Send my decision',
    // What the employee wrote about it (why it is blocked, the date they ask for) is theirs.
    reference: reference(item, timeZone, true),
    sections: [
      {
        fields: [
          DECISION,
          { ...DUE, label: 'New due date (needed for a new date)' },
          { ...NOTE, label: `A note for ${name} (optional)` },
        ],
      },
    ],
  };
  return {
    form,
    parse: (values): Parsed => {
      const chosen = readField(DECISION, choiceSchema(DECISION), values);
      if (!chosen.ok) return chosen;
      const note = readField(NOTE, textSchema(NOTE), values);
      if (!note.ok) return note;
      const noteOf = note.value ? { note: note.value } : {};
      const due = readDueDate(values, timeZone, chosen.value === 'new-date' && !item.proposedDueAt);
      if (!due.ok) return due;
      let decision: Decision;
      if (chosen.value === 'drop') decision = { decision: 'drop', ...noteOf };
      else {
        decision =
          chosen.value === 'unblock'
            ? { decision: 'unblock', ...(due.value ? { dueAt: due.value } : {}), ...noteOf }
            : { decision: 'new-date', dueAt: due.value ?? (item.proposedDueAt as string), ...noteOf };
      }
      return { ok: true, answers: decision, extra: [] };
    },
  };
};

/** The form of a plan item's request, or undefined for a request that is not one. */
export const planFormFor = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  if (req.kind !== 'action-item' && req.kind !== 'item-decision') return undefined;
  const item = await itemOf(req);
  if (!item) return undefined;
  return req.kind === 'action-item' ? ownerForm(req, item) : decisionForm(req, item);
};
