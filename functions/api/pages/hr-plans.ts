import type { planView } from '../../../domain/plans/plans';
import { html } from '../../../domain/platform/html';
import { callRoute } from '../hr-routes';
import { progressBar } from './charts';
import { namesOf } from './names';
import { appPage, day, facts, link, type Pages, refusal, table, tag } from './shell';

/*
 * Development plans across the organisation, for HR: each plan's completion (items done of all),
 * its blocked and overdue items, by status a page at a time; and one plan with its items. Both read
 * the HR API's plan routes as the signed-in HR admin.
 */

type PlanAnswer = ReturnType<typeof planView>;
type ItemAnswer = PlanAnswer['items'][number];

const STATUSES = ['active', 'draft', 'closed', 'cancelled', 'any'] as const;
type StatusFilter = (typeof STATUSES)[number];
const STATUS_LABELS: Record<StatusFilter, string> = {
  active: 'Active',
  draft: 'Drafts waiting for agreement',
  closed: 'Closed',
  cancelled: 'Cancelled',
  any: 'Every plan',
};

const ORIGINS: Record<PlanAnswer['origin'], string> = {
  review: 'Drafted from a review',
  promotion: 'Towards a promotion',
  improvement: 'Performance improvement',
  manual: 'Set by hand',
};

const ITEM_TONE: Record<ItemAnswer['status'], 'ok' | 'warn' | 'bad' | ''> = {
  open: '',
  blocked: 'warn',
  done: 'ok',
  dropped: '',
  missed: 'bad',
};

/** Items done of the items that count: a dropped item is neither done nor to do. */
export const completion = (items: Array<Pick<ItemAnswer, 'status'>>) => {
  const counted = items.filter((i) => i.status !== 'dropped');
  return { done: counted.filter((i) => i.status === 'done').length, total: counted.length };
};

const planPath = (planId: string) => `/hr/plans/${encodeURIComponent(planId)}`;

export const hrPlanPages: Pages = {
  'GET /hr/plans': {
    audience: 'hr',
    summary: 'HR: development plans by status, with items done, blocked and overdue',
    handle: async ({ event, user, principal }) => {
      const asked = event.queryStringParameters?.status;
      const status: StatusFilter = STATUSES.find((s) => s === asked) ?? 'active';
      const cursor = event.queryStringParameters?.cursor;
      const read = await callRoute('GET /plans', principal, {
        query: { status, ...(cursor ? { cursor } : {}) },
      });
      if (read.status !== 200) return refusal(user, read, '/hr/plans');
      const { plans, next } = read.body as { plans: PlanAnswer[]; next?: string };
      const nameOf = await namesOf(
        principal,
        plans.map((p) => p.ownerId),
      );
      const filter = html`<form method="get" action="/hr/plans"><label for="status">Show</label><select id="status" name="status">${STATUSES.map(
        (s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${STATUS_LABELS[s]}</option>`,
      )}</select> <button type="submit">Show</button></form>`;
      const rows = plans.map((p) => {
        const { done, total } = completion(p.items);
        return [
          link(planPath(p.planId), p.title),
          nameOf(p.ownerId),
          tag(p.status),
          html`${progressBar(done, total)} ${String(done)} of ${String(total)}`,
          p.items.filter((i) => i.status === 'blocked').length,
          p.overdueItems,
          day(p.createdAt),
        ];
      });
      return appPage(
        user,
        'Development plans',
        html`<p>Plans across the organisation, newest first: items done of all (dropped items left out),
blocked items waiting on a manager’s decision, and overdue items still to do past their date.</p>
${filter}
${table(
  `${STATUS_LABELS[status]}`,
  [
    'Plan',
    'Owner',
    'Status',
    'Items done',
    { label: 'Blocked', num: true },
    { label: 'Overdue', num: true },
    'Created',
  ],
  rows,
  'none on this page.',
)}
${next ? html`<p>${link(`/hr/plans?status=${status}&cursor=${encodeURIComponent(next)}`, 'Older plans')}</p>` : ''}`,
        { path: '/hr/plans' },
      );
    },
  },

  'GET /hr/plans/{planId}': {
    audience: 'hr',
    summary: 'HR: a development plan and its items (status, due, owner, evidence)',
    handle: async ({ event, user, principal }) => {
      const planId = event.pathParameters?.planId ?? '';
      const read = await callRoute('GET /plans/{planId}', principal, { path: { planId } });
      if (read.status !== 200) return refusal(user, read, '/hr/plans');
      const { plan } = read.body as { plan: PlanAnswer };
      const nameOf = await namesOf(principal, [
        plan.ownerId,
        plan.createdBy,
        ...plan.items.map((i) => i.mentorId),
      ]);
      const { done, total } = completion(plan.items);
      const body = html`${facts([
        ['Owner', nameOf(plan.ownerId)],
        ['Status', tag(plan.status)],
        ['Why', ORIGINS[plan.origin]],
        [
          'From cycle',
          plan.cycleId ? link(`/hr/cycles/${encodeURIComponent(plan.cycleId)}`, plan.cycleId) : undefined,
        ],
        ['Items done', html`${progressBar(done, total)} ${String(done)} of ${String(total)}`],
        ['Overdue items', plan.overdueItems],
        ['Check-ins', plan.checkIns],
        ['Next check-in', day(plan.nextCheckInAt)],
        ['Created', `${day(plan.createdAt)} by ${nameOf(plan.createdBy)}`],
        [
          'Ended',
          plan.closedAt ? `${day(plan.closedAt)}${plan.endReason ? `: ${plan.endReason}` : ''}` : undefined,
        ],
      ])}
${table(
  'Items',
  ['Item', 'Kind', 'Status', 'Due', 'Owner', 'Mentor', 'Evidence'],
  plan.items.map((i) => [
    html`${i.title}${i.definitionOfDone ? html`<br><span class="note">Done when: ${i.definitionOfDone}</span>` : ''}`,
    i.kind,
    html`${tag(i.status, ITEM_TONE[i.status])}${i.overdue ? html` ${tag('overdue', 'bad')}` : ''}${i.blockedReason ? html`<br><span class="note">${i.blockedReason}</span>` : ''}`,
    day(i.dueAt),
    nameOf(i.ownerId),
    nameOf(i.mentorId),
    i.evidence
      ? html`${i.evidence.link && /^https?:\/\//.test(i.evidence.link) ? link(i.evidence.link, 'Link') : (i.evidence.link ?? '')}${i.evidence.note ? html` ${i.evidence.note}` : ''}`
      : '',
  ]),
  'none yet.',
)}
<p>${link('/hr/plans', 'All plans')}</p>`;
      return appPage(user, plan.title, body, { path: '/hr/plans' });
    },
  },
};
