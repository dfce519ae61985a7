import type { ReferenceBlock } from '../catalog/forms';
import { type Access, accessTo, type Principal } from '../people/access';
import { isExternalId } from '../platform/ids';
import { db, type FeedbackAsk, type FeedbackEntry, type HumanRequest } from '../platform/table';
import { asksAbout } from './asks';
import { answersTo, QUESTION_KEY } from './requests';

/*
 * The feedback on an employee's record, as one reader may see it. The person reads their own
 * requests' answers and all praise; their direct manager reads praise, the answers the person let
 * them see and the answers to their own requests; HR reads everything; nobody else reads anything.
 * An anonymous request's answers are shown without names and only once at least its threshold
 * answered: below it nothing of the request's answers is shown, not even how many there are.
 */

export type Reader = { employeeId: string; access: Access };

export type ShownEntry = {
  kind: 'answer' | 'praise';
  at: string;
  /** Absent for an anonymous answer. */
  from?: { id: string; name: string };
  askId?: string;
  /** What the entry says about each catalog item (QUESTION_KEY for the free question), or the praise's value. */
  items: Array<{ id: string; name: string; text: string }>;
};

/** May the reader read the answers to this request? */
export const mayReadAnswers = (ask: FeedbackAsk, reader: Reader): boolean => {
  if (reader.access === 'hr') return true;
  if (ask.askerId === reader.employeeId) return true;
  // The person's own request, shared with their manager.
  return reader.access === 'direct-manager' && ask.askerId === ask.subjectId && ask.managerSees;
};

/** May the reader read praise given to the person? */
export const mayReadPraise = (reader: Reader): boolean =>
  reader.access === 'hr' || reader.access === 'self' || reader.access === 'direct-manager';

/**
 * The entries a reader may see, oldest first, from the person's asks and entries: a pure decision,
 * given who wrote each (names) and what the reader's relation is.
 */
export const visibleEntries = (
  asks: FeedbackAsk[],
  entries: FeedbackEntry[],
  reader: Reader,
  nameOf: (id: string) => string,
): ShownEntry[] => {
  const byAsk = new Map(asks.map((a) => [a.askId, a]));
  const answered = new Map<string, number>();
  for (const e of entries) if (e.askId) answered.set(e.askId, (answered.get(e.askId) ?? 0) + 1);
  const shown: ShownEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'praise') {
      if (!mayReadPraise(reader)) continue;
      shown.push({
        kind: 'praise',
        at: e.at,
        from: { id: e.fromId, name: nameOf(e.fromId) },
        items: [{ id: e.itemId ?? '', name: e.itemName ?? e.itemId ?? '', text: e.message ?? '' }],
      });
      continue;
    }
    const ask = e.askId ? byAsk.get(e.askId) : undefined;
    if (!ask || !mayReadAnswers(ask, reader)) continue;
    if (ask.anonymous && (answered.get(ask.askId) ?? 0) < ask.threshold) continue;
    const names = new Map(ask.items.map((i) => [i.id, i.name]));
    const texts = (e.texts ?? {}) as Record<string, string>;
    shown.push({
      kind: 'answer',
      at: e.at,
      askId: ask.askId,
      ...(ask.anonymous ? {} : { from: { id: e.fromId, name: nameOf(e.fromId) } }),
      items: Object.entries(texts).map(([id, text]) => ({
        id,
        name: id === QUESTION_KEY ? (ask.question ?? 'Answer') : (names.get(id) ?? id),
        text,
      })),
    });
  }
  return shown;
};

/** Comments on each catalog item (and the free questions), for a summary: item name to texts. */
export const summaryByItem = (entries: ShownEntry[]): Array<{ name: string; texts: string[] }> => {
  const groups = new Map<string, string[]>();
  for (const e of entries)
    for (const item of e.items) groups.set(item.name, [...(groups.get(item.name) ?? []), item.text]);
  return [...groups].map(([name, texts]) => ({ name, texts }));
};

/** Who wrote each entry: an employee's name, or an external's as their request names them. */
const namesOf = async (entries: FeedbackEntry[]): Promise<(id: string) => string> => {
  const found = await Promise.all(
    entries.map(async (e) => {
      if (isExternalId(e.fromId)) {
        const req = (await db().request.get({ requestId: e.entryId }).go()).data;
        return [e.fromId, `${req?.external?.name ?? 'someone'} (external)`] as const;
      }
      const employee = (await db().employee.get({ employeeId: e.fromId }).go()).data;
      return [e.fromId, employee?.name ?? e.fromId] as const;
    }),
  );
  const names = new Map(found);
  return (id) => names.get(id) ?? id;
};

export type RecordOutcome =
  | { outcome: 'ok'; feedback: ShownEntry[]; summary: Array<{ name: string; texts: string[] }> }
  | { outcome: 'forbidden' };

/** The person's feedback as the caller may read it, or forbidden when they may read none of it. */
export const feedbackRecord = async (
  employeeId: string,
  caller: Principal,
  since?: string,
): Promise<RecordOutcome> => {
  const access = await accessTo(caller, employeeId);
  if (access === 'none' || access === 'reporting-line') return { outcome: 'forbidden' };
  const [asks, entries] = await Promise.all([
    asksAbout(employeeId),
    db()
      .feedbackEntry.query.byPerson({ subjectId: employeeId })
      .go({ pages: 'all' })
      .then((r) => r.data),
  ]);
  const nameOf = await namesOf(entries);
  const all = visibleEntries(asks, entries, { employeeId: caller.employeeId, access }, nameOf);
  const feedback = since ? all.filter((e) => e.at >= since) : all;
  return { outcome: 'ok', feedback, summary: summaryByItem(feedback) };
};

/**
 * What the manager's appraisal form shows of feedback any time since `since`: comments by competency
 * and value, as the manager may read them, without names. Undefined when there is none.
 */
export const feedbackReference = async (
  employeeId: string,
  managerId: string,
  since: string,
): Promise<ReferenceBlock | undefined> => {
  const record = await feedbackRecord(employeeId, { employeeId: managerId, hr: false }, since);
  if (record.outcome !== 'ok' || record.feedback.length === 0) return undefined;
  return {
    heading: 'Feedback received since the last review',
    sensitive: true,
    note: 'Praise and the answers to feedback requests you may read, by competency and value, without names.',
    rows: record.summary.map((s) => ({ label: s.name, value: s.texts.join(' · ') })),
  };
};

/**
 * One request for feedback as a reader allowed its answers sees it: what was asked, of how many, by
 * when, and the answers they may read. An anonymous request below its threshold shows no answer and
 * no count of them.
 */
export const visibleAskView = async (ask: FeedbackAsk, reader: Reader) => {
  const answers = await answersTo(ask);
  const shown = visibleEntries([ask], answers, reader, await namesOf(answers));
  const withheld = ask.anonymous && answers.length < ask.threshold;
  const { requestIds, ...asked } = ask;
  return {
    request: { ...asked, asked: requestIds.length, ...(withheld ? {} : { answered: answers.length }) },
    answers: shown,
  };
};

/** The months a review looks back on: its series' interval, or a year for a cycle that does not repeat. */
const DEFAULT_REVIEW_MONTHS = 12;

/**
 * For a manager's appraisal: the feedback any time received in the period the review looks back on
 * (from one interval of its series before the cycle started), as the appraising manager may read it.
 */
export const appraisalFeedback = async (req: HumanRequest): Promise<ReferenceBlock | undefined> => {
  if (req.kind !== 'manager-appraisal' || !req.cycleId) return undefined;
  const cycle = (await db().cycle.get({ cycleId: req.cycleId }).go()).data;
  if (!cycle) return undefined;
  const since = new Date(cycle.startAt);
  since.setUTCMonth(since.getUTCMonth() - (cycle.repeat?.everyMonths ?? DEFAULT_REVIEW_MONTHS));
  return feedbackReference(req.subjectId, req.recipientId, since.toISOString());
};
