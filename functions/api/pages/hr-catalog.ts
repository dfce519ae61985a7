import {
  type Framework,
  PHASE_ORDER,
  type PlanPolicy,
  type Template,
  type Trigger,
} from '../../../domain/catalog/documents';
import type { Principal } from '../../../domain/people/access';
import { html, SafeHtml } from '../../../domain/platform/html';
import type { HttpEvent } from '../../shared/http';
import { callRoute } from '../hr-routes';
import { type EmailPreview, emailBody, planPolicyEmails, SAMPLE, templateEmails } from './email-previews';
import { appPage, day, facts, link, type Pages, refusal, table, tag } from './shell';

/*
 * HR's catalog pages: every template, framework, plan policy and trigger with its current revision
 * and who saved it; one document shown readably with its revisions (each kept whole, so any one can
 * be shown); and the emails a template or plan policy sends, previewed with made-up people.
 */

/** A kind of catalog document as the app's paths name it, and the HR API routes that serve it. */
const KINDS = {
  template: {
    label: 'Cycle templates',
    one: 'template',
    routes: 'templates',
    param: 'templateId',
    audit: 'template',
  },
  framework: {
    label: 'Competency frameworks',
    one: 'framework',
    routes: 'frameworks',
    param: 'frameworkId',
    audit: 'framework',
  },
  'plan-policy': {
    label: 'Plan policies',
    one: 'plan policy',
    routes: 'plan-policies',
    param: 'planPolicyId',
    audit: 'planPolicy',
  },
  trigger: {
    label: 'Review triggers',
    one: 'trigger',
    routes: 'triggers',
    param: 'triggerId',
    audit: 'trigger',
  },
} as const;
type Kind = keyof typeof KINDS;
const isKind = (k: string | undefined): k is Kind => k !== undefined && Object.hasOwn(KINDS, k);

type Stored = { id: string; doc: unknown; revision: number; updatedAt: string; updatedBy: string };
type Revision = Omit<Stored, 'doc' | 'id'>;

const notFoundPage = (user: Parameters<typeof refusal>[0], detail: string) =>
  refusal(user, { status: 404, body: { title: 'Not found', detail } }, '/hr/catalog');

const PHASE_LABEL: Record<(typeof PHASE_ORDER)[number], string> = {
  goalSetting: 'Goal setting',
  selfAssessment: 'Self-assessment',
  peerFeedback: 'Peer feedback',
  managerAppraisal: 'Manager appraisal',
  calibration: 'Calibration',
  reviewMeeting: 'Review meeting',
  acknowledgment: 'Acknowledgment',
};

const days = (list: readonly number[]) => (list.length ? `${list.join(', ')} days` : 'none');

const templateView = (t: Template) => {
  const pf = t.phases.peerFeedback;
  return html`${facts([
    ['Name', t.name],
    ['Framework', link(`/hr/catalog/framework/${encodeURIComponent(t.frameworkId)}`, t.frameworkId)],
    ['Reminders before a due date', days(t.reminders.daysBefore)],
    [
      'Escalation after a due date',
      `manager ${t.escalation.managerAfterDays} days, skip-level ${t.escalation.skipLevelAfterDays}, HR ${t.escalation.hrAfterDays}`,
    ],
    [
      'Send hour, quiet days',
      `${String(t.sendHour).padStart(2, '0')}:00, ${t.quietDays.join(', ') || 'none'}`,
    ],
    [
      'Peers',
      `${pf.minPeers}–${pf.maxPeers}, nominated by the ${pf.nominatedBy}; shown when at least ${pf.anonymityThreshold} answered${pf.managersSeeAttribution ? '; managers see who said what' : ''}`,
    ],
    [
      'Participants',
      [
        t.participants.departments?.length
          ? `departments ${t.participants.departments.join(', ')}`
          : 'every department',
        t.participants.levels?.length ? `levels ${t.participants.levels.join(', ')}` : 'every level',
        `at least ${t.participants.minTenureDays} days' tenure`,
      ].join('; '),
    ],
    [
      'Overall rating',
      `goals ${t.overallRating.weights.goals}, competencies ${t.overallRating.weights.competencies}, behaviours ${t.overallRating.weights.behaviours}`,
    ],
    [
      'Development plans',
      t.developmentPlans.draft
        ? `drafted on release, policy ${t.developmentPlans.policyId ?? 'the default'}`
        : 'not drafted',
    ],
  ])}
${table(
  'Phases',
  ['Phase', 'Runs', { label: 'Due on day', num: true }],
  PHASE_ORDER.flatMap((name) => {
    const phase = t.phases[name];
    return phase ? [[PHASE_LABEL[name], phase.enabled ? tag('yes', 'ok') : tag('no'), phase.dueDays]] : [];
  }),
)}
${table(
  'Questions',
  ['Question', 'Type', 'Competency', 'Required'],
  t.questions.map((q) => [q.text, q.type, q.competencyId ?? '', q.required ? 'yes' : 'no']),
)}`;
};

const frameworkView = (f: Framework) => {
  const ids = f.competencies.map((c) => c.id);
  return html`${facts([
    ['Name', f.name],
    ['Scale', `${f.scale.min}–${f.scale.max}: ${f.scale.labels.join(', ')}`],
  ])}
${table(
  'Competencies, behaviours and values',
  ['Name', 'Type', 'Description', 'What each point looks like'],
  f.competencies.map((c) => [
    c.name,
    c.type,
    c.description ?? '',
    html`${Object.entries(c.levels ?? {}).map(([point, text]) => html`<div><strong>${point}</strong>: ${text}</div>`)}`,
  ]),
)}
${table(
  'Expected level, per track and level',
  [
    'Track',
    { label: 'Level', num: true },
    ...f.competencies.map((c) => ({ label: c.name, num: true as const })),
  ],
  f.expectations.map((e) => [
    e.track ?? 'any',
    e.level,
    ...ids.map((id) => (e.expected[id] === undefined ? '—' : String(e.expected[id]))),
  ]),
  'no expectations set.',
)}`;
};

const policyView = (p: PlanPolicy) =>
  html`${facts([
    ['Name', p.name],
    ['Reminders before an item is due', days(p.reminders.daysBefore)],
    [
      'Send hour, quiet days',
      `${String(p.sendHour).padStart(2, '0')}:00, ${p.quietDays.join(', ') || 'none'}`,
    ],
    [
      'Check-ins',
      p.checkIns.everyDays
        ? `every ${p.checkIns.everyDays} days, ${p.checkIns.answerDays} days to answer`
        : 'none',
    ],
    [
      'New dates the owner may set',
      `up to ${p.newDates.maxDaysLater} days later, ${p.newDates.maxTimes} times per item`,
    ],
    [
      'A blocked item',
      `the manager decides within ${p.blocked.decisionDays} days${p.blocked.tellHr ? '; HR is told' : ''}`,
    ],
    ['Sessions', `confirmed within ${p.sessions.confirmDays} days`],
    ['An unanswered item closes as missed', `${p.closeAfterDays} days after its due date`],
  ])}
${table(
  'Escalation chain of an overdue item',
  [{ label: 'Step', num: true }, 'To', { label: 'Days after the due date', num: true }],
  p.escalation.map((e, i) => [i + 1, e.to, e.afterDays]),
  'no escalation.',
)}`;

const triggerView = (t: Trigger) =>
  facts([
    ['Name', t.name],
    ['Template', link(`/hr/catalog/template/${encodeURIComponent(t.templateId)}`, t.templateId)],
    ['Starts', `${t.daysAfterStart} days after each person's start date`],
  ]);

const documentView = (kind: Kind, doc: unknown): SafeHtml => {
  switch (kind) {
    case 'template':
      return templateView(doc as Template);
    case 'framework':
      return frameworkView(doc as Framework);
    case 'plan-policy':
      return policyView(doc as PlanPolicy);
    case 'trigger':
      return triggerView(doc as Trigger);
  }
};

const nameOf = (doc: unknown) => (doc as { name?: string }).name ?? '';

/** The kind and id a page's path names. */
const documentNamed = (event: HttpEvent) => ({
  kind: event.pathParameters?.kind,
  id: event.pathParameters?.id ?? '',
});

/** A document (or, under `tail`, its revisions or one revision) through the HR API's catalog routes. */
const readDocument = (kind: Kind, id: string, caller: Principal, tail = '', revision?: string) => {
  const { routes, param } = KINDS[kind];
  return callRoute(`GET /${routes}/{${param}}${tail}`, caller, {
    path: { [param]: id, ...(revision ? { revision } : {}) },
  });
};

const docPath = (kind: Kind, id: string) => `/hr/catalog/${kind}/${encodeURIComponent(id)}`;

const EMAIL_STYLE = html`<style>details.email{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:0.5rem 0;padding:0.4rem 0.8rem}
details.email summary{cursor:pointer;font-weight:600}
.email-body{border:1px dashed #bbb;border-radius:4px;padding:0.5rem 1rem;margin:0.5rem 0;background:#fcfcfb}
pre.email-text{white-space:pre-wrap;background:#f4f4f0;padding:0.6rem;border-radius:4px}</style>`;

const previewCard = (p: EmailPreview, open: boolean) =>
  html`<details class="email"${open ? html` open` : ''}><summary>${p.label}: “${p.email.subject}”</summary>
<p class="note">Sent ${p.when}.</p>
<h4>As the email shows it</h4>
<div class="email-body">${new SafeHtml(emailBody(p.email))}</div>
<h4>Its plain-text part</h4>
<pre class="email-text">${p.email.text}</pre>
</details>`;

export const hrCatalogPages: Pages = {
  'GET /hr/catalog': {
    audience: 'hr',
    summary: 'The catalog: templates, frameworks, plan policies and triggers with their current revision',
    handle: async ({ user, principal }) => {
      const sections = await Promise.all(
        (Object.keys(KINDS) as Kind[]).map(async (kind) => {
          const answer = await callRoute(`GET /${KINDS[kind].routes}`, principal);
          const documents = answer.status === 200 ? (answer.body as { documents: Stored[] }).documents : [];
          return table(
            KINDS[kind].label,
            [
              'Name',
              'Id',
              { label: 'Revision', num: true },
              'Changed by',
              'Changed on',
              ...(kind === 'template' || kind === 'plan-policy' ? ['Emails'] : []),
            ],
            documents.map((d) => [
              link(docPath(kind, d.id), nameOf(d.doc) || d.id),
              d.id,
              d.revision,
              d.updatedBy,
              day(d.updatedAt),
              ...(kind === 'template' || kind === 'plan-policy'
                ? [link(`${docPath(kind, d.id)}/emails`, 'Preview emails')]
                : []),
            ]),
            'none yet.',
          );
        }),
      );
      return appPage(
        user,
        'Catalog',
        html`<p>What cycles and plans are made from. Documents are saved with the CLI (<code>growcycle apply</code>) or the HR API; each save is a new revision, kept whole.</p>${sections}`,
        { path: '/hr/catalog' },
      );
    },
  },

  'GET /hr/catalog/{kind}/{id}': {
    audience: 'hr',
    summary: 'One catalog document shown readably (?revision=N for an earlier one), with its revisions',
    handle: async ({ user, principal, event }) => {
      const { kind, id } = documentNamed(event);
      if (!isKind(kind)) return notFoundPage(user, 'No such kind of catalog document.');
      const k = KINDS[kind];
      const wanted = event.queryStringParameters?.revision;
      const [current, revisions] = await Promise.all([
        wanted
          ? readDocument(kind, id, principal, `/revisions/{revision}`, wanted)
          : readDocument(kind, id, principal),
        readDocument(kind, id, principal, '/revisions'),
      ]);
      if (current.status !== 200) return refusal(user, current, '/hr/catalog');
      const shown = current.body as Stored;
      const list = revisions.status === 200 ? (revisions.body as { revisions: Revision[] }).revisions : [];
      const latest = list[0]?.revision ?? shown.revision;
      return appPage(
        user,
        `${nameOf(shown.doc) || id}`,
        html`<p>${tag(k.one)} <code>${id}</code>, revision ${String(shown.revision)}${shown.revision === latest ? ' (current)' : html` — an earlier revision; ${link(docPath(kind, id), 'see the current one')}`}, saved by ${shown.updatedBy} on ${day(shown.updatedAt)}.
${kind === 'template' || kind === 'plan-policy' ? html` ${link(`${docPath(kind, id)}/emails`, 'Preview the emails it sends')}.` : ''}</p>
${documentView(kind, shown.doc)}
<h2>Revisions</h2>
${table(
  'Every revision, newest first',
  [{ label: 'Revision', num: true }, 'Saved by', 'Saved on', 'Contents'],
  list.map((r) => [
    r.revision,
    r.updatedBy,
    day(r.updatedAt),
    r.revision === shown.revision
      ? 'shown above'
      : link(`${docPath(kind, id)}?revision=${String(r.revision)}`, `Show revision ${String(r.revision)}`),
  ]),
)}
<p>${link(`/hr/audit?entityKey=${encodeURIComponent(`${k.audit}#${id}`)}`, 'Its audit trail')} · ${link('/hr/catalog', 'Back to the catalog')}</p>`,
        { path: '/hr/catalog' },
      );
    },
  },

  'GET /hr/catalog/{kind}/{id}/emails': {
    audience: 'hr',
    summary: 'The emails a template or plan policy sends, previewed with made-up people and dates',
    handle: async ({ user, principal, event }) => {
      const { kind, id } = documentNamed(event);
      if (kind !== 'template' && kind !== 'plan-policy')
        return notFoundPage(user, 'Only templates and plan policies send emails.');
      const k = KINDS[kind];
      const answer = await readDocument(kind, id, principal);
      if (answer.status !== 200) return refusal(user, answer, '/hr/catalog');
      const { doc } = answer.body as Stored;
      const previews =
        kind === 'template' ? templateEmails(doc as Template) : planPolicyEmails(doc as PlanPolicy);
      const groups = [...new Set(previews.map((p) => p.group))];
      return appPage(
        user,
        `Emails of ${nameOf(doc) || id}`,
        html`${EMAIL_STYLE}<p>Every email ${kind === 'template' ? 'a cycle made from this template' : 'a plan following this policy'} sends, written by the same code the workflows use, for made-up people (${SAMPLE.employee}, their manager ${SAMPLE.manager}) and a due date of ${day(SAMPLE.dueAt)}, in ${SAMPLE.timeZone}. Links lead nowhere. Open one to read it as it arrives and as plain text.</p>
${groups.map(
  (g, gi) =>
    html`<h2>${g}</h2>${previews.filter((p) => p.group === g).map((p, i) => previewCard(p, gi === 0 && i === 0))}`,
)}
<p>${link(docPath(kind, id), `Back to the ${k.one}`)}</p>`,
        { path: '/hr/catalog' },
      );
    },
  },
};
