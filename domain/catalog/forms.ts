import { z } from 'zod';
import type { Framework, Template } from './documents';
import { type ItemType, overallRating } from './ratings';

/*
 * The forms of a template-driven cycle, as data: which goals, competencies, behaviours and values
 * each form rates, with the framework's scale and level descriptors, what the manager is shown of the
 * self-assessment and peer input, and the zod schema that checks an answer (built from the same
 * fields, so an error always names a field the page has). Rendering is the form pages' job.
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

export type ScalePoint = { value: string; label: string };

export type FormField =
  | {
      name: string;
      type: 'rating';
      label: string;
      /** What the field is called in an error message ("Choose a rating for Craft"). */
      short?: string;
      /** The points to choose from; the 1–5 default when absent. */
      scale?: ScalePoint[];
      description?: string;
      /** What points of the scale look like for this item (the framework's level descriptors). */
      levels?: Array<{ point: string; text: string }>;
    }
  | { name: string; type: 'text'; label: string; short?: string; hint?: string; required: boolean }
  | {
      name: string;
      type: 'input';
      inputType: 'text' | 'number' | 'date';
      label: string;
      short?: string;
      required: boolean;
      /** What the field holds before anyone types (an existing draft goal's values). */
      value?: string;
    };

export type FormSection = { heading: string; note?: string; fields: FormField[] };

/** Read-only input shown above the form (the manager sees the self-assessment and peer input). */
export type ReferenceBlock = {
  heading: string;
  note?: string;
  rows: Array<{ label: string; value: string }>;
};

export type AppraisalForm = {
  kind: AppraisalKind | PhaseKind;
  title: string;
  intro: string;
  submit: string;
  reference: ReferenceBlock[];
  sections: FormSection[];
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
  | { visibility: 'withheld'; answered: number; threshold: number }
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
): FormField => ({
  name,
  type: 'rating',
  label,
  short,
  scale,
  ...(item?.framework.description ? { description: item.framework.description } : {}),
  ...(item && levelsOf(item.framework).length ? { levels: levelsOf(item.framework) } : {}),
});

const text = (name: string, label: string, required: boolean, short: string): FormField => ({
  name,
  type: 'text',
  label,
  short,
  required,
});

const goalLine = (g: LiveGoal) =>
  `${g.title} (${g.measure}; weight ${g.weight}${g.progress ? `; latest progress ${g.progress}` : ''})`;

const TYPE_NOUN: Record<ItemType, string> = {
  competency: 'competency',
  behaviour: 'behaviour',
  value: 'value',
};

const selfReference = (input: FormInput, items: Item[]): ReferenceBlock => {
  const self = input.selfAssessment;
  if (!self) return { heading: 'Self-assessment', note: 'Not submitted.', rows: [] };
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
  return { heading: `${input.subjectName}’s self-assessment`, rows };
};

const peerReference = (peers: PeerInput | undefined, items: Item[]): ReferenceBlock => {
  if (!peers) return { heading: 'Peer feedback', note: 'No peer feedback.', rows: [] };
  if (peers.visibility === 'withheld') {
    return {
      heading: 'Peer feedback',
      note: `${peers.answered} peer answer(s), fewer than the anonymity threshold of ${peers.threshold}: withheld.`,
      rows: [],
    };
  }
  if (peers.visibility === 'aggregated') {
    return {
      heading: 'Peer feedback (combined)',
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
    rows: peers.answers.flatMap((a) => [
      ...items
        .filter((i) => a.ratings[i.id] !== undefined)
        .map((i) => ({ label: `${a.fromName}: ${i.name}`, value: String(a.ratings[i.id]) })),
      ...a.comments.map((c) => ({ label: a.fromName, value: c })),
    ]),
  };
};

/** The form a template asks of one person, with the framework's scale and descriptors. */
export const appraisalForm = (input: FormInput): AppraisalForm => {
  const { template, framework, kind } = input;
  const scale = scaleOf(framework);
  const items = ratedItems(template, framework);
  const ratesGoals = template.questions.some((q) => q.type === 'goal-rating') && input.goals.length > 0;
  const goalQuestion = template.questions.find((q) => q.type === 'goal-rating')?.text;
  const itemsNote = 'The descriptions say what points of the scale look like.';

  if (kind === 'self-assessment') {
    return {
      kind,
      title: 'Your self-assessment',
      intro:
        'Look back on this cycle: how far you got with your goals, how you lived our competencies and values (with an example for each), and where you want to grow next.',
      submit: 'Submit my self-assessment',
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
        {
          heading: 'In your own words',
          fields: [
            text('achievements', 'What are you most proud of?', true, 'What you are most proud of'),
            text('growth', 'Where do you want to grow next?', true, 'Where you want to grow'),
          ],
        },
      ],
    };
  }

  if (kind === 'peer-feedback') {
    return {
      kind,
      title: 'Peer feedback',
      intro:
        'Your answers are shown to your colleague only combined with other peers’ answers, never with your name.',
      submit: 'Send my feedback',
      reference: [],
      sections: [
        {
          heading: `How ${input.subjectName} works`,
          note: itemsNote,
          fields: items.map((i) =>
            ratingField(`rating.${i.id}`, `${i.name}: ${i.question}`, scale, i.name, i),
          ),
        },
        {
          heading: 'In your own words',
          fields: [
            text('strengths', 'What should they keep doing?', true, 'What they should keep doing'),
            text('growth', 'What could help them grow?', true, 'What could help them grow'),
          ],
        },
      ],
    };
  }

  return {
    kind,
    title: 'Manager appraisal',
    intro: `Rate ${input.subjectName}’s goals, competencies and behaviours, with their self-assessment and peer input at hand, and write the development needs you see. The overall rating is computed from the template’s weights when you submit.`,
    submit: 'Submit the appraisal',
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
          ratingField(`rating.${i.id}`, `${i.name}: ${i.question}`, scale, i.name, i),
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
          text('summary', 'Summary of the cycle', true, 'The summary'),
          text('developmentNeeds', 'Development needs for the next cycle', true, 'Development needs'),
        ],
      },
    ],
  };
};

const MAX_TEXT = 5000;

const GROUPS: Record<string, 'ratings' | 'evidence' | 'goals' | 'goalNotes' | 'texts'> = {
  rating: 'ratings',
  evidence: 'evidence',
  goal: 'goals',
  goalNote: 'goalNotes',
  text: 'texts',
};

/**
 * The zod schema of a form, built from its fields: a rating must be a point of the scale, a required
 * text must be there, every text is at most 5,000 characters. The parsed answer is structured (ratings
 * by item and goal, evidence, texts) and carries its overall from the template's formula. Anything
 * in the body that is not a field is ignored.
 */
export const answerSchema = (
  form: AppraisalForm,
  input: Pick<FormInput, 'template' | 'framework' | 'goals'>,
) => {
  const shape: Record<string, z.ZodType> = {};
  for (const field of form.sections.flatMap((s) => s.fields)) {
    if (field.type === 'rating') {
      const values = (field.scale ?? []).map((p) => p.value);
      shape[field.name] = z
        .enum(values as [string, ...string[]], { error: `Choose a rating for ${field.short ?? field.label}` })
        .transform(Number);
    } else {
      const name = field.short ?? field.label;
      const max = z.string().trim().max(MAX_TEXT, `${name} is at most ${MAX_TEXT} characters`);
      shape[field.name] = field.required
        ? z
            .string({ error: `${name} is required` })
            .trim()
            .min(1, `${name} is required`)
            .max(MAX_TEXT, `${name} is at most ${MAX_TEXT} characters`)
        : max.optional().default('');
    }
  }
  const types = new Map(ratedItems(input.template, input.framework).map((i) => [i.id, i.type]));
  const weights = new Map(input.goals.map((g) => [g.goalId, g.weight]));
  return z.object(shape).transform((values): StructuredAnswers => {
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
};

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
