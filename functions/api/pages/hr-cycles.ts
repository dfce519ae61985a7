import type { CycleStatus } from '../../../domain/cycles/schedule';
import type { cycleStatus } from '../../../domain/cycles/status';
import type { CyclePlanCounts, planSummaries } from '../../../domain/plans/cycle-plans';
import { html, type SafeHtml } from '../../../domain/platform/html';
import type { Cycle, RequestKind } from '../../../domain/platform/table';
import type { HttpResult } from '../../shared/http';
import { stepKinds } from '../../shared/step-kinds';
import { callRoute } from '../hr-routes';
import { barChart, progressBar } from './charts';
import { namesOf } from './names';
import {
  afterAction,
  appPage,
  day,
  facts,
  link,
  noticeOf,
  type PageContext,
  type Pages,
  postForm,
  refusal,
  table,
  tag,
} from './shell';

/*
 * HR's console for cycles: every cycle by where it stands, and one cycle's page (its facts, the
 * funnel of its reviews, who is overdue, the plans its reviews led to) with HR's levers as forms:
 * extend, reassign, add or take out a participant, cancel, release, export. Every figure and every
 * lever is the HR API's own route, called as the signed-in HR admin.
 */

/** GET /cycles/{cycleId} as the route answers it. */
type CycleAnswer = Omit<Awaited<ReturnType<typeof cycleStatus>>, 'cycle'> & {
  cycle: Cycle;
  plans: CyclePlanCounts;
  planSummaries: ReturnType<typeof planSummaries>;
};

export const PHASE_LABELS: Partial<Record<RequestKind, string>> = {
  'goal-setting': 'Goal setting',
  'goal-approval': 'Goal approval',
  'peer-nomination': 'Peer nomination',
  'peer-approval': 'Peer approval',
  'self-assessment': 'Self-assessment',
  'peer-feedback': 'Peer feedback',
  'manager-appraisal': 'Manager appraisal',
  'review-meeting': 'Review meeting',
  acknowledgment: 'Acknowledgment',
};

/** The phases a cycle has requests in, in the order a review takes them: done (submitted) of all. */
export const phaseProgress = (phases: CycleAnswer['phases']) =>
  (Object.keys(PHASE_LABELS) as RequestKind[]).flatMap((kind) => {
    const c = phases[kind];
    const total = c ? c.pending + c.open + c.submitted + c.expired : 0;
    return c && total ? [{ kind, label: PHASE_LABELS[kind] ?? kind, done: c.submitted, total }] : [];
  });

const STATUS_TONE: Record<CycleStatus, 'ok' | 'warn' | 'bad' | ''> = {
  scheduled: '',
  running: 'ok',
  closed: '',
  cancelled: 'bad',
};

/** Whether a kind of request may be passed on to someone else: the kinds say (a self-assessment may not). */
const passesOn = (kind: RequestKind): boolean => stepKinds[kind]?.reassign !== undefined;

const cyclePath = (cycleId: string) => `/hr/cycles/${encodeURIComponent(cycleId)}`;

const readCycle = (context: PageContext, cycleId: string) =>
  callRoute('GET /cycles/{cycleId}', context.principal, { path: { cycleId } });

/** A list cycle's row: name, dates, people, each phase's progress, and how many requests are overdue. */
const cycleRow = (cycle: Cycle, status: CycleAnswer | undefined) => [
  html`${link(cyclePath(cycle.cycleId), cycle.name)} ${tag(cycle.status, STATUS_TONE[cycle.status])}`,
  `${day(cycle.startAt)} – ${day(cycle.closeAt)}`,
  cycle.participants,
  status
    ? html`${phaseProgress(status.phases).map(
        (p) =>
          html`<div>${progressBar(p.done, p.total)} ${p.label}: ${String(p.done)} of ${String(p.total)}</div>`,
      )}`
    : '',
  status ? status.overdue.length : '',
];

const COLUMNS = [
  'Cycle',
  'Dates',
  { label: 'Participants', num: true as const },
  'Progress by phase (done of sent)',
  { label: 'Overdue', num: true as const },
];

const GROUPS: Array<{ title: string; statuses: CycleStatus[] }> = [
  { title: 'Scheduled', statuses: ['scheduled'] },
  { title: 'Running', statuses: ['running'] },
  { title: 'Closed and cancelled', statuses: ['closed', 'cancelled'] },
];

const listPage = async (context: PageContext): Promise<HttpResult> => {
  const { user, principal, event } = context;
  const cursor = event.queryStringParameters?.cursor;
  const listed = await callRoute('GET /cycles', principal, {
    query: { limit: '25', ...(cursor ? { cursor } : {}) },
  });
  if (listed.status !== 200) return refusal(user, listed, '/hr/cycles');
  const { cycles, next } = listed.body as { cycles: Cycle[]; next?: string };
  const answers = await Promise.all(cycles.map((c) => readCycle(context, c.cycleId)));
  const statusOf = new Map(
    answers
      .filter((a) => a.status === 200)
      .map((a) => [(a.body as CycleAnswer).cycle.cycleId, a.body as CycleAnswer]),
  );
  const groups = GROUPS.map(
    (g) =>
      html`<h2>${g.title}</h2>${table(
        `${g.title} cycles`,
        COLUMNS,
        cycles.filter((c) => g.statuses.includes(c.status)).map((c) => cycleRow(c, statusOf.get(c.cycleId))),
        'none.',
      )}`,
  );
  return appPage(
    user,
    'Cycles',
    html`<p>Every appraisal cycle, latest start first. Progress counts each phase’s requests done of all
it has sent; overdue counts open requests past their due date. Schedule a cycle with
<code>growcycle schedule-cycle</code>.</p>
${groups}
${next ? html`<p>${link(`/hr/cycles?cursor=${encodeURIComponent(next)}`, 'Older cycles')}</p>` : ''}`,
    { path: '/hr/cycles' },
  );
};

const FUNNEL_LABELS: Array<[keyof CycleAnswer['funnel'], string]> = [
  ['launched', 'Launched'],
  ['selfAssessed', 'Self-assessment done'],
  ['peerInputDone', 'Peer input done'],
  ['appraised', 'Manager appraisal done'],
  ['calibrated', 'Calibrated'],
  ['released', 'Released'],
  ['acknowledged', 'Acknowledged'],
];

const NOTICES = [
  'Deadlines extended.',
  'Request reassigned.',
  'Participants added.',
  'Participant taken out of the cycle.',
  'Cycle cancelled.',
  'Results released.',
] as const;

/** A page's form with its fields in a block of their own, so the button sits under them. */
export const fieldsForm = (
  user: PageContext['user'],
  action: string,
  fields: SafeHtml,
  submit: string,
  danger = false,
) => postForm(user, action, html`<div>${fields}</div>`, submit, danger);

const textField = (name: string, label: string, options: { required?: boolean; hint?: string } = {}) =>
  html`<label for="${name}">${label}</label>${options.hint ? html`<div class="note" id="${name}-hint">${options.hint}</div>` : ''}<input type="text" id="${name}" name="${name}"${options.required ? html` required` : ''}${options.hint ? html` aria-describedby="${name}-hint"` : ''}>`;

/** HR's levers on a cycle that still takes changes; release and export whatever its state. */
const levers = (
  context: PageContext,
  answer: CycleAnswer,
  reassigning: string | undefined,
  nameOf: (id: string) => string,
): SafeHtml => {
  const { user } = context;
  const { cycle } = answer;
  const base = cyclePath(cycle.cycleId);
  const open = cycle.status === 'scheduled' || cycle.status === 'running';
  const overdue = answer.overdue.filter((o) => passesOn(o.kind));
  const bounced = answer.bounced.filter(
    (b) => passesOn(b.kind) && !overdue.some((o) => o.requestId === b.requestId),
  );
  const reassign =
    overdue.length + bounced.length
      ? html`<fieldset id="reassign"><legend>Reassign a request</legend>${fieldsForm(
          user,
          `${base}/reassign`,
          html`<label for="requestId">Request</label><select id="requestId" name="requestId" required>${overdue.map(
            (o) =>
              html`<option value="${o.requestId}"${o.requestId === reassigning ? html` selected` : ''}>${PHASE_LABELS[o.kind] ?? o.kind} of ${nameOf(o.subjectId)}, waiting on ${nameOf(o.recipientId)}</option>`,
          )}${bounced.map(
            (b) =>
              html`<option value="${b.requestId}"${b.requestId === reassigning ? html` selected` : ''}>${PHASE_LABELS[b.kind] ?? b.kind} of ${nameOf(b.subjectId)}, bounced for ${nameOf(b.recipientId)}</option>`,
          )}</select>
${textField('recipientId', 'New reviewer (employee id)', { required: true })}
<label for="reason">Why</label><input type="text" id="reason" name="reason" required>`,
          'Reassign',
        )}</fieldset>`
      : '';
  const extend = html`<fieldset><legend>Extend deadlines</legend>${fieldsForm(
    user,
    `${base}/extend`,
    html`<label for="days">Days later</label><input type="number" id="days" name="days" min="1" max="90" value="7" required>
${textField('employeeId', 'Only for this employee (id)', { hint: 'Leave empty for everyone.' })}
<label for="phase">Only this phase</label><select id="phase" name="phase"><option value="">Every phase</option>${Object.entries(
      PHASE_LABELS,
    )
      .filter(([kind]) => kind !== 'peer-nomination' && kind !== 'peer-approval')
      .map(([kind, label]) => html`<option value="${kind}">${label}</option>`)}</select>`,
    'Extend',
  )}</fieldset>`;
  const participants = html`<fieldset><legend>Participants</legend>${fieldsForm(
    user,
    `${base}/participants`,
    textField('employeeIds', 'Add employees (ids, separated by commas)', { required: true }),
    'Add to the cycle',
  )}${fieldsForm(
    user,
    `${base}/participants/remove`,
    textField('removeId', 'Take out an employee (id)', { required: true }),
    'Take out',
  )}</fieldset>`;
  const cancel = html`<fieldset><legend>Cancel the cycle</legend>${fieldsForm(
    user,
    `${base}/cancel`,
    html`<label for="cancel-reason">Why</label><textarea id="cancel-reason" name="reason" required></textarea>
<label><input type="checkbox" name="confirm" value="yes" required> Yes, cancel ${cycle.name}: its workflows stop and no email goes out after.</label>`,
    'Cancel the cycle',
    true,
  )}</fieldset>`;
  const release = html`<fieldset><legend>Release results</legend><p class="note">Each employee whose appraisal is in sees their results and is asked to acknowledge them; their development plan is drafted.</p>${fieldsForm(
    user,
    `${base}/release`,
    html``,
    'Release results',
  )}</fieldset>`;
  return html`<h2>Levers</h2>
<p>${link(`${base}/export`, 'Download the results (CSV)')} · ${link(`${base}/calibration`, 'Calibration')}</p>
${open ? html`${extend}${reassign}${participants}` : ''}
${cycle.status === 'cancelled' ? '' : release}
${open ? cancel : ''}`;
};

const cyclePage = async (context: PageContext): Promise<HttpResult> => {
  const { user, principal, event } = context;
  const cycleId = event.pathParameters?.cycleId ?? '';
  const read = await readCycle(context, cycleId);
  if (read.status !== 200) return refusal(user, read, '/hr/cycles');
  const answer = read.body as CycleAnswer;
  const { cycle, funnel, reviews } = answer;
  const shownOverdue = answer.overdue.slice(0, 50);
  const nameOf = await namesOf(principal, [
    ...shownOverdue.flatMap((o) => [o.subjectId, o.recipientId]),
    ...answer.bounced.flatMap((b) => [b.subjectId, b.recipientId]),
    ...answer.planSummaries.map((p) => p.ownerId),
  ]);
  const inCycle = reviews.participants - reviews.cancelled;
  const base = cyclePath(cycleId);
  const reassignLink = (requestId: string) =>
    link(`${base}?reassign=${encodeURIComponent(requestId)}#reassign`, 'Reassign');
  const open = cycle.status === 'scheduled' || cycle.status === 'running';
  const body = html`${facts([
    ['Status', tag(cycle.status, STATUS_TONE[cycle.status])],
    ['Starts', day(cycle.startAt)],
    ['Self-assessment due', day(cycle.selfDueAt)],
    ['Peer feedback due', day(cycle.peerDueAt)],
    ['Manager appraisal due', day(cycle.managerDueAt)],
    ['Closes', day(cycle.closeAt)],
    ['Participants', inCycle],
    ['Template', cycle.templateId],
    ['Plans from its reviews', answer.plans.total],
  ])}
<h2>Funnel</h2>
${barChart({
  id: 'funnel',
  title: 'Participants at each step',
  caption: `How many of the ${inCycle} participants reached each step of their review.`,
  bars: FUNNEL_LABELS.map(([key, label]) => ({ label, value: funnel[key], note: `of ${inCycle}` })),
  max: inCycle,
  valueLabel: 'Participants',
})}
<h2>Overdue</h2>
${table(
  `Overdue requests (${answer.overdue.length}), most overdue first`,
  ['Who', 'Step', 'Waiting on', 'Due since', { label: 'Days overdue', num: true }, ''],
  shownOverdue.map((o) => [
    nameOf(o.subjectId),
    PHASE_LABELS[o.kind] ?? o.kind,
    nameOf(o.recipientId),
    day(o.dueAt),
    o.daysOverdue,
    open && passesOn(o.kind) ? reassignLink(o.requestId) : '',
  ]),
  'nobody is overdue.',
)}
${answer.overdue.length > shownOverdue.length ? html`<p class="note">And ${String(answer.overdue.length - shownOverdue.length)} more: the export and <code>growcycle status</code> list them all.</p>` : ''}
${
  answer.bounced.length
    ? table(
        'Requests whose reviewer’s address bounced',
        ['Who', 'Step', 'Reviewer', 'Bounced', ''],
        answer.bounced.map((b) => [
          nameOf(b.subjectId),
          PHASE_LABELS[b.kind] ?? b.kind,
          nameOf(b.recipientId),
          day(b.bouncedAt),
          open && passesOn(b.kind) ? reassignLink(b.requestId) : '',
        ]),
      )
    : ''
}
<h2>Development plans</h2>
${table(
  'Plans its reviews led to',
  [
    'Owner',
    'Plan',
    'Status',
    { label: 'Items done', num: true },
    { label: 'Blocked', num: true },
    { label: 'Overdue', num: true },
  ],
  answer.planSummaries.map((p) => [
    nameOf(p.ownerId),
    link(`/hr/plans/${encodeURIComponent(p.planId)}`, p.title),
    tag(p.status),
    `${p.done} of ${p.items}`,
    p.blocked,
    p.overdue,
  ]),
  'none yet: plans are drafted as results are released.',
)}
${levers(context, answer, event.queryStringParameters?.reassign, nameOf)}`;
  return appPage(user, cycle.name, body, { path: base, notice: noticeOf(event, NOTICES) });
};

/** A number typed in a form, or the text as typed, so the API names the field when it is not one. */
export const numberOr = (value: string | null): number | string | undefined => {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
};

/** A field's value, or nothing when the form left it empty. */
const given = (form: URLSearchParams, name: string): string | undefined => {
  const value = form.get(name)?.trim();
  return value ? value : undefined;
};

/** An action on a cycle: the HR API's route, answered with the cycle's page and a notice, or its refusal. */
const cycleAction =
  (
    request: (
      context: PageContext,
      cycleId: string,
    ) => { routeKey: string; path: Record<string, string>; body?: unknown } | HttpResult,
    notice: (typeof NOTICES)[number],
  ) =>
  async (context: PageContext): Promise<HttpResult> => {
    const cycleId = context.event.pathParameters?.cycleId ?? '';
    const back = cyclePath(cycleId);
    const call = request(context, cycleId);
    if (!('routeKey' in call)) return call;
    const answer = await callRoute(call.routeKey, context.principal, {
      path: call.path,
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    return answer.status < 300 ? afterAction(back, notice) : refusal(context.user, answer, back);
  };

export const hrCyclePages: Pages = {
  'GET /hr/cycles': {
    audience: 'hr',
    summary: 'HR: every cycle by status, with its dates, people, progress by phase and overdue',
    handle: listPage,
  },
  'GET /hr/cycles/{cycleId}': {
    audience: 'hr',
    summary: 'HR: a cycle’s facts, its funnel, who is overdue, the plans its reviews led to, and HR’s levers',
    handle: cyclePage,
  },

  'POST /hr/cycles/{cycleId}/extend': {
    audience: 'hr',
    summary: 'HR: extend the cycle’s deadlines (days, employeeId, phase)',
    handle: cycleAction(
      ({ form }, cycleId) => ({
        routeKey: 'POST /cycles/{cycleId}/extend',
        path: { cycleId },
        body: {
          days: numberOr(form.get('days')),
          ...(given(form, 'employeeId') ? { employeeId: given(form, 'employeeId') } : {}),
          ...(given(form, 'phase') ? { phase: given(form, 'phase') } : {}),
        },
      }),
      'Deadlines extended.',
    ),
  },

  'POST /hr/cycles/{cycleId}/reassign': {
    audience: 'hr',
    summary: 'HR: pass a request on (requestId, recipientId, reason)',
    handle: cycleAction(
      ({ form }) => ({
        routeKey: 'POST /requests/{requestId}/reassign',
        path: { requestId: form.get('requestId') ?? '' },
        body: { recipientId: form.get('recipientId') ?? '', reason: form.get('reason') ?? '' },
      }),
      'Request reassigned.',
    ),
  },

  'POST /hr/cycles/{cycleId}/participants': {
    audience: 'hr',
    summary: 'HR: add employees to the cycle (employeeIds)',
    handle: cycleAction(
      ({ form }, cycleId) => ({
        routeKey: 'POST /cycles/{cycleId}/participants',
        path: { cycleId },
        body: {
          employeeIds: (form.get('employeeIds') ?? '').split(/[\s,]+/).filter(Boolean),
        },
      }),
      'Participants added.',
    ),
  },

  'POST /hr/cycles/{cycleId}/participants/remove': {
    audience: 'hr',
    summary: 'HR: take an employee out of the cycle (removeId)',
    handle: cycleAction(
      ({ form, user }, cycleId) =>
        given(form, 'removeId')
          ? {
              routeKey: 'DELETE /cycles/{cycleId}/participants/{employeeId}',
              path: { cycleId, employeeId: given(form, 'removeId') as string },
            }
          : refusal(
              user,
              {
                status: 400,
                body: { title: 'Nobody taken out', detail: 'removeId: name the employee to take out' },
              },
              cyclePath(cycleId),
            ),
      'Participant taken out of the cycle.',
    ),
  },

  'POST /hr/cycles/{cycleId}/cancel': {
    audience: 'hr',
    summary: 'HR: cancel the cycle (reason, confirm=yes)',
    handle: cycleAction(
      ({ form, user }, cycleId) =>
        form.get('confirm') === 'yes'
          ? {
              routeKey: 'POST /cycles/{cycleId}/cancel',
              path: { cycleId },
              body: { reason: form.get('reason') ?? '' },
            }
          : refusal(
              user,
              {
                status: 400,
                body: { title: 'Not cancelled', detail: 'confirm: tick the box to confirm the cancellation' },
              },
              cyclePath(cycleId),
            ),
      'Cycle cancelled.',
    ),
  },

  'POST /hr/cycles/{cycleId}/release': {
    audience: 'hr',
    summary: 'HR: release the results of every review ready for it',
    handle: async (context) => {
      const cycleId = context.event.pathParameters?.cycleId ?? '';
      const back = cyclePath(cycleId);
      // A large cycle is released over several calls, each within its time budget: go on until done.
      let cursor: string | undefined;
      for (let call = 0; call < 20; call++) {
        const answer = await callRoute('POST /cycles/{cycleId}/release', context.principal, {
          path: { cycleId },
          ...(cursor ? { query: { cursor } } : {}),
        });
        if (answer.status !== 200) return refusal(context.user, answer, back);
        cursor = (answer.body as { next?: string }).next;
        if (!cursor) break;
      }
      return afterAction(back, 'Results released.');
    },
  },

  'GET /hr/cycles/{cycleId}/export': {
    audience: 'hr',
    summary: 'HR: the cycle’s results as a CSV download',
    handle: async ({ event, principal, user }) => {
      const cycleId = event.pathParameters?.cycleId ?? '';
      const answer = await callRoute('GET /cycles/{cycleId}/export', principal, { path: { cycleId } });
      if (answer.status !== 200) return refusal(user, answer, cyclePath(cycleId));
      return {
        statusCode: 200,
        // The API's own headers: its CSV type, the file name it gives the download, no caching.
        headers: { ...answer.headers, 'x-content-type-options': 'nosniff' },
        body: answer.text,
      };
    },
  },
};
