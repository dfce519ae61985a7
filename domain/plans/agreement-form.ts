import * as z from 'zod';
import { PLAN_ITEM_KINDS, type PlanItemKind } from '../catalog/documents';
import {
  type ChoiceField,
  choiceSchema,
  type DateField,
  dateSchema,
  errorsOf,
  fieldErrors,
  type LineField,
  type Read,
  type TextField,
  textSchema,
} from '../catalog/forms';
import { endOfLocalDay, type LocalDay, localDay, zonedFormat } from '../platform/calendar';
import type { DraftSource } from './draft';

/*
 * The form on which a drafted plan's owner and manager agree to it, described once: each proposed
 * item's fields (title, kind, due date, definition of done, mentor, remove), one blank item to add,
 * "I agree" and the revision the form was rendered from. Its page (functions/api/agreement-page.ts)
 * is rendered from these fields and its POST read by the schema built from them, so every error
 * names a field the page has. Applying an edit to the draft and saying what it changed are here too:
 * all pure, so every rule is unit-tested without AWS.
 */

/** One proposed item of a draft plan. */
export type DraftPlanItem = {
  /** Stable within the draft (d1, d2, …): what its fields on the form are named after. */
  key: string;
  kind: PlanItemKind;
  title: string;
  /** ISO instant. */
  dueAt: string;
  competencyId?: string;
  definitionOfDone?: string;
  mentorId?: string;
  sessionEveryDays?: number;
  /** Where a drafted item came from (./draft.ts); none for one added by hand. */
  source?: DraftSource;
  /**
   * The due date is the one the draft proposed, counted from the day it was drafted: the plan's start
   * moves it later by the days agreeing took (./draft.ts agreedDueAt). A date either party sets stays.
   */
  dueProposed?: true;
};

/** What a draft plan keeps on itself until both agree (the plan's `draft`). */
export type Draft = {
  items: DraftPlanItem[];
  /** The number of the next item added: keys are never reused, so a stale field never names another item. */
  nextKey: number;
  /** Who agrees for the manager: the owner's direct manager when it was drafted, or HR. */
  managerId: string;
  /** What the employee is well above expectation on: where they could mentor others. */
  mentoringGiven?: Array<{ competencyId: string; name: string }>;
  /** The latest edit: its revision, who made it, when, and what it changed. */
  lastChange?: { revision: number; by: string; at: string; changes: string[] };
};

/** A plan holds at most this many items while it is drafted: its start writes them in one transaction. */
export const MAX_DRAFT_ITEMS = 20;
/** The blank item the form offers to add. */
export const NEW_KEY = 'new';
export const AGREE_FIELD = 'agree';
export const REVISION_FIELD = 'revision';
/** What a ticked box posts. */
export const TICKED = 'yes';

export const KIND_LABELS: Record<PlanItemKind, string> = {
  training: 'Training or course',
  coaching: 'Coaching with the manager',
  mentoring: 'Mentoring',
  stretch: 'Stretch assignment',
  practice: 'Reading or practice',
};

export type ItemFields = {
  title: LineField;
  kind: ChoiceField;
  dueDate: DateField;
  definitionOfDone: TextField;
  mentorId: LineField;
  /** A checkbox: ticked, the item leaves the draft. */
  remove: { name: string; label: string };
};

/** The fields of one item on the form: `label` is what errors call it ("Item 2", "The new item"). */
export const itemFields = (key: string, label: string): ItemFields => ({
  title: {
    name: `${key}.title`,
    type: 'input',
    inputType: 'text',
    label: 'What',
    short: `${label}: what it is`,
    required: false,
    maxLength: 200,
  },
  kind: {
    name: `${key}.kind`,
    type: 'choice',
    label: 'Kind',
    short: `${label}: its kind`,
    options: PLAN_ITEM_KINDS.map((value) => ({ value, label: KIND_LABELS[value] })),
  },
  dueDate: {
    name: `${key}.dueDate`,
    type: 'input',
    inputType: 'date',
    label: 'Due',
    short: `${label}: the due date`,
    required: false,
  },
  definitionOfDone: {
    name: `${key}.definitionOfDone`,
    type: 'text',
    label: 'Done when (optional)',
    short: `${label}: its definition of done`,
    required: false,
    maxLength: 1000,
  },
  mentorId: {
    name: `${key}.mentorId`,
    type: 'input',
    inputType: 'text',
    label: 'Mentor: their employee id (needed for mentoring)',
    short: `${label}: the mentor`,
    required: false,
    maxLength: 64,
  },
  remove: { name: `${key}.remove`, label: 'Remove this item from the plan' },
});

/** The fields of the i-th (from 0) proposed item, or of the blank one. */
export const fieldsOfItem = (key: string, index: number): ItemFields =>
  itemFields(key, key === NEW_KEY ? 'The new item' : `Item ${index + 1}`);

/** A form body as the browser posts it: a repeated name posts a list. */
export type FormBody = Record<string, string | string[]>;

/** An item's values as the form shows them before anyone types: its due date as a day where its owner lives. */
export const valuesOf = (items: DraftPlanItem[], timeZone: string): Record<string, string> =>
  Object.fromEntries(
    items.flatMap((item, i) => {
      const f = fieldsOfItem(item.key, i);
      return [
        [f.title.name, item.title],
        [f.kind.name, item.kind],
        [f.dueDate.name, localDay(item.dueAt, timeZone)],
        [f.definitionOfDone.name, item.definitionOfDone ?? ''],
        [f.mentorId.name, item.mentorId ?? ''],
      ];
    }),
  );

type ItemValues = {
  title: string;
  kind: PlanItemKind;
  dueDay: string;
  definitionOfDone: string;
  mentorId: string;
};

/** What a posted form asks for: each item kept (perhaps changed) or removed, maybe one added, and "I agree". */
export type DraftEdit = {
  /** The revision the form was rendered from: the edit applies only to it. */
  revision: number;
  agree: boolean;
  items: Array<ItemValues & { key: string; remove: boolean }>;
  added?: ItemValues;
};

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const ticked = (what: string) =>
  z.preprocess(first, z.enum([TICKED], { error: `${what}: tick the box or leave it` }).optional());
const blankOr = (schema: z.ZodType<string, unknown>) =>
  z.preprocess(
    first,
    z
      .union([z.literal(''), schema])
      .optional()
      .default(''),
  );

/** One item's schema, by field name; every value optional here, the rules that join them come after. */
const itemShape = (f: ItemFields): Record<string, z.ZodType> => ({
  [f.title.name]: z.preprocess(first, textSchema(f.title)),
  [f.kind.name]: z.preprocess(first, choiceSchema(f.kind).optional()),
  [f.dueDate.name]: blankOr(dateSchema(f.dueDate)),
  [f.definitionOfDone.name]: z.preprocess(first, textSchema(f.definitionOfDone)),
  [f.mentorId.name]: z.preprocess(first, textSchema(f.mentorId)),
  [f.remove.name]: ticked(f.remove.label),
});

const valuesFrom = (v: Record<string, unknown>, f: ItemFields, fallbackKind: PlanItemKind): ItemValues => ({
  title: (v[f.title.name] as string | undefined) ?? '',
  kind: (v[f.kind.name] as PlanItemKind | undefined) ?? fallbackKind,
  dueDay: (v[f.dueDate.name] as string | undefined) ?? '',
  definitionOfDone: (v[f.definitionOfDone.name] as string | undefined) ?? '',
  mentorId: (v[f.mentorId.name] as string | undefined) ?? '',
});

/**
 * Reads a posted agreement form against the draft it was rendered from. Each kept item needs a title
 * and a due date; a due date that changed, and the new item's, must be after today where the owner
 * lives. The new item is added when it has a title (its other fields alone are an error on the
 * title). Agreeing asks more: at least one item, every one due after today, and a mentor on each
 * mentoring item. At most MAX_DRAFT_ITEMS items.
 */
export const readDraftForm = (
  items: DraftPlanItem[],
  values: FormBody,
  context: { timeZone: string; today: LocalDay },
): Read<DraftEdit> => {
  const fields = items.map((item, i) => ({ item, f: fieldsOfItem(item.key, i) }));
  const added = fieldsOfItem(NEW_KEY, items.length);
  const shape: Record<string, z.ZodType> = {
    [REVISION_FIELD]: z.preprocess(
      first,
      z.coerce
        .number({ error: 'The form lost its version: open it again from your email' })
        .int('The form lost its version: open it again from your email')
        .min(1, 'The form lost its version: open it again from your email'),
    ),
    [AGREE_FIELD]: ticked('I agree'),
    ...Object.fromEntries(fields.flatMap(({ f }) => Object.entries(itemShape(f)))),
    ...itemShape(added),
  };
  const schema = z.object(shape).transform((v: Record<string, unknown>, ctx): DraftEdit => {
    const problem = (name: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [name], message });
    const agree = v[AGREE_FIELD] === TICKED;
    const afterToday = (day: string, f: ItemFields) => {
      if (day <= context.today) problem(f.dueDate.name, `${f.dueDate.short} must be after today`);
    };
    const kept = fields.map(({ item, f }) => {
      const values = valuesFrom(v, f, item.kind);
      const remove = v[f.remove.name] === TICKED;
      if (!remove) {
        if (!values.title) problem(f.title.name, fieldErrors.missing({ ...f.title, required: true }));
        if (!values.dueDay) problem(f.dueDate.name, fieldErrors.missing(f.dueDate));
        else if (agree || values.dueDay !== localDay(item.dueAt, context.timeZone))
          afterToday(values.dueDay, f);
        if (agree && values.kind === 'mentoring' && !values.mentorId)
          problem(f.mentorId.name, `${f.mentorId.short}: a mentoring item names its mentor`);
      }
      return { key: item.key, remove, ...values };
    });
    const newValues = valuesFrom(v, added, 'practice');
    const typed = newValues.title || newValues.dueDay || newValues.definitionOfDone || newValues.mentorId;
    if (typed && !newValues.title)
      problem(added.title.name, `${added.title.short}: give it a title, or leave it all blank`);
    if (newValues.title) {
      if (!newValues.dueDay) problem(added.dueDate.name, fieldErrors.missing(added.dueDate));
      else afterToday(newValues.dueDay, added);
      if (agree && newValues.kind === 'mentoring' && !newValues.mentorId)
        problem(added.mentorId.name, `${added.mentorId.short}: a mentoring item names its mentor`);
    }
    const count = kept.filter((k) => !k.remove).length + (newValues.title ? 1 : 0);
    if (count > MAX_DRAFT_ITEMS)
      problem(added.title.name, `A plan has at most ${MAX_DRAFT_ITEMS} items: remove one first`);
    if (agree && count === 0) problem(AGREE_FIELD, 'A plan needs at least one item to agree to');
    return {
      revision: v[REVISION_FIELD] as number,
      agree,
      items: kept,
      ...(newValues.title ? { added: newValues } : {}),
    };
  });
  const parsed = schema.safeParse(values);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error) };
};

const optional = <K extends string>(key: K, value: string) =>
  (value ? { [key]: value } : {}) as Partial<Record<K, string>>;

/**
 * The draft's items after an edit: removed ones left out, kept ones with their new values (a due date
 * left on the same day keeps its instant; a new day is due at its end where the owner lives, and is no
 * longer the draft's proposal), the new one added last under the next key. Competency and source stay
 * with an item however it is reworded.
 */
export const applyEdit = (
  draft: Pick<Draft, 'items' | 'nextKey'>,
  edit: DraftEdit,
  timeZone: string,
): Pick<Draft, 'items' | 'nextKey'> => {
  const byKey = new Map(edit.items.map((e) => [e.key, e]));
  const dueAt = (day: string, before?: string) =>
    before && localDay(before, timeZone) === day ? before : endOfLocalDay(day, timeZone).toISOString();
  const kept = draft.items.flatMap((item): DraftPlanItem[] => {
    const e = byKey.get(item.key);
    if (!e) return [item];
    if (e.remove) return [];
    const { definitionOfDone: _d, mentorId: _m, dueProposed, ...rest } = item;
    const due = dueAt(e.dueDay, item.dueAt);
    return [
      {
        ...rest,
        title: e.title,
        kind: e.kind,
        dueAt: due,
        ...(dueProposed && due === item.dueAt ? { dueProposed } : {}),
        ...optional('definitionOfDone', e.definitionOfDone),
        ...optional('mentorId', e.mentorId),
      },
    ];
  });
  if (!edit.added) return { items: kept, nextKey: draft.nextKey };
  const a = edit.added;
  return {
    items: [
      ...kept,
      {
        key: `d${draft.nextKey}`,
        title: a.title,
        kind: a.kind,
        dueAt: dueAt(a.dueDay),
        ...optional('definitionOfDone', a.definitionOfDone),
        ...optional('mentorId', a.mentorId),
      },
    ],
    nextKey: draft.nextKey + 1,
  };
};

const DUE_DAY: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
};

/** A due date as both parties read it: the day, where the owner lives. */
export const dueDay = (iso: string, timeZone: string): string =>
  zonedFormat('en-GB', DUE_DAY, timeZone).format(new Date(iso));

/**
 * What an edit changed, a line each, in words both parties read: items added and removed, and for each
 * kept item its new title, kind, due date, definition of done or mentor. Nothing when nothing changed.
 */
export const draftChanges = (
  before: DraftPlanItem[],
  after: DraftPlanItem[],
  timeZone: string,
  nameOf: (employeeId: string) => string = (id) => id,
): string[] => {
  const was = new Map(before.map((i) => [i.key, i]));
  const now = new Set(after.map((i) => i.key));
  const lines: string[] = [];
  for (const item of before) if (!now.has(item.key)) lines.push(`Removed “${item.title}”`);
  for (const item of after) {
    const old = was.get(item.key);
    if (!old) {
      lines.push(`Added “${item.title}” (${KIND_LABELS[item.kind]}, due ${dueDay(item.dueAt, timeZone)})`);
      continue;
    }
    const it = `“${item.title}”`;
    if (old.title !== item.title) lines.push(`“${old.title}” is now ${it}`);
    if (old.kind !== item.kind) lines.push(`${it}: now ${KIND_LABELS[item.kind]}`);
    if (old.dueAt !== item.dueAt) lines.push(`${it}: now due ${dueDay(item.dueAt, timeZone)}`);
    if ((old.definitionOfDone ?? '') !== (item.definitionOfDone ?? ''))
      lines.push(
        item.definitionOfDone ? `${it}: done when ${item.definitionOfDone}` : `${it}: no definition of done`,
      );
    if ((old.mentorId ?? '') !== (item.mentorId ?? ''))
      lines.push(item.mentorId ? `${it}: mentored by ${nameOf(item.mentorId)}` : `${it}: no mentor`);
  }
  return lines;
};
