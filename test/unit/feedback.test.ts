import { describe, expect, it } from 'vitest';
import { reminderHoursFor } from '../../domain/feedback/asks';
import { type Reader, summaryByItem, visibleEntries } from '../../domain/feedback/record';
import { noticeLines, parseFeedback } from '../../domain/feedback/requests';
import type { FeedbackAsk, FeedbackEntry } from '../../domain/platform/table';

/* Feedback any time: who reads what, what anonymity withholds, and what the asker's digest says. */

const ask = (over: Partial<FeedbackAsk> = {}): FeedbackAsk => ({
  askId: 'ask-1',
  askerId: 'emp-ola',
  subjectId: 'emp-ola',
  requestIds: ['r1', 'r2', 'r3'],
  items: [{ id: 'craft', name: 'Craft', type: 'competency' }],
  anonymous: false,
  threshold: 3,
  managerSees: false,
  dueAt: '2027-01-20T22:59:59.000Z',
  createdAt: '2027-01-10T09:00:00.000Z',
  ...over,
});

const answer = (n: number, over: Partial<FeedbackEntry> = {}): FeedbackEntry => ({
  subjectId: 'emp-ola',
  entryId: `r${n}`,
  kind: 'answer',
  askId: 'ask-1',
  fromId: `emp-peer${n}`,
  texts: { craft: `Craft note ${n}` },
  at: `2027-01-1${n}T09:00:00.000Z`,
  ...over,
});

const praise: FeedbackEntry = {
  subjectId: 'emp-ola',
  entryId: 'p1',
  kind: 'praise',
  fromId: 'emp-bo',
  itemId: 'ownership',
  itemName: 'Ownership',
  message: 'Saw the release through',
  at: '2027-01-15T09:00:00.000Z',
};

const nameOf = (id: string) => `Name of ${id}`;
const self: Reader = { employeeId: 'emp-ola', access: 'self' };
const manager: Reader = { employeeId: 'emp-mia', access: 'direct-manager' };
const hr: Reader = { employeeId: 'emp-hr', access: 'hr' };

describe('who reads feedback on a record', () => {
  it('shows the person their own request’s answers with names, and praise', () => {
    const shown = visibleEntries([ask()], [answer(1), praise], self, nameOf);

    expect(shown.map((e) => [e.kind, e.from?.id])).toEqual([
      ['answer', 'emp-peer1'],
      ['praise', 'emp-bo'],
    ]);
    expect(shown[0]?.items).toEqual([{ id: 'craft', name: 'Craft', text: 'Craft note 1' }]);
  });

  it('shows the manager praise, and the person’s answers only when shared with them', () => {
    const unshared = visibleEntries([ask()], [answer(1), praise], manager, nameOf);
    const shared = visibleEntries([ask({ managerSees: true })], [answer(1), praise], manager, nameOf);

    expect(unshared.map((e) => e.kind)).toEqual(['praise']);
    expect(shared.map((e) => e.kind)).toEqual(['answer', 'praise']);
  });

  it('keeps a manager’s own request about a report from the report, and shows it to the manager and HR', () => {
    const managers = ask({ askerId: 'emp-mia' });

    expect(visibleEntries([managers], [answer(1)], self, nameOf)).toEqual([]);
    expect(visibleEntries([managers], [answer(1)], manager, nameOf)).toHaveLength(1);
    expect(visibleEntries([managers], [answer(1)], hr, nameOf)).toHaveLength(1);
  });

  it('shows nobody in the reporting line above the manager anything', () => {
    const skip: Reader = { employeeId: 'emp-ceo', access: 'reporting-line' };

    expect(visibleEntries([ask({ managerSees: true })], [answer(1), praise], skip, nameOf)).toEqual([]);
  });

  it('withholds an anonymous request’s answers below its threshold, entirely', () => {
    const anonymous = ask({ anonymous: true, threshold: 3 });

    const below = visibleEntries([anonymous], [answer(1), answer(2)], hr, nameOf);
    const met = visibleEntries([anonymous], [answer(1), answer(2), answer(3)], self, nameOf);

    expect(below).toEqual([]);
    expect(met).toHaveLength(3);
    expect(met.every((e) => e.from === undefined)).toBe(true);
    expect(JSON.stringify(met)).not.toContain('emp-peer');
  });

  it('summarises by competency and value', () => {
    const shown = visibleEntries([ask()], [answer(1), answer(2), praise], self, nameOf);

    expect(summaryByItem(shown)).toEqual([
      { name: 'Craft', texts: ['Craft note 1', 'Craft note 2'] },
      { name: 'Ownership', texts: ['Saw the release through'] },
    ]);
  });
});

describe('what the asker’s digest says of an answer', () => {
  it('names who answered an attributed request', () => {
    expect(noticeLines(ask(), [answer(1)], 'r1', 'Bo')).toEqual(['Bo answered:', 'Craft: Craft note 1']);
  });

  it('says nothing of anonymous answers until the threshold, then brings them all, without names', () => {
    const anonymous = ask({ anonymous: true, threshold: 2 });
    const answers = [answer(1), answer(2), answer(3)];

    expect(noticeLines(anonymous, answers, 'r1', 'Bo')).toBeUndefined();
    expect(noticeLines(anonymous, answers, 'r2', 'Cy')).toEqual([
      'Someone answered:',
      'Craft: Craft note 1',
      'Someone answered:',
      'Craft: Craft note 2',
    ]);
    expect(noticeLines(anonymous, answers, 'r3', 'Di')).toEqual(['Someone answered:', 'Craft: Craft note 3']);
  });
});

describe('the feedback form', () => {
  it('refuses an empty answer, under a field the page shows', () => {
    const parsed = parseFeedback(ask({ question: 'What next?' }), {});

    expect(parsed).toEqual({ ok: false, errors: { 'item-craft': 'Write at least one answer' } });
  });

  it('keeps the texts by catalog item and the question’s answer apart', () => {
    const parsed = parseFeedback(ask({ question: 'What next?' }), { 'item-craft': 'Sharp', answer: 'Lead' });

    expect(parsed).toEqual({ ok: true, answers: { texts: { craft: 'Sharp' }, answer: 'Lead' }, extra: [] });
  });
});

describe('the one reminder', () => {
  it('comes a day before the deadline, or half-way through a one-day request', () => {
    expect(reminderHoursFor(7)).toEqual([24]);
    expect(reminderHoursFor(1)).toEqual([12]);
  });
});
