import * as z from 'zod';
import type { Framework, Template } from './documents';
import { type ItemType, overallRating } from './ratings';

/*
 * Forms as data, each described once: its fields with their labels, what an error calls them,
 * whether they are required and their limits. The page is rendered from the form
 * (functions/api/form-page.ts) and the zod schema that checks its POST is derived here from the same
 * fields, so an error always names a field the page has, in the page's words. Below the model, the
 * forms of a template-driven cycle: which goals, competencies, behaviours and values each rates, with
 * the framework's scale and level descriptors, and what the manager is shown of the self-assessment
 * and peer input. The forms of a cycle without a template are in fixed-forms.ts.
 */

export type AppraisalKind = 'self-assessment' | 'peer-feedback' | 'manager-appraisal';
/** The phases around the appraisal, whose forms domain/reviews/phase-forms.ts builds. */
export type PhaseKind = 'goal-setting' | 'goal-approval' | 'review-meeting' | 'acknowledgment';
export const PHASE_KINDS: readonly PhaseKind[] = [
  'goal-setting',
  'goal-approval',
  'review-meeting',
  'acknowledgment',
];
/** The requests answered through a form page; the peer nominations have pages of their own. */
export type FormKind =
  | AppraisalKind
  | PhaseKind
  | 'action-item'
  | 'item-decision'
  | 'check-in'
  | 'session'
  | 'feedback';

export type ScalePoint = { value: string; label: string };

/** The scale of a cycle without a template. */
export const FIVE_POINT_SCALE: ScalePoint[] = ['Well below', 'Below', 'Meets', 'Above', 'Well above'].map(
  (label, i) => ({ value: String(i + 1), label: `${i + 1} · ${label}` }),
);

type Named = {
  /** What the page posts the field as, and what its error is filed under. */
  name: string;
  label: string;
  /** What an error calls the field ("Choose a rating for Craft"); the label when absent. */
  short?: string;
};

export type RatingField = Named & {
  type: 'rating';
  scale: ScalePoint[];
  description?: string;
  /** What points of the scale look like for this item (the framework's level descriptors). */
  levels?: Array<{ point: string; text: string }>;
  /** What a development plan did for this item since the last review, beside its rating. */
  development?: string[];
};

/** One of a few options, such as approve or return; shown like a rating. */
export type ChoiceField = Named & { type: 'choice'; options: ScalePoint[] };

export type TextField = Named & {
  type: 'text';
  required: boolean;
  /**
   * Required only in a case the form's own parse checks ("when you return the goals"): the page says
   * so after the label, and the error after its message.
   */
  requiredWhen?: string;
  /** At most this many characters; MAX_TEXT when absent. */
  maxLength?: number;
};

export type InputField = Named & {
  type: 'input';
  required: boolean;
  /** What the field holds before anyone types (an existing draft goal's values). */
  value?: string;
} & (
    | {
        /** A url is an http(s) address: evidence a reader can open, never a script. */
        inputType: 'text' | 'email' | 'url';
        /** At most this many characters; MAX_TEXT when absent. */
        maxLength?: number;
      }
    | { inputType: 'number'; min: number; max: number }
    | { inputType: 'date' }
  );

export type FormField = RatingField | ChoiceField | TextField | InputField;
export type LineField = Extract<InputField, { inputType: 'text' | 'email' | 'url' }>;
export type NumberField = Extract<InputField, { inputType: 'number' }>;
export type DateField = Extract<InputField, { inputType: 'date' }>;

export type FormSection = {
  /** None for a form of one section. */
  heading?: string;
  note?: string;
  fields: FormField[];
};

/** Read-only input shown above the form (the manager sees the self-assessment and peer input). */
export type ReferenceBlock = {
  heading: string;
  /**
   * Someone else's input or results: an email link shows it only to its recipient signed in, since a
   * link proves which request it is for, not who holds it (a forwarded email, a mail scanner).
   */
  sensitive?: true;
  note?: string;
  rows: Array<{ label: string; value: string }>;
};

export type Form = {
  kind: FormKind;
  title: string;
  intro: string;
  submit: string;
  reference: ReferenceBlock[];
  sections: FormSection[];
};

/** A form's fields in page order: what its page shows and its schema reads. */
export const fieldsOf = (form: Form): FormField[] => form.sections.flatMap((s) => s.fields);

const MAX_TEXT = 5000;

/** How many characters a text field takes, on the page and in its schema. */
export const maxLengthOf = (field: TextField | LineField): number => field.maxLength ?? MAX_TEXT;

const called = (field: FormField) => field.short ?? field.label;

/**
 * The errors a field can show, worded from its definition, so that every form's messages name the
 * field as its page does. A number or a date left empty is told what it should hold.
 */
export const fieldErrors = {
  missing: (field: FormField): string => {
    if (field.type === 'rating') return `Choose a rating for ${called(field)}`;
    if (field.type === 'choice') return `Choose ${called(field)}`;
    if (field.type === 'input' && (field.inputType === 'number' || field.inputType === 'date'))
      return fieldErrors.invalid(field);
    const when = field.type === 'text' && field.requiredWhen ? ` ${field.requiredWhen}` : '';
    return `${called(field)} is required${when}`;
  },
  tooLong: (field: TextField | LineField): string =>
    `${called(field)} is at most ${maxLengthOf(field)} characters`,
  invalid: (field: NumberField | DateField | LineField): string => {
    if (field.inputType === 'number')
      return `${called(field)} is a whole number from ${field.min} to ${field.max}`;
    if (field.inputType === 'date') return `${called(field)} is a date such as 2027-12-31`;
    if (field.inputType === 'url') return `${called(field)} is an address starting with https://`;
    return `${called(field)} is not a valid email address`;
  },
};

const isEmail = (v: string) => z.email().safeParse(v).success;
const isWebAddress = (v: string) => /^https?:\/\/[^\s]+$/i.test(v) && z.url().safeParse(v).success;

/**
 * A text as posted, trimmed: a required one must be there; every one is at most its limit; an email
 * address, when given, must be one. An optional text left out is ''.
 */
export const textSchema = (field: TextField | LineField): z.ZodType<string, unknown> => {
  const tooLong = fieldErrors.tooLong(field);
  const valid = (s: z.ZodString) =>
    field.type === 'input' && field.inputType === 'email'
      ? s.refine((v) => v === '' || isEmail(v), fieldErrors.invalid(field))
      : field.type === 'input' && field.inputType === 'url'
        ? s.refine((v) => v === '' || isWebAddress(v), fieldErrors.invalid(field))
        : s;
  if (!field.required || (field.type === 'text' && field.requiredWhen))
    return valid(z.string().trim().max(maxLengthOf(field), tooLong))
      .optional()
      .default('');
  const missing = fieldErrors.missing(field);
  return valid(z.string({ error: missing }).trim().min(1, missing).max(maxLengthOf(field), tooLong));
};

/** A whole number within the field's bounds; a blank is refused like any other non-number. */
export const numberSchema = (field: NumberField): z.ZodType<number, unknown> => {
  const invalid = fieldErrors.invalid(field);
  return z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: invalid }).int(invalid).min(field.min, invalid).max(field.max, invalid),
  );
};

/** A calendar date (YYYY-MM-DD); a blank is refused like any other non-date. */
export const dateSchema = (field: DateField): z.ZodType<string, unknown> =>
  z.iso.date({ error: fieldErrors.invalid(field) });

/** One point of the field's scale, as its number. */
export const ratingSchema = (field: RatingField): z.ZodType<number, unknown> =>
  z
    .enum(field.scale.map((p) => p.value) as [string, ...string[]], { error: fieldErrors.missing(field) })
    .transform(Number);

/** One of the field's options. */
export const choiceSchema = (field: ChoiceField): z.ZodType<string, unknown> =>
  z.enum(field.options.map((o) => o.value) as [string, ...string[]], { error: fieldErrors.missing(field) });

/** Any field's schema; an optional number or date may also be left blank. */
export const fieldSchema = (field: FormField): z.ZodType => {
  if (field.type === 'rating') return ratingSchema(field);
  if (field.type === 'choice') return choiceSchema(field);
  if (field.type === 'text') return textSchema(field);
  const blankOr = (strict: z.ZodType) =>
    field.required ? strict : z.union([z.literal(''), strict]).optional();
  if (field.inputType === 'number') return blankOr(numberSchema(field));
  if (field.inputType === 'date') return blankOr(dateSchema(field));
  return textSchema(field);
};

/**
 * A failed parse's errors, the first for each field, filed under the field's name on the page: the
 * parse's own keys are looked up in `fields` when given (see readFields).
 */
export const errorsOf = (error: z.ZodError, fields?: Record<string, FormField>): Record<string, string> => {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[fields?.[key]?.name ?? key] ??= issue.message;
  }
  return errors;
};

export type Read<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/**
 * Reads some fields of a posted form under keys of the caller's choosing, with a schema built from
 * those fields (textSchema, choiceSchema, …), for a form whose parse goes beyond its fields (goal
 * rows, decisions); an error is filed under the field's name on the page.
 */
export const readFields = <T>(
  fields: Record<string, FormField>,
  schema: z.ZodType<T, unknown>,
  values: Record<string, unknown>,
): Read<T> => {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, values[field.name]])),
  );
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, errors: errorsOf(parsed.error, fields) };
};

/** One field of a posted form, read with the schema built from it; an error is filed under its name. */
export const readField = <T>(
  field: FormField,
  schema: z.ZodType<T, unknown>,
  values: Record<string, unknown>,
): Read<T> => {
  const read = readFields({ value: field }, z.object({ value: schema }), values);
  return read.ok ? { ok: true, value: read.value.value } : read;
};

export type LiveGoal = {
  goalId: string;
  title: string;
  measure: string;
  weight: number;
  /** The latest progress value recorded during the cycle, with the target's unit. */
  progress?: string;
};

/** A stored template-driven answer: ratings by framework item and goal, evidence, texts. */
export type StructuredAnswers = {
  ratings: Record<string, number>;
  evidence: Record<string, string>;
  goals: Record<string, number>;
  goalNotes: Record<string, string>;
  texts: Record<string, string>;
  /** The answer's own overall, from the template's formula (self, peer, and the manager's overall). */
  rating?: number;
  [field: string]: unknown;
};

export type PeerInput =
  /** Nothing about a withheld group is shown, not even how many answered. */
  | { visibility: 'withheld'; threshold: number }
  | {
      visibility: 'aggregated';
      answered: number;
      averages: Record<string, number | null>;
      comments: string[];
    }
  | {
      visibility: 'attributed';
      answers: Array<{ fromName: string; ratings: Record<string, number>; comments: string[] }>;
    };

export type FormInput = {
  kind: AppraisalKind;
  template: Template;
  framework: Framework;
  subjectName: string;
  goals: LiveGoal[];
  /** For the manager: the employee's self-assessment, when it is in. */
  selfAssessment?: StructuredAnswers | undefined;
  /** For the manager: the peer input they may see. */
  peers?: PeerInput | undefined;
  /** For the manager: what development plans did for each item since the last review, by item id. */
  developed?: Record<string, string[]> | undefined;
};

type Item = {
  id: string;
  name: string;
  type: ItemType;
  question: string;
  framework: Framework['competencies'][number];
};

/** The framework items the template rates, in the template's question order, each once. */
export const ratedItems = (template: Template, framework: Framework): Item[] => {
  const byId = new Map(framework.competencies.map((c) => [c.id, c]));
  const seen = new Set<string>();
  const items: Item[] = [];
  for (const q of template.questions) {
    if (q.type !== 'competency-rating' || !q.competencyId || seen.has(q.competencyId)) continue;
    const c = byId.get(q.competencyId);
    if (!c) continue;
    seen.add(c.id);
    items.push({ id: c.id, name: c.name, type: c.type, question: q.text, framework: c });
  }
  return items;
};

export const scaleOf = (framework: Framework): ScalePoint[] =>
  framework.scale.labels.map((label, i) => {
    const value = String(framework.scale.min + i);
    return { value, label: `${value} · ${label}` };
  });

const levelsOf = (c: Item['framework']) =>
  Object.entries(c.levels ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([point, text]) => ({ point, text }));

const ratingField = (
  name: string,
  label: string,
  scale: ScalePoint[],
  short: string,
  item?: Item,
  development?: string[],
): RatingField => ({
  name,
  type: 'rating',
  label,
  short,
  scale,
  ...(item?.framework.description ? { description: item.framework.description } : {}),
  ...(item && levelsOf(item.framework).length ? { levels: levelsOf(item.framework) } : {}),
  ...(development?.length ? { development } : {}),
});

const text = (name: string, label: string, required: boolean, short: string): TextField => ({
  name,
  type: 'text',
  label,
  short,
  required,
});

/** What each appraisal form is called and its button says, with a template or without. */
export const APPRAISAL_TITLES: Record<AppraisalKind, { title: string; submit: string }> = {
  'self-assessment': { title: 'Your self-assessment', submit: 'Submit my self-assessment' },
  'peer-feedback': { title: 'Peer feedback', submit: 'Send my feedback' },
  'manager-appraisal': { title: 'Manager appraisal', submit: 'Submit the appraisal' },
};

/** Who sees a peer's answer, as the peer form tells them: exactly the readers its template allows. */
export const peerFeedbackIntro = (managersSeeAttribution = false): string =>
  managersSeeAttribution
    ? 'Who sees your answers: your colleague’s manager and HR, with your name (each time HR reads them is recorded); your colleague, only combined with other peers’ answers, never with your name.'
    : 'Who sees your answers: your colleague, only combined with other peers’ answers and never with your name; HR, with your name (each time HR reads them is recorded).';

/** The peers' form without a template: no attribution to managers. */
export const PEER_FEEDBACK_INTRO = peerFeedbackIntro();

/** What each appraisal asks in the person's own words, the same with a template or without. */
export const OWN_WORDS: Record<AppraisalKind, TextField[]> = {
  'self-assessment': [
    text('achievements', 'What are you most proud of?', true, 'What you are most proud of'),
    text('growth', 'Where do you want to grow next?', true, 'Where you want to grow'),
  ],
  'peer-feedback': [
    text('strengths', 'What should they keep doing?', true, 'What they should keep doing'),
    text('growth', 'What could help them grow?', true, 'What could help them grow'),
  ],
  'manager-appraisal': [
    text('summary', 'Summary of the cycle', true, 'The summary'),
    text('developmentNeeds', 'Development needs for the next cycle', true, 'Development needs'),
  ],
};

const goalLine = (g: LiveGoal) =>
  `${g.title} (${g.measure}; weight ${g.weight}${g.progress ? `; latest progress ${g.progress}` : ''})`;

const TYPE_NOUN: Record<ItemType, string> = {
  competency: 'competency',
  behaviour: 'behaviour',
  value: 'value',
};

const selfReference = (input: FormInput, items: Item[]): ReferenceBlock => {
  const self = input.selfAssessment;
  if (!self) return { heading: 'Self-assessment', note: 'Not submitted.', rows: [], sensitive: true };
  const rows: ReferenceBlock['rows'] = [];
  for (const g of input.goals) {
    const r = self.goals[g.goalId];
    if (r !== undefined)
      rows.push({
        label: `Goal: ${g.title}`,
        value: `${r}${self.goalNotes[g.goalId] ? ` — ${self.goalNotes[g.goalId]}` : ''}`,
      });
  }
  for (const i of items) {
    const r = self.ratings[i.id];
    if (r !== undefined)
      rows.push({ label: i.name, value: `${r}${self.evidence[i.id] ? ` — ${self.evidence[i.id]}` : ''}` });
  }
  for (const [field, label] of [
    ['achievements', 'Most proud of'],
    ['growth', 'Wants to grow'],
  ] as const) {
    const v = self[field];
    if (typeof v === 'string' && v) rows.push({ label, value: v });
  }
  return { heading: `${input.subjectName}’s self-assessment`, rows, sensitive: true };
};

const peerReference = (peers: PeerInput | undefined, items: Item[]): ReferenceBlock => {
  if (!peers) return { heading: 'Peer feedback', note: 'No peer feedback.', rows: [], sensitive: true };
  if (peers.visibility === 'withheld') {
    return {
      heading: 'Peer feedback',
      note: `Withheld: peer feedback is shown only once at least ${peers.threshold} peers have answered.`,
      rows: [],
      sensitive: true,
    };
  }
  if (peers.visibility === 'aggregated') {
    return {
      heading: 'Peer feedback (combined)',
      sensitive: true,
      note: `${peers.answered} peers answered; shown combined, without names.`,
      rows: [
        ...items
          .filter((i) => peers.averages[i.id] !== undefined && peers.averages[i.id] !== null)
          .map((i) => ({ label: `${i.name}, peer average`, value: String(peers.averages[i.id]) })),
        ...peers.comments.map((c) => ({ label: 'Comment', value: c })),
      ],
    };
  }
  return {
    heading: 'Peer feedback (attributed)',
    sensitive: true,
    rows: peers.answers.flatMap((a) => [
      ...items
        .filter((i) => a.ratings[i.id] !== undefined)
        .map((i) => ({ label: `${a.fromName}: ${i.name}`, value: String(a.ratings[i.id]) })),
      ...a.comments.map((c) => ({ label: a.fromName, value: c })),
    ]),
  };
};

/** The form a template asks of one person, with the framework's scale and descriptors. */
export const appraisalForm = (input: FormInput): Form => {
  const { template, framework, kind } = input;
  const scale = scaleOf(framework);
  const items = ratedItems(template, framework);
  const ratesGoals = template.questions.some((q) => q.type === 'goal-rating') && input.goals.length > 0;
  const goalQuestion = template.questions.find((q) => q.type === 'goal-rating')?.text;
  const itemsNote = 'The descriptions say what points of the scale look like.';

  if (kind === 'self-assessment') {
    return {
      kind,
      ...APPRAISAL_TITLES[kind],
      intro:
        'Look back on this cycle: how far you got with your goals, how you lived our competencies and values (with an example for each), and where you want to grow next.',
      reference: [],
      sections: [
        ...(ratesGoals
          ? [
              {
                heading: 'Your goals',
                fields: input.goals.flatMap((g) => [
                  ratingField(`goal.${g.goalId}`, `How far did you get with: ${goalLine(g)}`, scale, g.title),
                  text(
                    `goalNote.${g.goalId}`,
                    `Progress on “${g.title}”: what happened (optional)`,
                    false,
                    `The note on ${g.title}`,
                  ),
                ]),
              },
            ]
          : []),
        {
          heading: 'Competencies, behaviours and values',
          note: itemsNote,
          fields: items.flatMap((i) => [
            ratingField(
              `rating.${i.id}`,
              `${i.name} (${TYPE_NOUN[i.type]}): how did you do?`,
              scale,
              i.name,
              i,
            ),
            text(
              `evidence.${i.id}`,
              `${i.name}: an example from this cycle`,
              true,
              `An example for ${i.name}`,
            ),
          ]),
        },
        { heading: 'In your own words', fields: OWN_WORDS[kind] },
      ],
    };
  }

  if (kind === 'peer-feedback') {
    return {
      kind,
      ...APPRAISAL_TITLES[kind],
      intro: peerFeedbackIntro(template.phases.peerFeedback.managersSeeAttribution),
      reference: [],
      sections: [
        {
          heading: `How ${input.subjectName} works`,
          note: itemsNote,
          fields: items.map((i) =>
            ratingField(`rating.${i.id}`, `${i.name}: ${i.question}`, scale, i.name, i),
          ),
        },
        { heading: 'In your own words', fields: OWN_WORDS[kind] },
      ],
    };
  }

  return {
    kind,
    ...APPRAISAL_TITLES[kind],
    intro: `Rate ${input.subjectName}’s goals, competencies and behaviours, with their self-assessment and peer input at hand, and write the development needs you see. The overall rating is computed from the template’s weights when you submit.`,
    reference: [selfReference(input, items), peerReference(input.peers, items)],
    sections: [
      ...(ratesGoals
        ? [
            {
              heading: 'Goals',
              ...(goalQuestion ? { note: goalQuestion } : {}),
              fields: input.goals.map((g) => ratingField(`goal.${g.goalId}`, goalLine(g), scale, g.title)),
            },
          ]
        : []),
      {
        heading: 'Competencies, behaviours and values',
        note: itemsNote,
        fields: items.flatMap((i) => [
          ratingField(
            `rating.${i.id}`,
            `${i.name}: ${i.question}`,
            scale,
            i.name,
            i,
            input.developed?.[i.id],
          ),
          text(
            `evidence.${i.id}`,
            `${i.name}: your evidence (optional)`,
            false,
            `The evidence for ${i.name}`,
          ),
        ]),
      },
      {
        heading: 'Summary and development',
        fields: [
          ...template.questions
            .filter((q) => q.type === 'text')
            .map((q) => text(`text.${q.id}`, q.text, q.required, `An answer to “${q.text}”`)),
          ...OWN_WORDS[kind],
        ],
      },
    ],
  };
};

const GROUPS: Record<string, 'ratings' | 'evidence' | 'goals' | 'goalNotes' | 'texts'> = {
  rating: 'ratings',
  evidence: 'evidence',
  goal: 'goals',
  goalNote: 'goalNotes',
  text: 'texts',
};

/** What a form without a template stores: its fields' values by name ({ rating, achievements, growth }). */
export type FlatAnswers = Record<string, unknown>;

type TemplateInput = Pick<FormInput, 'template' | 'framework' | 'goals'>;

/**
 * The zod schema of a form, derived from its fields (fieldSchema): a rating must be a point of the
 * scale, a required text must be there, every text is within its limit. Anything in the body that is
 * not a field is ignored. Without a template the answer is the fields' values by name; with one it is
 * structured (ratings by item and goal, evidence, texts) and carries its overall from the template's
 * formula.
 */
export function answerSchema(form: Form): z.ZodType<FlatAnswers, unknown>;
export function answerSchema(form: Form, input: TemplateInput): z.ZodType<StructuredAnswers, unknown>;
export function answerSchema(form: Form, input?: TemplateInput): z.ZodType<FlatAnswers, unknown> {
  const flat = z.object(Object.fromEntries(fieldsOf(form).map((f) => [f.name, fieldSchema(f)])));
  if (!input) return flat;
  const types = new Map(ratedItems(input.template, input.framework).map((i) => [i.id, i.type]));
  const weights = new Map(input.goals.map((g) => [g.goalId, g.weight]));
  return flat.transform((values): StructuredAnswers => {
    const out: StructuredAnswers = { ratings: {}, evidence: {}, goals: {}, goalNotes: {}, texts: {} };
    for (const [name, value] of Object.entries(values)) {
      const dot = name.indexOf('.');
      const group = dot > 0 ? GROUPS[name.slice(0, dot)] : undefined;
      if (!group) {
        out[name] = value;
        continue;
      }
      // An optional text left empty is not an answer.
      if (value === '') continue;
      (out[group] as Record<string, unknown>)[name.slice(dot + 1)] = value;
    }
    const rating = overallRating(input.template.overallRating.weights, {
      goals: Object.entries(out.goals).map(([id, r]) => ({ rating: r, weight: weights.get(id) ?? 0 })),
      items: Object.entries(out.ratings).map(([id, r]) => ({
        rating: r,
        type: types.get(id) ?? 'competency',
      })),
    });
    if (rating !== undefined) out.rating = rating;
    return out;
  });
}

/** A stored answer read back as structured answers (the form's own output, stored whole). */
export const asStructured = (answers: unknown): StructuredAnswers | undefined => {
  const a = answers as Partial<StructuredAnswers> | undefined;
  if (!a || typeof a !== 'object' || typeof a.ratings !== 'object') return undefined;
  return {
    ...a,
    ratings: a.ratings ?? {},
    evidence: a.evidence ?? {},
    goals: a.goals ?? {},
    goalNotes: a.goalNotes ?? {},
    texts: a.texts ?? {},
  } as StructuredAnswers;
};
