import type { Principal } from '../../../domain/people/access';
import { html, type SafeHtml } from '../../../domain/platform/html';
import { callRoute } from '../hr-routes';
import { day, facts, link, table, tag } from './shell';

/*
 * One person's record as a page shows it, read through the HR API's routes as the signed-in caller:
 * their reviews, what they owe, goals, development plans with check-ins, career aspiration and the
 * feedback they received. The employee's own page and a manager's page of a report are both written
 * from it, so each reader sees exactly what the API answers them.
 */

/** What the routes answer, as these pages read it (the API's own JSON, answered in-process). */
export type ReviewRow = {
  cycleId: string;
  cycleName: string;
  cycleStatus?: string;
  closeAt?: string;
  status: string;
  released: boolean;
  releasedAt?: string;
  acknowledgedAt?: string;
  agrees?: boolean;
};
export type Owed = {
  requestId: string;
  kind: string;
  status: string;
  subjectId: string;
  subjectName?: string;
  title?: string;
  cycleId?: string;
  planId?: string;
  itemId?: string;
  meetingAt?: string;
  dueAt: string;
  link?: string;
};
type Goal = {
  goalId: string;
  title: string;
  measure: string;
  targetValue?: number;
  unit?: string;
  dueDate: string;
  status: string;
  progress: Array<{ at: string; value?: number; note?: string }>;
};
export type PlanItem = {
  itemId: string;
  title: string;
  kind: string;
  dueAt: string;
  status: string;
  overdue: boolean;
  blockedReason?: string;
  history: Array<{ at: string; what: string; note?: string }>;
};
export type Plan = {
  planId: string;
  ownerId: string;
  title: string;
  status: string;
  checkIns: number;
  nextCheckInAt?: string;
  overdueItems: number;
  items: PlanItem[];
};
type Aspiration = { track?: string; level: number; note?: string; updatedAt?: string; revision?: number };
type Shown = {
  kind: 'praise' | 'answer';
  at: string;
  from?: { name: string };
  items: Array<{ name: string; text: string }>;
};

export type Record = {
  reviews: ReviewRow[];
  owed: Owed[];
  goals: Goal[];
  plans: Plan[];
  aspiration?: Aspiration;
  /** Undefined when the reader may read none of the person's feedback. */
  feedback?: Shown[];
};

/** A route's answer read as `T` when it succeeded, `fallback` otherwise. */
export const read = async <T>(
  routeKey: string,
  caller: Principal,
  request: Parameters<typeof callRoute>[2],
  pick: (body: never) => T,
  fallback: T,
): Promise<T> => {
  const answer = await callRoute(routeKey, caller, request);
  return answer.status === 200 ? pick(answer.body as never) : fallback;
};

export type Report = { employeeId: string; name: string; title: string; department?: string };

/** The people who report to `employeeId` directly, as the caller may list them (none when not). */
export const reportsOf = (caller: Principal, employeeId: string) =>
  read(
    'GET /employees/{employeeId}/reports',
    caller,
    { path: { employeeId } },
    (b: { reports: Report[] }) => b.reports,
    [] as Report[],
  );

/** Everything of `employeeId`'s record the caller may read, or the API's refusal when they may read none. */
export const readRecord = async (
  caller: Principal,
  employeeId: string,
): Promise<{ ok: true; record: Record } | { ok: false; answer: { status: number; body: unknown } }> => {
  const path = { employeeId };
  const first = await callRoute('GET /employees/{employeeId}/reviews', caller, { path });
  if (first.status !== 200) return { ok: false, answer: first };
  const [owed, goals, plans, aspiration, feedback] = await Promise.all([
    read(
      'GET /employees/{employeeId}/requests',
      caller,
      { path },
      (b: { requests: Owed[] }) => b.requests,
      [],
    ),
    read('GET /employees/{employeeId}/goals', caller, { path }, (b: { goals: Goal[] }) => b.goals, []),
    read('GET /plans', caller, { query: { ownerId: employeeId } }, (b: { plans: Plan[] }) => b.plans, []),
    read(
      'GET /employees/{employeeId}/aspiration',
      caller,
      { path },
      (b: { aspiration: Aspiration }) => b.aspiration as Aspiration | undefined,
      undefined,
    ),
    read(
      'GET /employees/{employeeId}/feedback',
      caller,
      { path },
      (b: { feedback: Shown[] }) => b.feedback as Shown[] | undefined,
      undefined,
    ),
  ]);
  return {
    ok: true,
    record: {
      reviews: (first.body as { reviews: ReviewRow[] }).reviews,
      owed,
      goals,
      plans,
      ...(aspiration ? { aspiration } : {}),
      ...(feedback ? { feedback } : {}),
    },
  };
};

/** What a request asks, in the words its email uses. */
const KIND_LABEL: { [kind: string]: string } = {
  'self-assessment': 'Self-assessment',
  'peer-feedback': 'Peer feedback',
  'manager-appraisal': 'Manager appraisal',
  'action-item': 'Plan item',
  'goal-setting': 'Goal setting',
  'goal-approval': 'Goal approval',
  'review-meeting': 'Review meeting',
  acknowledgment: 'Acknowledge results',
  'peer-nomination': 'Peer nominations',
  'peer-approval': 'Peer approval',
  'item-decision': 'Plan item decision',
  'check-in': 'Check-in',
  session: 'Session held?',
  'plan-agreement': 'Plan agreement',
  feedback: 'Feedback to give',
};
export const kindLabel = (kind: string) => KIND_LABEL[kind] ?? kind;

const REVIEW_TONE: { [status: string]: 'ok' | 'warn' | 'bad' | '' } = {
  completed: 'ok',
  'in-progress': 'warn',
  incomplete: 'bad',
};

/** The requests still to answer: what, about whom, by when, and (for the recipient) the form's link. */
export const owedTable = (caption: string, owed: Owed[], empty = 'Nothing to do.') =>
  table(
    caption,
    ['What', 'About', 'Due', 'State', ''],
    owed.map((r) => [
      kindLabel(r.kind),
      r.subjectName ?? r.subjectId,
      day(r.meetingAt ?? r.dueAt),
      r.status === 'open' ? tag('open', 'warn') : tag('not yet open'),
      r.link ? link(r.link, 'Open the form') : '',
    ]),
    empty,
  );

export const reviewsTable = (reviews: ReviewRow[], owed: Owed[]) =>
  table(
    'Reviews',
    ['Cycle', 'Where it stands', 'Pending', 'Results', 'Acknowledgment'],
    reviews.map((r) => {
      const ofCycle = owed.filter((o) => o.cycleId === r.cycleId);
      // The acknowledgment has a column of its own.
      const ack = ofCycle.find((o) => o.kind === 'acknowledgment');
      const pending = ofCycle.filter((o) => o !== ack);
      return [
        r.cycleName,
        tag(r.status, REVIEW_TONE[r.status] ?? ''),
        pending.length
          ? html`${pending.map((o) => html`${o.link ? link(o.link, kindLabel(o.kind)) : kindLabel(o.kind)} (due ${day(o.dueAt)})<br>`)}`
          : '',
        r.released ? link(`#results-${r.cycleId}`, `Released ${day(r.releasedAt)}`) : 'Not released yet',
        r.acknowledgedAt
          ? `${r.agrees === false ? 'Acknowledged with a disagreement' : 'Acknowledged'} ${day(r.acknowledgedAt)}`
          : ack?.link
            ? link(ack.link, 'Acknowledge')
            : r.released
              ? 'Not yet'
              : '',
      ];
    }),
    'No reviews yet.',
  );

const lastProgress = (g: Goal) => g.progress[g.progress.length - 1];

/** The goals, with their latest progress; `action` adds a cell (a form) per goal. */
export const goalsTable = (goals: Goal[], action?: (g: Goal) => SafeHtml) =>
  table(
    'Goals',
    ['Goal', 'Measure', 'Due', 'Status', 'Latest progress', ...(action ? ['Record progress'] : [])],
    goals.map((g) => {
      const last = lastProgress(g);
      return [
        g.title,
        `${g.measure}${g.targetValue !== undefined ? ` (target ${g.targetValue}${g.unit ? ` ${g.unit}` : ''})` : ''}`,
        day(g.dueDate),
        tag(g.status, g.status === 'achieved' ? 'ok' : g.status === 'missed' ? 'bad' : ''),
        last
          ? `${last.value !== undefined ? `${last.value}${g.unit ? ` ${g.unit}` : ''}` : ''}${last.note ? ` ${last.note}` : ''} (${day(last.at)})`
          : 'None yet',
        ...(action ? [action(g)] : []),
      ];
    }),
    'No goals yet.',
  );

const ITEM_TONE: { [status: string]: 'ok' | 'warn' | 'bad' | '' } = {
  done: 'ok',
  blocked: 'bad',
  missed: 'bad',
};

/** The latest check-in note on an item, if any. */
const latestCheckIn = (item: PlanItem) => item.history.filter((h) => h.what === 'check-in').at(-1);

/** A plan's items: due, status, blocked and overdue marked, the latest check-in, the item's form. */
export const planSection = (plan: Plan, owed: Owed[]) =>
  html`<h3>${plan.title} ${tag(plan.status)}</h3>
${facts([
  ['Check-ins', `${plan.checkIns} held${plan.nextCheckInAt ? `, next ${day(plan.nextCheckInAt)}` : ''}`],
  ['Overdue items', plan.overdueItems],
])}
${table(
  `Items of ${plan.title}`,
  ['Item', 'Kind', 'Due', 'Status', 'Latest check-in', ''],
  plan.items.map((i) => {
    const form = owed.find((o) => o.planId === plan.planId && o.itemId === i.itemId && o.link);
    const check = latestCheckIn(i);
    return [
      i.title,
      i.kind,
      day(i.dueAt),
      html`${tag(i.status, ITEM_TONE[i.status] ?? '')}${i.overdue ? html` ${tag('overdue', 'bad')}` : ''}${i.blockedReason && i.status === 'blocked' ? html`<br>${i.blockedReason}` : ''}`,
      check ? `${check.note ?? ''} (${day(check.at)})` : '',
      form?.link ? link(form.link, 'Update the item') : '',
    ];
  }),
  'No items.',
)}`;

export const plansSection = (plans: Plan[], owed: Owed[]) =>
  plans.length
    ? html`${plans.map((p) => planSection(p, owed))}`
    : html`<p class="note">No development plan yet.</p>`;

export const aspirationFacts = (aspiration: Aspiration | undefined) =>
  aspiration
    ? facts([
        ['Track', aspiration.track ?? 'Any'],
        ['Level', aspiration.level],
        ['In their words', aspiration.note],
        ['Set', day(aspiration.updatedAt)],
      ])
    : html`<p class="note">No career aspiration recorded yet.</p>`;

/** Feedback received, newest first, as the route shows it (anonymous answers carry no name). */
export const feedbackList = (feedback: Shown[] | undefined) => {
  if (!feedback) return html`<p class="note">You may not read this person's feedback.</p>`;
  return table(
    'Feedback received',
    ['When', 'What', 'From', 'Said'],
    [...feedback]
      .reverse()
      .map((f) => [
        day(f.at),
        f.kind === 'praise' ? tag('praise', 'ok') : tag('answer'),
        f.from?.name ?? 'Anonymous',
        html`${f.items.map((i) => html`<strong>${i.name}</strong>: ${i.text}<br>`)}`,
      ]),
    'No feedback yet.',
  );
};

type Results = {
  review: { overallRating?: number };
  gapAnalysis?: {
    items: Array<{
      name: string;
      expected: number | null;
      self: number | null;
      manager: number | null;
      gap: number | null;
    }>;
    developmentNeeds?: unknown[];
  };
};

const rating = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

/** The released results of each released review, as the route shows them to the caller. */
export const releasedResults = async (caller: Principal, employeeId: string, reviews: ReviewRow[]) => {
  const released = reviews.filter((r) => r.released);
  if (!released.length) return html`<p class="note">No released results yet.</p>`;
  const shown = await Promise.all(
    released.map(async (r) => ({
      r,
      results: await read(
        'GET /cycles/{cycleId}/reviews/{employeeId}',
        caller,
        { path: { cycleId: r.cycleId, employeeId }, query: { view: 'employee' } },
        (b: Results) => b as Results | undefined,
        undefined,
      ),
    })),
  );
  return html`${shown.map(
    ({ r, results }) => html`<section id="results-${r.cycleId}"><h3>${r.cycleName}</h3>
${facts([
  ['Overall rating', rating(results?.review.overallRating) || undefined],
  ['Released', day(r.releasedAt)],
])}
${table(
  `Ratings against the role's expectations, ${r.cycleName}`,
  [
    'Competency or behaviour',
    { label: 'Expected', num: true },
    { label: 'Self', num: true },
    { label: 'Manager', num: true },
    { label: 'Gap', num: true },
  ],
  (results?.gapAnalysis?.items ?? []).map((i) => [
    i.name,
    rating(i.expected),
    rating(i.self),
    rating(i.manager),
    rating(i.gap),
  ]),
  'No ratings in this review.',
)}</section>`,
  )}`;
};
