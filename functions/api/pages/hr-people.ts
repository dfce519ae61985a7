import type { Principal } from '../../../domain/people/access';
import { parseCsv } from '../../../domain/people/csv';
import type { ImportPreview, ImportReport, RowError } from '../../../domain/people/org';
import { html, type SafeHtml } from '../../../domain/platform/html';
import type { Employee, Goal, Plan } from '../../../domain/platform/table';
import { callRoute } from '../hr-routes';
import { type ColumnChoice, mappingFromForm, mappingSelects } from './import-mapping';
import { MAX_UPLOAD_BYTES } from './multipart';
import { appPage, day, facts, link, type Pages, refusal, table, tag } from './shell';

/*
 * HR's people pages: the org chart from the top with leavers, people on leave and bounced
 * addresses; one person's page; and importing an HRIS export: upload, map its columns and preview
 * every row, then apply and read the import's report. Every read and write goes through the HR API.
 */

/** The whole organisation, read a page at a time through the HR API. */
export const wholeOrganisation = async (
  caller: Principal,
): Promise<Employee[] | { status: number; body: unknown }> => {
  const everyone: Employee[] = [];
  let cursor: string | undefined;
  do {
    const answer = await callRoute('GET /employees', caller, {
      query: { limit: '1000', ...(cursor ? { cursor } : {}) },
    });
    if (answer.status !== 200) return answer;
    const page = answer.body as { employees: Employee[]; cursor?: string };
    everyone.push(...page.employees);
    cursor = page.cursor;
  } while (cursor);
  return everyone;
};

const STATUS_TONE = { active: 'ok', 'on-leave': 'warn', left: 'bad' } as const;
const statusTag = (status: Employee['status']) => tag(status, STATUS_TONE[status]);

export type ChartNode = { employee: Employee; reports: ChartNode[]; teamSize: number };

/**
 * The org chart of the people still here: each top (no manager, or a manager not among them) with
 * their reports nested, and each manager's whole team counted. A reporting loop in the data ends the
 * branch where it repeats, so bad data cannot hang the page.
 */
export const orgChart = (employees: Employee[]): ChartNode[] => {
  const present = employees.filter((e) => e.status !== 'left');
  const ids = new Set(present.map((e) => e.employeeId));
  const reportsOf = new Map<string, Employee[]>();
  for (const e of present)
    if (e.managerId && ids.has(e.managerId))
      reportsOf.set(e.managerId, [...(reportsOf.get(e.managerId) ?? []), e]);
  const seen = new Set<string>();
  const node = (employee: Employee): ChartNode => {
    seen.add(employee.employeeId);
    const reports = (reportsOf.get(employee.employeeId) ?? [])
      .filter((r) => !seen.has(r.employeeId))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(node);
    return { employee, reports, teamSize: reports.reduce((n, r) => n + 1 + r.teamSize, 0) };
  };
  const tops = present.filter((e) => !e.managerId || !ids.has(e.managerId) || e.managerId === e.employeeId);
  const chart = tops.map(node);
  // People in a reporting loop have no top: each loop is shown from its first member.
  for (const e of present) if (!seen.has(e.employeeId)) chart.push(node(e));
  return chart;
};

const chartList = (nodes: ChartNode[]): SafeHtml =>
  html`<ul class="org">${nodes.map(
    ({ employee: e, reports, teamSize }) =>
      html`<li>${link(`/hr/people/${encodeURIComponent(e.employeeId)}`, e.name)} · ${e.title}${e.department ? ` · ${e.department}` : ''} · level ${String(e.level)}${e.status === 'active' ? '' : html` ${statusTag(e.status)}`}${
        reports.length
          ? html` <span class="note">(${String(reports.length)} direct, ${String(teamSize)} in all)</span>${chartList(reports)}`
          : ''
      }</li>`,
  )}</ul>`;

const CHART_STYLE = html`<style>ul.org{list-style:none;padding-left:1.2rem;border-left:2px solid #d8e6df;margin:0.2rem 0}
ul.org>li{margin:0.25rem 0}main>ul.org{border-left:0;padding-left:0}</style>`;

const peopleTable = (caption: string, people: Employee[], extra: (e: Employee) => string, empty: string) =>
  table(
    caption,
    ['Name', 'Title', 'Department', 'Status', extra === noExtra ? '' : 'Since'].filter(Boolean),
    people.map((e) => [
      link(`/hr/people/${encodeURIComponent(e.employeeId)}`, e.name),
      e.title,
      e.department ?? '',
      statusTag(e.status),
      ...(extra === noExtra ? [] : [extra(e)]),
    ]),
    empty,
  );
const noExtra = () => '';

/** A person's facts, in the words of the org chart. */
const personFacts = (e: Employee) =>
  facts([
    ['Employee id', e.employeeId],
    ['Email', e.email],
    ['Title', e.title],
    ['Level', e.level],
    ['Track', e.track],
    ['Department', e.department],
    ['Location', e.location],
    ['Time zone', e.timeZone],
    ['Start date', e.startDate ? day(e.startDate) : undefined],
    ['Status', statusTag(e.status)],
    [
      'Email problem',
      e.emailProblem ? tag(`${e.emailProblem.type} on ${day(e.emailProblem.at)}`, 'bad') : undefined,
    ],
  ]);

type Aspiration = { track?: string; level: number; note?: string; updatedAt: string };

const DATE_ORDERS = html`<fieldset><legend>Dates such as 03/04/2024 are</legend>
<label><input type="radio" name="dateOrder" value="dmy" checked> day first (3 April)</label>
<label><input type="radio" name="dateOrder" value="mdy"> month first (4 March)</label></fieldset>`;

const MODES = html`<fieldset><legend>The export holds</legend>
<label><input type="radio" name="mode" value="partial" checked> some people: add and update them</label>
<label><input type="radio" name="mode" value="full"> everyone: people missing from it have left</label></fieldset>`;

/** The export's choices (mode, date order) carried from one step of the import to the next. */
const ImportChoices = {
  read: (form: URLSearchParams) => ({
    mode: form.get('mode') === 'full' ? ('full' as const) : ('partial' as const),
    dateOrder: form.get('dateOrder') === 'mdy' ? ('mdy' as const) : ('dmy' as const),
  }),
};

const problemText = (p: RowError) =>
  `${p.column ?? p.field}${p.value !== undefined && p.value !== '' ? ` "${p.value}"` : ''}: ${p.reason}`;

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

/** The upload, read as text; or why it cannot be imported. */
const uploadedCsv = (
  files: Map<string, { text: string; truncated: boolean }>,
  form: URLSearchParams,
): { ok: true; csv: string } | { ok: false; why: string } => {
  const carried = form.get('csv');
  if (carried !== null) return { ok: true, csv: Buffer.from(carried, 'base64').toString('utf8') };
  const file = files.get('file');
  if (!file || file.text.trim() === '')
    return { ok: false, why: 'Choose a CSV file exported from your HRIS.' };
  if (file.truncated)
    return {
      ok: false,
      why: `The file is larger than ${MAX_UPLOAD_BYTES / 1_000_000} MB: import it with the CLI.`,
    };
  return { ok: true, csv: file.text };
};

const headersOf = (csv: string): string[] => {
  try {
    return (parseCsv(csv)[0]?.fields ?? []).map((h) => h.trim());
  } catch {
    return [];
  }
};

const ACTION_TONE = { new: 'ok', changed: '', leaver: 'warn', invalid: 'bad' } as const;

const importReport = (report: ImportReport) => {
  const c = report.counts;
  return html`${table(
    'What the import did',
    [
      'Rows',
      { label: 'Created', num: true },
      { label: 'Changed', num: true },
      { label: 'Left', num: true },
      { label: 'Unchanged', num: true },
      { label: 'Rows with errors', num: true },
    ],
    [[String(c.rows), c.created, c.updated, c.left, c.unchanged, c.invalid]],
  )}
${table(
  'Errors per row',
  ['Row', 'Employee', 'Problem'],
  report.errors.map((e) => [String(e.row), e.employeeId ?? '', problemText(e)]),
  'none.',
)}`;
};

export const hrPeoplePages: Pages = {
  'GET /hr/people': {
    audience: 'hr',
    summary: "HR's people page: the org chart from the top, people on leave, leavers and bounced addresses",
    handle: async ({ user, principal, event }) => {
      const everyone = await wholeOrganisation(principal);
      if (!Array.isArray(everyone)) return refusal(user, everyone, '/');
      const leavers = everyone.filter((e) => e.status === 'left');
      const onLeave = everyone.filter((e) => e.status === 'on-leave');
      const bounced = everyone.filter((e) => e.emailProblem);
      const chart = orgChart(everyone);
      return appPage(
        user,
        'People',
        html`${CHART_STYLE}<p>${String(everyone.length - leavers.length)} people in the organisation, ${String(onLeave.length)} on leave, ${String(leavers.length)} left. ${link('/hr/import', 'Import an HRIS export')}</p>
${table(
  'Bounced addresses',
  ['Name', 'Email', 'Problem', 'When'],
  bounced.map((e) => [
    link(`/hr/people/${encodeURIComponent(e.employeeId)}`, e.name),
    e.email,
    tag(e.emailProblem?.type ?? '', 'bad'),
    day(e.emailProblem?.at),
  ]),
  'none: every address takes mail.',
)}
${peopleTable('On leave', onLeave, noExtra, 'nobody.')}
<h2 id="chart">Org chart</h2>
${chart.length ? chartList(chart) : html`<p class="note">Nobody yet: import the organisation.</p>`}
<h2 id="leavers">Leavers</h2>
${peopleTable('Leavers', leavers, noExtra, 'nobody has left.')}`,
        { path: event.rawPath },
      );
    },
  },

  'GET /hr/people/{employeeId}': {
    audience: 'hr',
    summary: 'One person for HR: facts, manager chain, reports, goals, aspiration and plans',
    handle: async ({ user, principal, event }) => {
      const employeeId = event.pathParameters?.employeeId ?? '';
      const found = await callRoute('GET /employees/{employeeId}', principal, { path: { employeeId } });
      if (found.status !== 200) return refusal(user, found, '/hr/people');
      const { employee } = found.body as { employee: Employee };
      const chain: Employee[] = [];
      for (
        let id = employee.managerId;
        id && chain.length < 20 && !chain.some((m) => m.employeeId === id);
      ) {
        const manager = await callRoute('GET /employees/{employeeId}', principal, {
          path: { employeeId: id },
        });
        if (manager.status !== 200) break;
        const m = (manager.body as { employee: Employee }).employee;
        chain.push(m);
        id = m.managerId;
      }
      const everyone = await wholeOrganisation(principal);
      const reports = Array.isArray(everyone) ? everyone.filter((e) => e.managerId === employeeId) : [];
      const [goals, aspiration, plans] = await Promise.all([
        callRoute('GET /employees/{employeeId}/goals', principal, { path: { employeeId } }),
        callRoute('GET /employees/{employeeId}/aspiration', principal, { path: { employeeId } }),
        callRoute('GET /plans', principal, { query: { ownerId: employeeId } }),
      ]);
      const goalList = goals.status === 200 ? (goals.body as { goals: Goal[] }).goals : [];
      const planList = plans.status === 200 ? (plans.body as { plans: Plan[] }).plans : [];
      const wish =
        aspiration.status === 200 ? (aspiration.body as { aspiration: Aspiration }).aspiration : undefined;
      return appPage(
        user,
        employee.name,
        html`${personFacts(employee)}
<h2>Manager chain</h2>
${chain.length ? html`<ol>${chain.map((m) => html`<li>${link(`/hr/people/${encodeURIComponent(m.employeeId)}`, m.name)}, ${m.title}</li>`)}</ol>` : html`<p class="note">At the top of the organisation.</p>`}
<h2>Reports</h2>
${peopleTable('Direct reports', reports, noExtra, 'none.')}
<h2>Goals</h2>
${table(
  'Goals',
  ['Goal', 'Measure', 'Due', 'Status'],
  goalList.map((g) => [g.title, g.measure, day(g.dueDate), tag(g.status)]),
  'none set.',
)}
<h2>Aspiration</h2>
${
  wish
    ? facts([
        ['Track', wish.track],
        ['Level', wish.level],
        ['Note', wish.note],
        ['Updated', day(wish.updatedAt)],
      ])
    : html`<p class="note">No career aspiration recorded.</p>`
}
<h2>Development plans</h2>
${table(
  'Plans',
  ['Plan', 'Status', 'Started'],
  planList.map((p) => [p.title, tag(p.status), day(p.createdAt)]),
  'none.',
)}
<p>${link('/hr/people', 'Back to people')} · ${link(`/hr/audit?entityKey=${encodeURIComponent(`aspiration#${employeeId}`)}`, 'Audit trail of the aspiration')}</p>`,
        { path: '/hr/people' },
      );
    },
  },

  'GET /hr/import': {
    audience: 'hr',
    summary: 'The upload form of an HRIS export (CSV), with its mode and date order',
    handle: async ({ user }) =>
      appPage(
        user,
        'Import an HRIS export',
        html`<p>Upload a CSV exported from your HRIS (Workday, BambooHR, Personio, HiBob or any other). Next you see its columns, choose what each one is, and preview every row before anything is written. Files up to ${String(MAX_UPLOAD_BYTES / 1_000_000)} MB; larger ones go through the CLI (<code>growcycle import-org</code>).</p>
<form method="post" action="/hr/import/preview" enctype="multipart/form-data"><input type="hidden" name="csrf" value="${user.csrfToken}">
<label for="file">The export (CSV)</label><input id="file" type="file" name="file" accept=".csv,text/csv" required>
${MODES}${DATE_ORDERS}
<button type="submit">Preview</button></form>`,
        { path: '/hr/people' },
      ),
  },

  'POST /hr/import/preview': {
    audience: 'hr',
    summary:
      "Preview an uploaded HRIS export (multipart/form-data): each column's field, chosen in a form, and every row's change or problem",
    handle: async ({ user, principal, form, files }) => {
      const upload = uploadedCsv(files, form);
      if (!upload.ok)
        return refusal(
          user,
          { status: 400, body: { title: 'Nothing to import', detail: upload.why } },
          '/hr/import',
        );
      const { csv } = upload;
      const headers = headersOf(csv);
      const choices = ImportChoices.read(form);
      const map = mappingFromForm(headers, form);
      const answer = await callRoute('POST /org/import/preview', principal, {
        body: { csv, ...choices, ...(map ? { map } : {}) },
      });
      if (answer.status !== 200) return refusal(user, answer, '/hr/import');
      const preview = answer.body as ImportPreview;
      const columns: ColumnChoice[] = preview.columns.map((c) => ({ header: c.header, field: c.field }));
      const c = preview.counts;
      const invalid = preview.rows.filter((r) => r.action === 'invalid').length;
      return appPage(
        user,
        'Preview the import',
        html`<p>${String(c.rows)} rows: ${String(preview.rows.filter((r) => r.action === 'new').length)} new, ${String(c.updated)} changed, ${String(c.left)} leaving, ${String(c.unchanged)} unchanged, ${String(invalid)} with problems. Nothing is written until you apply.</p>
<form method="post" action="/hr/import/apply"><input type="hidden" name="csrf" value="${user.csrfToken}">
${hidden('csv', Buffer.from(csv, 'utf8').toString('base64'))}${hidden('mode', choices.mode)}${hidden('dateOrder', choices.dateOrder)}
<table><caption>Columns of the export, and the field each one is</caption>
<thead><tr><th scope="col">Column in the export</th><th scope="col">growcycle field</th></tr></thead>
<tbody>${mappingSelects(columns)}</tbody></table>
<button type="submit" formaction="/hr/import/preview">Preview again with this mapping</button>
${table(
  'Rows the import changes, and rows with problems',
  ['Row', 'Employee', 'What happens', 'Details'],
  preview.rows.map((r) => [
    String(r.row),
    r.employeeId ?? '',
    tag(r.action, ACTION_TONE[r.action]),
    r.problems.length
      ? html`<ul>${r.problems.map((p) => html`<li class="error">${problemText(p)}</li>`)}</ul>`
      : (r.changes ?? []).map((ch) => `${ch.field}: ${ch.from ?? '—'} → ${ch.to ?? '—'}`).join('; '),
  ]),
  'no row changes anything.',
)}
${preview.leavers.length ? html`<p>Missing from the export, so marked left: ${preview.leavers.join(', ')}.</p>` : ''}
<label><input type="checkbox" name="skipInvalid" value="true"${invalid ? '' : html` disabled`}> Import the valid rows and skip the ${String(invalid)} row(s) with problems</label>
<button type="submit">Apply the import</button></form>
<p>${link('/hr/import', 'Start again with another file')}</p>`,
        { path: '/hr/people' },
      );
    },
  },

  'POST /hr/import/apply': {
    audience: 'hr',
    summary: "Apply a previewed HRIS export with the chosen mapping; the import's report",
    handle: async ({ user, principal, form }) => {
      const upload = uploadedCsv(new Map(), form);
      if (!upload.ok)
        return refusal(
          user,
          { status: 400, body: { title: 'Nothing to import', detail: upload.why } },
          '/hr/import',
        );
      const map = mappingFromForm(headersOf(upload.csv), form);
      const answer = await callRoute('POST /org/import', principal, {
        body: {
          csv: upload.csv,
          ...ImportChoices.read(form),
          ...(map ? { map } : {}),
          skipInvalid: form.get('skipInvalid') === 'true',
        },
      });
      // A rejected import's problem carries the report's members: every bad row at once, nothing written.
      const rejected = answer.status === 422;
      // People another write changed while it ran were left alone; the rest of the import went in.
      const conflicts =
        answer.status === 409 ? (answer.body as { conflicts?: string[] }).conflicts : undefined;
      if (answer.status !== 200 && !rejected && !conflicts) return refusal(user, answer, '/hr/import');
      const report = answer.body as ImportReport;
      const outcome = rejected
        ? html`<p class="error" role="alert">Some rows have problems, so nothing was written. Fix them in the HRIS, or go back and choose to skip them.</p>`
        : conflicts
          ? html`<p class="error" role="alert">${String(conflicts.length)} people were changed by another write while this import ran, so they were not written: ${conflicts.join(', ')}. Everyone else is updated. Import the file again to write them.</p>`
          : html`<p class="notice" role="status">The organisation is updated.</p>`;
      return appPage(
        user,
        rejected ? 'Import rejected' : conflicts ? 'Import partly applied' : 'Import applied',
        html`${outcome}
${importReport(report)}
<p>${link('/hr/people', 'See the org chart')} · ${link('/hr/import', 'Import another export')}</p>`,
        { path: '/hr/people', status: rejected ? 422 : conflicts ? 409 : 200 },
      );
    },
  },
};
