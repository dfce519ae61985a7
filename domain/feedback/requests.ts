import { type Form, readField, type TextField, textSchema } from '../catalog/forms';
import { queueNotice } from '../human-steps/digest-items';
import { person } from '../human-steps/emails';
import type { StepKind, StepKinds } from '../human-steps/kinds';
import { db, type FeedbackAsk, type FeedbackEntry, type HumanRequest } from '../platform/table';
import type { Parsed, PhaseForm } from '../reviews/phase-forms';
import { askById } from './asks';

/*
 * The `feedback` request kind: the form a recipient answers behind their signed link, where the
 * answer goes (the subject's record), and the notice that brings it to the asker's digest. An
 * anonymous request's answers reach the asker only once the threshold is met, without names.
 */

/** The asker's send hour and quiet days for the notices of answers: a working morning. */
export const NOTICE_WINDOW = { sendHour: 9, quietDays: ['Sat', 'Sun'] };

export const FIELD_PREFIX = 'item-';
/** Where an entry keeps the free question's answer beside the catalog items' (whose ids are slugs). */
export const QUESTION_KEY = '?';
const QUESTION_FIELD = 'answer';

const fieldsOf = (ask: FeedbackAsk): TextField[] => [
  ...ask.items.map(
    (item): TextField => ({
      name: `${FIELD_PREFIX}${item.id}`,
      type: 'text',
      label: `${item.name}: what have you seen? An example helps most.`,
      short: item.name,
      required: false,
      maxLength: 2000,
    }),
  ),
  ...(ask.question
    ? [
        {
          name: QUESTION_FIELD,
          type: 'text',
          label: ask.question,
          short: 'Your answer',
          required: false,
          maxLength: 2000,
        } satisfies TextField,
      ]
    : []),
];

/** Who will read an answer, said on the form as the asker chose it. */
export const readersLine = async (ask: FeedbackAsk): Promise<string> => {
  const [asker, subject] = await Promise.all([person(ask.askerId), person(ask.subjectId)]);
  const managerId =
    ask.managerSees && ask.askerId === ask.subjectId
      ? (await db().employee.get({ employeeId: ask.subjectId }).go()).data?.managerId
      : undefined;
  const manager = managerId ? await person(managerId) : undefined;
  const readers = [asker.name, ...(manager ? [`${manager.name} (${subject.name}'s manager)`] : []), 'HR'];
  if (ask.anonymous)
    return `Your answer is anonymous: ${readers.join(', ')} read it without your name, and only once at least ${ask.threshold} people have answered.`;
  return `Your answer is attributed: ${readers.join(', ')} will read it with your name.`;
};

/** The form of a request for feedback, with the line saying who reads the answer. */
export const feedbackForm = (ask: FeedbackAsk, subjectName: string, readers: string): Form => ({
  kind: 'feedback',
  title: `Feedback for ${ask.askerId === ask.subjectId ? subjectName : `${subjectName}, for their manager`}`,
  intro: readers,
  submit: 'Send my feedback',
  reference: [],
  sections: [{ fields: fieldsOf(ask) }],
});

export type FeedbackAnswer = { texts: Record<string, string>; answer?: string };

/** Reads a posted form: each field within its limit, and at least one of them written. */
export const parseFeedback = (ask: FeedbackAsk, values: Record<string, unknown>): Parsed => {
  const fields = fieldsOf(ask);
  const read: Record<string, string> = {};
  for (const field of fields) {
    const value = readField(field, textSchema(field), values);
    if (!value.ok) return value;
    if (value.value !== '') read[field.name] = value.value;
  }
  if (Object.keys(read).length === 0)
    return { ok: false, errors: { [fields[0]?.name ?? QUESTION_FIELD]: 'Write at least one answer' } };
  const texts = Object.fromEntries(
    Object.entries(read)
      .filter(([k]) => k.startsWith(FIELD_PREFIX))
      .map(([k, v]) => [k.slice(FIELD_PREFIX.length), v]),
  );
  const answer: FeedbackAnswer = { texts, ...(read[QUESTION_FIELD] ? { answer: read[QUESTION_FIELD] } : {}) };
  return { ok: true, answers: answer, extra: [] };
};

/** The form of a request for feedback, or undefined for another request. */
export const feedbackFormFor = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  if (req.kind !== 'feedback' || !req.askId) return undefined;
  const ask = await askById(req.askId);
  if (!ask) return undefined;
  const [subject, readers] = await Promise.all([person(ask.subjectId), readersLine(ask)]);
  return { form: feedbackForm(ask, subject.name, readers), parse: (values) => parseFeedback(ask, values) };
};

/** The record entry an answer becomes: one per request, so a retried answer writes it once. */
export const answerEntry = (req: HumanRequest, answer: FeedbackAnswer, at: string): FeedbackEntry => ({
  subjectId: req.subjectId,
  entryId: req.requestId,
  kind: 'answer',
  ...(req.askId ? { askId: req.askId } : {}),
  fromId: req.recipientId,
  texts: { ...answer.texts, ...(answer.answer ? { [QUESTION_KEY]: answer.answer } : {}) },
  at,
});

const feedbackAnswer: StepKind['answer'] = async (req, raw, at) => {
  const entry = answerEntry(req, raw as FeedbackAnswer, at);
  return {
    writes: [{ Put: db().feedbackEntry.create(entry).params() }],
    storedElsewhere: true,
    // The asker reads it in their next digest.
    after: async () => {
      const ask = req.askId ? await askById(req.askId) : undefined;
      if (!ask) return;
      const asker = await person(ask.askerId);
      await queueNotice(
        { ...req, sendWindow: { ...NOTICE_WINDOW, timeZone: asker.timeZone } },
        asker,
        new Date(at),
      );
    },
  };
};

/** The answers to an ask, oldest first. */
export const answersTo = async (ask: FeedbackAsk): Promise<FeedbackEntry[]> =>
  (
    await db()
      .feedbackEntry.query.byPerson({ subjectId: ask.subjectId })
      .where((a, op) => op.eq(a.askId, ask.askId))
      .go({ pages: 'all', consistent: true })
  ).data;

/** An entry's texts as lines, each under the item it is about (the free question's answer last). */
export const textLines = (ask: Pick<FeedbackAsk, 'items' | 'question'>, texts: Record<string, string>) => {
  const names = new Map(ask.items.map((i) => [i.id, i.name]));
  return Object.entries(texts).map(([id, text]) =>
    id === QUESTION_KEY ? `${ask.question ?? 'Answer'}: ${text}` : `${names.get(id) ?? id}: ${text}`,
  );
};

/**
 * What the asker's digest says of an answer. Attributed: who said what. Anonymous: nothing until the
 * answer that meets the threshold, which brings every answer so far; each later answer then comes on
 * its own; never a name, and nothing at all (not even a count) below the threshold.
 */
export const noticeLines = (
  ask: FeedbackAsk,
  answers: FeedbackEntry[],
  entryId: string,
  fromName: string,
): string[] | undefined => {
  const rank = answers.findIndex((a) => a.entryId === entryId) + 1;
  if (rank === 0) return undefined;
  if (!ask.anonymous) return [`${fromName} answered:`, ...textLines(ask, answers[rank - 1]?.texts ?? {})];
  if (rank < ask.threshold) return undefined;
  const shown = rank === ask.threshold ? answers.slice(0, rank) : [answers[rank - 1]];
  return shown.flatMap((a) => ['Someone answered:', ...textLines(ask, a?.texts ?? {})]);
};

const feedbackNotice: StepKind['notice'] = async (req) => {
  const ask = req.askId ? await askById(req.askId) : undefined;
  if (!ask) return undefined;
  const fromName = req.external?.name ?? (await person(req.recipientId).catch(() => undefined))?.name ?? '';
  const lines = noticeLines(ask, await answersTo(ask), req.requestId, fromName);
  if (!lines) return undefined;
  const subject = await person(ask.subjectId);
  return {
    subject:
      ask.askerId === ask.subjectId
        ? 'Feedback you asked for'
        : `Feedback you asked for about ${subject.name}`,
    lines,
  };
};

const feedbackEmail: StepKind['email'] = async (req) => {
  const ask = req.askId ? await askById(req.askId) : undefined;
  if (!ask) return {};
  const asker = await person(ask.askerId);
  return {
    details: [
      ...(ask.askerId === ask.subjectId ? [] : [`${asker.name} asks, as their manager.`]),
      ...(ask.items.length ? [`On: ${ask.items.map((i) => i.name).join(', ')}`] : []),
      ...(ask.question ? [`Question: ${ask.question}`] : []),
      await readersLine(ask),
    ],
  };
};

export const feedbackStepKinds: StepKinds = {
  feedback: { answer: feedbackAnswer, notice: feedbackNotice, email: feedbackEmail },
};
