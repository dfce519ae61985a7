import type { Principal } from '../../../domain/people/access';
import { html, type SafeHtml } from '../../../domain/platform/html';
import {
  aspirationFacts,
  feedbackList,
  goalsTable,
  kindLabel,
  type Owed,
  owedTable,
  type Plan,
  plansSection,
  type Report,
  type ReviewRow,
  read,
  readRecord,
  releasedResults,
  reportsOf,
  reviewsTable,
} from './person';
import { appPage, day, link, type Pages, refusal, table, tag } from './shell';

/*
 * A manager's team: what each direct report has pending, what the manager owes (approvals,
 * appraisals, meetings: the requests addressed to them about others, with their forms' links), the
 * reports' plans with blocked and overdue items and check-ins, and the results the manager may see;
 * the rest of the reporting line collapsed beneath. One report's page shows their record as the API
 * lets the caller read it, and the API's 403 for anyone outside the caller's line.
 */

/** The people below the direct reports, depth first, each with the manager they report to. */
const restOfLine = async (
  caller: Principal,
  managers: Report[],
  depth = 0,
): Promise<Array<Report & { under: string }>> => {
  // An org chart is shallow; the bound keeps a cycle in bad data from looping.
  if (depth > 10 || managers.length === 0) return [];
  const below = await Promise.all(
    managers.map(async (m) => (await reportsOf(caller, m.employeeId)).map((r) => ({ ...r, under: m.name }))),
  );
  const flat = below.flat();
  return [...flat, ...(await restOfLine(caller, flat, depth + 1))];
};

/** The latest check-in note on any item of a plan. */
const latestNote = (plan: Plan): string | undefined =>
  plan.items
    .flatMap((i) => i.history.filter((h) => h.what === 'check-in' && h.note))
    .sort((a, b) => a.at.localeCompare(b.at))
    .at(-1)?.note;

const pendingItems = (plans: Plan[]) =>
  plans.flatMap((p) =>
    p.items.filter((i) => i.overdue || i.status === 'blocked').map((i) => ({ plan: p.title, item: i })),
  );

/** One report's row: pending, their latest review and its results, plans with check-ins, blocked and overdue items. */
const reportRow = async (caller: Principal, report: Report) => {
  const path = { employeeId: report.employeeId };
  const [owed, plans, reviews] = await Promise.all([
    read(
      'GET /employees/{employeeId}/requests',
      caller,
      { path },
      (b: { requests: Owed[] }) => b.requests,
      [],
    ),
    read(
      'GET /plans',
      caller,
      { query: { ownerId: report.employeeId } },
      (b: { plans: Plan[] }) => b.plans,
      [],
    ),
    read(
      'GET /employees/{employeeId}/reviews',
      caller,
      { path },
      (b: { reviews: ReviewRow[] }) => b.reviews,
      [],
    ),
  ]);
  const active = plans.filter((p) => p.status === 'active' || p.status === 'draft');
  const attention = pendingItems(active);
  const latest = reviews.at(-1);
  const lines = (items: SafeHtml[], none: string) =>
    items.length ? html`${items.map((item) => html`${item}<br>`)}` : html`<span class="note">${none}</span>`;
  return [
    html`${link(`/team/${encodeURIComponent(report.employeeId)}`, report.name)}<br><span class="note">${report.title}</span>`,
    lines(
      owed.map(
        (o) =>
          html`${kindLabel(o.kind)}${o.subjectId === report.employeeId ? '' : ` (${o.subjectName ?? o.subjectId})`}, due ${day(o.dueAt)}`,
      ),
      'Nothing',
    ),
    latest
      ? html`${latest.cycleName}: ${tag(latest.status)}<br>${
          latest.released
            ? `Released${latest.acknowledgedAt ? ', acknowledged' : ', not acknowledged yet'}`
            : 'Not released'
        }`
      : html`<span class="note">None</span>`,
    lines(
      [
        ...active.map(
          (p) =>
            html`${p.title} ${tag(p.status)}<br><span class="note">${String(p.checkIns)} check-ins${p.nextCheckInAt ? `, next ${day(p.nextCheckInAt)}` : ''}${latestNote(p) ? `; latest: ${latestNote(p)}` : ''}</span>`,
        ),
        ...attention.map(
          (a) =>
            html`${tag(a.item.status === 'blocked' ? 'blocked' : 'overdue', 'bad')} ${a.item.title} <span class="note">(due ${day(a.item.dueAt)})</span>`,
        ),
      ],
      'None active',
    ),
  ];
};

export const teamPages: Pages = {
  'GET /team': {
    audience: 'manager',
    summary:
      "A manager's team: what each direct report has pending, what the manager owes, plans with blocked and overdue items, check-ins, results; the rest of the line collapsed",
    handle: async ({ user, principal }) => {
      const me = principal.employeeId;
      const [reports, owed] = await Promise.all([
        reportsOf(principal, me),
        read(
          'GET /employees/{employeeId}/requests',
          principal,
          { path: { employeeId: me } },
          (b: { requests: Owed[] }) => b.requests,
          [] as Owed[],
        ),
      ]);
      const rows = await Promise.all(reports.map((r) => reportRow(principal, r)));
      const line = await restOfLine(principal, reports);
      return appPage(
        user,
        'My team',
        html`<h2>What you owe</h2>
${owedTable(
  'Approvals, appraisals and meetings waiting for you',
  owed.filter((o) => o.subjectId !== me),
  'Nothing waits for you.',
)}
<h2>Your direct reports</h2>
${table(
  'Your direct reports',
  ['Person', 'Pending', 'Latest review', 'Plans and check-ins'],
  rows,
  'No one reports to you directly.',
)}
${
  line.length
    ? html`<details><summary>The rest of your reporting line (${String(line.length)})</summary>
${table(
  'The rest of your reporting line',
  ['Name', 'Title', 'Reports to'],
  line.map((p) => [link(`/team/${encodeURIComponent(p.employeeId)}`, p.name), p.title, p.under]),
)}</details>`
    : ''
}`,
        { path: '/team' },
      );
    },
  },

  'GET /team/{employeeId}': {
    audience: 'manager',
    summary:
      "One person of the caller's reporting line: reviews, goals, plan, aspiration and the feedback the caller may read",
    handle: async ({ event, user, principal }) => {
      const employeeId = event.pathParameters?.employeeId ?? '';
      const found = await readRecord(principal, employeeId);
      if (!found.ok) return refusal(user, found.answer, '/team');
      const { record } = found;
      const name = await read(
        'GET /employees/{employeeId}',
        principal,
        { path: { employeeId } },
        (b: { employee: { name: string } }) => b.employee.name,
        employeeId,
      );
      return appPage(
        user,
        name,
        html`<p>${link(`/feedback?about=${encodeURIComponent(employeeId)}`, `Ask for feedback about ${name}`)}</p>
<h2>Pending</h2>
${owedTable(`What ${name} has pending`, record.owed)}
<h2>Reviews</h2>
${reviewsTable(record.reviews, record.owed)}
<h2>Released results</h2>
${await releasedResults(principal, employeeId, record.reviews)}
<h2>Goals</h2>
${goalsTable(record.goals)}
<h2>Development plan</h2>
${plansSection(record.plans, record.owed)}
<h2>Career aspiration</h2>
${aspirationFacts(record.aspiration)}
<h2>Feedback</h2>
${feedbackList(record.feedback)}`,
        { path: '/team' },
      );
    },
  },
};
