import * as z from 'zod';
import type { Principal } from '../../../domain/people/access';
import { now } from '../../../domain/platform/clock';
import { html } from '../../../domain/platform/html';
import { newId } from '../../../domain/platform/ids';
import { callRoute } from '../hr-routes';
import { fieldsOf, firstProblem, formProblem } from './page-forms';
import { read, reportsOf } from './person';
import {
  actionOutcome,
  appPage,
  day,
  facts,
  link,
  noticeOf,
  type Pages,
  postForm,
  refusal,
  table,
  tag,
} from './shell';

/*
 * Feedback any time: a form to ask up to ten people (colleagues or external addresses) about oneself
 * or, for a manager's own view, about a direct report; a form to give praise tied to a value or
 * behaviour; the caller's own requests with their state, and one request with the answers the caller
 * may read. Asking and praising go through the HR API's feedback routes, which decide everything.
 */

/** The template whose framework the forms offer, as the CLI's `feedback` commands default to. */
const TEMPLATE_ID = 'annual-review';
const NOTICES = ['Feedback asked for.', 'Praise given.'] as const;
const DAY_MS = 86_400_000;

type CatalogItem = { id: string; name: string; type: 'competency' | 'behaviour' | 'value' };
type Ask = {
  askId: string;
  askerId: string;
  subjectId: string;
  items: Array<{ id: string; name: string }>;
  question?: string;
  anonymous: boolean;
  managerSees: boolean;
  threshold: number;
  dueAt: string;
  createdAt: string;
  asked: number;
  answered?: number;
};
type Answer = { at: string; from?: { name: string }; items: Array<{ name: string; text: string }> };

const frameworkItems = async (caller: Principal): Promise<CatalogItem[]> => {
  const frameworkId = await read(
    'GET /templates/{templateId}',
    caller,
    { path: { templateId: TEMPLATE_ID } },
    (b: { doc: { frameworkId: string } }) => b.doc.frameworkId as string | undefined,
    undefined,
  );
  if (!frameworkId) return [];
  return read(
    'GET /frameworks/{frameworkId}',
    caller,
    { path: { frameworkId } },
    (b: { doc: { competencies: CatalogItem[] } }) => b.doc.competencies,
    [],
  );
};

const asksAbout = (caller: Principal, employeeId: string) =>
  read(
    'GET /employees/{employeeId}/feedback-requests',
    caller,
    { path: { employeeId } },
    (b: { requests: Ask[] }) => b.requests,
    [] as Ask[],
  );

const stateOf = (ask: Pick<Ask, 'dueAt'>) =>
  Date.parse(ask.dueAt) > now().getTime() ? tag('open', 'warn') : tag('closed');

/** "Kim Partner <kim@example.org>", one a line: the people outside the company to ask. */
export const externalOf = (line: string) => {
  const m = /^(.+?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(line.trim());
  return m ? { name: (m[1] ?? '').trim(), email: m[2] ?? '' } : undefined;
};

const AskForm = z.object({
  key: z.string().uuid(),
  about: z.string().trim().default(''),
  to: z.array(z.string().trim()).default([]),
  ids: z.string().default(''),
  external: z.string().default(''),
  items: z.array(z.string()).default([]),
  question: z.string().trim().max(500).default(''),
  deadline: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'pick a date'),
  anonymous: z.string().optional(),
  managerSees: z.string().optional(),
});

const PraiseForm = z.object({
  key: z.string().uuid(),
  employeeId: z.string().trim().min(1, 'name the colleague'),
  itemId: z.string().trim().min(1, 'pick a value or behaviour'),
  message: z.string().trim().min(1, 'say what you saw').max(2000),
});

export const feedbackPages: Pages = {
  'GET /feedback': {
    audience: 'anyone',
    summary: "Ask for feedback, give praise, and the caller's own requests for feedback",
    handle: async ({ event, user, principal }) => {
      const [items, reports, own] = await Promise.all([
        frameworkItems(principal),
        reportsOf(principal, principal.employeeId),
        asksAbout(principal, principal.employeeId),
      ]);
      // A manager's asks about their reports, for their own view, beside their own.
      const aboutReports = (await Promise.all(reports.map((r) => asksAbout(principal, r.employeeId)))).flat();
      const mine = [...own, ...aboutReports]
        .filter((a) => a.askerId === principal.employeeId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const names = new Map(reports.map((r) => [r.employeeId, r.name]));
      const about = event.queryStringParameters?.about ?? '';
      const inAWeek = new Date(now().getTime() + 7 * DAY_MS).toISOString().slice(0, 10);
      const tomorrow = new Date(now().getTime() + DAY_MS).toISOString().slice(0, 10);
      const checkbox = (name: string, value: string, label: string, id: string) =>
        html`<label><input type="checkbox" id="${id}" name="${name}" value="${value}"> ${label}</label>`;
      const askForm = postForm(
        user,
        '/feedback/ask',
        html`<input type="hidden" name="key" value="${newId()}">
${
  reports.length
    ? html`<label for="about">About</label><select id="about" name="about"><option value="">Myself</option>${reports.map(
        (r) =>
          html`<option value="${r.employeeId}"${r.employeeId === about ? html` selected` : ''}>${r.name}, for my own view</option>`,
      )}</select>`
    : ''
}
<fieldset><legend>Whom to ask (up to ten people)</legend>
${reports.length ? html`${reports.map((r) => checkbox('to', r.employeeId, r.name, `to-${r.employeeId}`))}` : ''}
<label for="ids">Colleagues' employee ids, separated by commas</label><input id="ids" name="ids" type="text" placeholder="e11, e12">
<label for="external">People outside the company, one a line: Name &lt;address&gt;</label><textarea id="external" name="external" placeholder="Kim Partner &lt;kim@example.org&gt;"></textarea>
</fieldset>
<fieldset><legend>What about</legend>
${items.map((i) => checkbox('items', i.id, `${i.name} (${i.type})`, `item-${i.id}`))}
<label for="question">A question of your own</label><input id="question" name="question" type="text" maxlength="500">
</fieldset>
<label for="deadline">Answer by</label><input id="deadline" name="deadline" type="date" min="${tomorrow}" value="${inAWeek}" required>
${checkbox('anonymous', 'yes', 'Anonymous: answers are shown without names, once enough people answered', 'anonymous')}
${checkbox('managerSees', 'yes', 'My manager reads the answers too (when asking about myself)', 'managerSees')}`,
        'Ask for feedback',
      );
      const praiseItems = items.filter((i) => i.type !== 'competency');
      const praiseForm = postForm(
        user,
        '/feedback/give',
        html`<input type="hidden" name="key" value="${newId()}"><fieldset><legend>Praise a colleague</legend>
<label for="praise-employee">Colleague's employee id</label><input id="praise-employee" name="employeeId" type="text" required>
<label for="praise-item">Value or behaviour</label><select id="praise-item" name="itemId" required>${praiseItems.map(
          (i) => html`<option value="${i.id}">${i.name} (${i.type})</option>`,
        )}</select>
<label for="praise-message">What you saw</label><textarea id="praise-message" name="message" required maxlength="2000"></textarea></fieldset>`,
        'Give praise',
      );
      return appPage(
        user,
        'Feedback',
        html`<h2>Ask for feedback</h2>
${askForm}
<h2>Give praise</h2>
${praiseForm}
<h2>Your requests for feedback</h2>
${table(
  'Requests you made',
  ['Asked', 'About', 'On', 'Due', 'State', { label: 'Asked', num: true }, { label: 'Answered', num: true }],
  mine.map((a) => [
    link(`/feedback/asks/${encodeURIComponent(a.askId)}`, day(a.createdAt)),
    a.subjectId === principal.employeeId ? 'Myself' : (names.get(a.subjectId) ?? a.subjectId),
    [...a.items.map((i) => i.name), ...(a.question ? [a.question] : [])].join(', '),
    day(a.dueAt),
    stateOf(a),
    a.asked,
    a.answered ?? 'not yet shown',
  ]),
  'You have not asked for feedback yet.',
)}`,
        { path: '/feedback', notice: noticeOf(event, NOTICES) },
      );
    },
  },

  'POST /feedback/ask': {
    audience: 'anyone',
    summary: 'Ask up to ten people for feedback (through POST /feedback/requests)',
    handle: async (context) => {
      const form = context.form;
      const parsed = AskForm.safeParse({
        ...fieldsOf(form),
        to: form.getAll('to'),
        items: form.getAll('items'),
      });
      if (!parsed.success) return formProblem(context, firstProblem(parsed.error), '/feedback');
      const f = parsed.data;
      const ids = [...f.to, ...f.ids.split(/[\s,]+/)].map((s) => s.trim()).filter(Boolean);
      const lines = f.external.split('\n').filter((l) => l.trim() !== '');
      const externals = lines.map(externalOf).filter((x) => x !== undefined);
      const bad = lines.find((l) => !externalOf(l));
      if (bad !== undefined)
        return formProblem(context, `external: write "Name <address>", not "${bad}"`, '/feedback');
      const recipients: Array<{ employeeId: string } | { name: string; email: string }> = [
        ...[...new Set(ids)].map((employeeId) => ({ employeeId })),
        ...externals,
      ];
      const today = Date.parse(now().toISOString().slice(0, 10));
      const days = Math.round((Date.parse(f.deadline) - today) / DAY_MS);
      const answer = await callRoute('POST /feedback/requests', context.principal, {
        body: {
          ...(f.about ? { subjectId: f.about } : {}),
          recipients,
          ...(f.items.length ? { templateId: TEMPLATE_ID, items: f.items } : {}),
          ...(f.question ? { question: f.question } : {}),
          anonymous: f.anonymous === 'yes',
          managerSees: f.managerSees === 'yes',
          days,
        },
        idempotencyKey: f.key,
      });
      return actionOutcome(context.user, answer, 201, '/feedback', 'Feedback asked for.');
    },
  },

  // The HR API answers POST /feedback/praise at the same origin: the page's action has a path of its own.
  'POST /feedback/give': {
    audience: 'anyone',
    summary: 'Give praise tied to a value or behaviour (through POST /feedback/praise)',
    handle: async (context) => {
      const parsed = PraiseForm.safeParse(fieldsOf(context.form));
      if (!parsed.success) return formProblem(context, firstProblem(parsed.error), '/feedback');
      const { key, ...praise } = parsed.data;
      const answer = await callRoute('POST /feedback/praise', context.principal, {
        body: { ...praise, templateId: TEMPLATE_ID },
        idempotencyKey: key,
      });
      return actionOutcome(context.user, answer, 201, '/feedback', 'Praise given.');
    },
  },

  'GET /feedback/asks/{askId}': {
    audience: 'anyone',
    summary: 'One request for feedback with the answers the caller may read',
    handle: async ({ event, user, principal }) => {
      const answer = await callRoute('GET /feedback/requests/{askId}', principal, {
        path: { askId: event.pathParameters?.askId ?? '' },
      });
      if (answer.status !== 200) return refusal(user, answer, '/feedback');
      const { request: ask, answers } = answer.body as { request: Ask; answers: Answer[] };
      const withheld = ask.answered === undefined;
      return appPage(
        user,
        'A request for feedback',
        html`${facts([
          ['Asked', day(ask.createdAt)],
          ['On', ask.items.map((i) => i.name).join(', ') || undefined],
          ['Question', ask.question],
          ['Answer by', day(ask.dueAt)],
          ['State', stateOf(ask)],
          [
            'Anonymous',
            ask.anonymous ? `Yes: shown once ${ask.threshold} people answered` : 'No, attributed',
          ],
          ['Manager sees the answers', ask.managerSees ? 'Yes' : 'No'],
          ['People asked', ask.asked],
          ['Answered', withheld ? 'Not shown until enough people answered' : String(ask.answered)],
        ])}
<h2>Answers</h2>
${table(
  'Answers',
  ['When', 'From', 'Said'],
  answers.map((a) => [
    day(a.at),
    a.from?.name ?? 'Anonymous',
    html`${a.items.map((i) => html`<strong>${i.name}</strong>: ${i.text}<br>`)}`,
  ]),
  withheld ? 'Answers are shown once enough people answered.' : 'No answers yet.',
)}
<p>${link('/feedback', 'Back to feedback')}</p>`,
        { path: '/feedback' },
      );
    },
  },
};
