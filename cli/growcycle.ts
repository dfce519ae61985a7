import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseAllDocuments } from 'yaml';
import * as z from 'zod';
import type { ImportPreview, ImportReport, RowError } from '../domain/people/org';
import type { CyclePlanCounts } from '../domain/plans/cycle-plans';
import { LOCAL_HR, localHrToken, login, logout, storedToken } from './login';
import { redrive } from './redrive';

/*
 * growcycle: HR's command line. It talks to the HTTP API (the local stack by default, --api URL for
 * a deployed one). Exit codes: 0 success, 1 the work failed or found bad input (one line says why),
 * 2 the command itself was wrong.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}
export class CommandError extends Error {
  override name = 'CommandError';
}

export type Io = { out: (line: string) => void; err: (line: string) => void; isTty: boolean };

const USAGE = `usage: growcycle <command> [options]

commands:
  import-org FILE         import people from an HRIS export (CSV or JSON)
      --full              people missing from FILE are marked left (default: only upsert)
      --dry-run           report what would change and every bad row; write nothing
      --skip-invalid      apply the good rows even when some rows are bad
      --preview           show how the columns map and every row that would change or has a problem; write nothing
      --map "Header=field,..."
                          which of the export's columns holds which field (employee_id, name, email,
                          manager_id, job_title, track, level, department, location, time_zone,
                          start_date, status, termination_date, active; "Header=" leaves one out);
                          common HRIS header names are recognised without it
      --map-file FILE     the same, one Header=field a line, or a JSON object
      --date-order dmy|mdy
                          how to read a date such as 03/04/2024
  apply FILE              create or update competency frameworks, cycle templates, review triggers and plan policies (YAML or JSON)
  schedule-cycle          schedule an appraisal cycle
      --name NAME (--template ID | --participants ID,ID,...) [--start ISO-DATE-TIME] [--key IDEMPOTENCY-KEY]
      [--every-months N]  with --template and no --participants, the template's filters pick them;
                          --every-months repeats the cycle (each one schedules the next when it opens)
  cycle list [--status scheduled|running|closed|cancelled]
                          one line per cycle, latest start first: its id, name, status, start and close, people
  status CYCLE_ID         progress of a cycle: reviews, the plans they led to, each phase, and who is overdue
  extend CYCLE_ID --days N [--employee ID] [--phase KIND]
                          move deadlines later: the whole cycle, one person, or one phase
                          (self-assessment, peer-feedback, manager-appraisal, goal-setting,
                          goal-approval, review-meeting, acknowledgment)
  cancel CYCLE_ID --reason TEXT
                          cancel a cycle; its workflows stop and no email goes out after
  reassign REQUEST_ID --to EMPLOYEE_ID --reason TEXT
                          pass an open peer-feedback, manager-appraisal, peer-nomination or peer-approval
                          request to someone else (a reviewer whose address bounced, or who left); the old
                          link stops working
  export CYCLE_ID [--out FILE]
                          the results as CSV (stdout, or FILE)
  person export EMPLOYEE_ID [--out FILE]
                          everything held about a person, as JSON (stdout, or FILE), for a request
                          for their data
  person pseudonymise EMPLOYEE_ID
                          a leaver past the retention period: name, address and free texts replaced,
                          ratings and counts kept
  plan draft CYCLE_ID --employee ID
                          draft an employee's development plan from their released review in the cycle;
                          they and their manager each get a form to change it and agree
  plan show PLAN_ID       a development plan, one line per item: kind, title, due date, status, overdue
  plan list (--owner ID | --team MANAGER_ID | --mentor ID | --overdue)
                          one line per plan: an employee's, a manager's reports', or every active plan
                          with an overdue item; --mentor lists the items a mentor mentors
  plan cancel PLAN_ID --reason TEXT
                          cancel a plan; its follow-up stops and no email goes out about it after
  feedback ask --to ID|NAME<EMAIL>,... (--items ID,... | --question TEXT) --days N
      [--about EMPLOYEE_ID] [--template ID] [--anonymous] [--manager-sees] [--key KEY]
                          ask up to ten people for feedback about yourself (or a direct report)
  feedback give EMPLOYEE_ID --value ID --message TEXT [--template ID]
                          praise a colleague for a value or behaviour of the catalog
  feedback list EMPLOYEE_ID
                          the feedback on a person's record that you may read
  redrive [--queue-url URL] [--dry-run]
                          send what failed asynchronously (digest deliveries, SES events, the daily
                          trigger check) back to its function, then delete it from the dead-letter
                          queue (default $GROWCYCLE_FAILED_INVOCATIONS_QUEUE; on AWS, the stack output
                          FailedInvocationsQueueUrl); needs AWS credentials, not a growcycle token
  login                   sign in through the API's sign-in page (opens the browser, or prints the
                          address); the token is kept, owner-only, in ~/.config/growcycle/ (or
                          $XDG_CONFIG_HOME/growcycle/) and refreshed; every command uses it
  logout                  forget the kept token for this API
  dev-token EMPLOYEE_ID   a token from the local stack's development issuer (--hr for an HR admin)

options:
  --api URL               the growcycle API (default $GROWCYCLE_API or http://localhost:4000)
  --token JWT             the caller's token (default $GROWCYCLE_TOKEN, else the one \`growcycle login\`
                          kept). Against a local stack with none of these, the CLI takes an HR
                          token (${LOCAL_HR}) from its development issuer by itself: no sign-in needed
  --json                  machine-readable output on stdout
`;

/** `recover`: when the API refuses a call made without a token, one to try it again with. */
type Target = { api: string; token: string | undefined; recover?: () => Promise<string | undefined> };

/** A request to the API, signed in as the target says; on a local stack a 401 with no token gets one and retries. */
const send = async (
  target: Target,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> => {
  const { api, token } = target;
  let res: Response;
  try {
    res = await fetch(`${api}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new CommandError(
      `cannot reach the growcycle API at ${api} (is the local stack running? npm start)`,
    );
  }
  if (res.status === 401 && !token && target.recover) {
    const recovered = await target.recover();
    if (recovered) return send({ api, token: recovered }, method, route, body, headers);
  }
  if (res.status === 401) {
    throw new CommandError(
      `the API refused the token (401): sign in with growcycle login, or pass one with --token or GROWCYCLE_TOKEN`,
    );
  }
  return res;
};

const call = async (
  target: Target,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await send(target, method, route, body, headers);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CommandError(`the API answered ${res.status} with something that is not JSON`);
  }
  return { status: res.status, json };
};

const problemLine = (status: number, json: Record<string, unknown>) =>
  `the API answered ${status}: ${String(json.detail ?? json.title ?? json.message ?? 'error')}`;

/** Shows that something is happening while one long request runs; only on a terminal. */
const withSpinner = async <T>(io: Io, label: string, work: Promise<T>): Promise<T> => {
  if (!io.isTty) return work;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const started = Date.now();
  let i = 0;
  const timer = setInterval(() => {
    process.stderr.write(
      `\r${frames[i++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 100);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
};

/** Reads an HRIS export: CSV is sent as text (the API parses and numbers its rows), JSON as rows. */
export const readOrgFile = (file: string): { csv: string } | { rows: Array<Record<string, unknown>> } => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CommandError(`cannot read ${file}`);
  }
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (path.extname(file).toLowerCase() === '.json' || trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw new CommandError(`${file} is not valid JSON`);
    }
    const rows = Array.isArray(data) ? data : (data as { employees?: unknown }).employees;
    if (!Array.isArray(rows))
      throw new CommandError(`${file}: expected an array of employees or {"employees": [...]}`);
    return { rows: rows as Array<Record<string, unknown>> };
  }
  return { csv: text };
};

/** `Header=field` pairs, split on the last "=" (a header may hold one), from --map or a map file. */
const parseColumnMap = (pairs: string[], from: string): Record<string, string> =>
  Object.fromEntries(
    pairs
      .filter((p) => p.trim() !== '')
      .map((pair) => {
        const at = pair.lastIndexOf('=');
        if (at <= 0) throw new UsageError(`${from}: "${pair}" is not Header=field`);
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      }),
  );

const readColumnMap = (flags: ImportFlags): Record<string, string> | undefined => {
  const given = flags.map ? parseColumnMap(flags.map.split(','), '--map') : {};
  if (flags.mapFile) {
    let text: string;
    try {
      text = readFileSync(flags.mapFile, 'utf8');
    } catch {
      throw new CommandError(`cannot read ${flags.mapFile}`);
    }
    const json = (): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    };
    const fromFile = text.trim().startsWith('{')
      ? z.record(z.string(), z.string()).safeParse(json()).data
      : parseColumnMap(text.split(/\r?\n/), flags.mapFile);
    if (!fromFile) throw new CommandError(`${flags.mapFile}: expected {"Header": "field", ...}`);
    Object.assign(given, fromFile);
  }
  return Object.keys(given).length ? given : undefined;
};

type ImportFlags = {
  full: boolean;
  dryRun: boolean;
  skipInvalid: boolean;
  json: boolean;
  preview: boolean;
  map?: string | undefined;
  mapFile?: string | undefined;
  dateOrder?: string | undefined;
};

/** A row's problem: the export's column and its value (unless the reason quotes it), and why. */
const problemText = (e: RowError) => {
  const value = e.value === undefined || e.reason.includes(`"${e.value}"`) ? '' : ` "${e.value}"`;
  return `${e.column ?? e.field}${value}: ${e.reason}`;
};

const previewOrg = async (api: Target, file: string, flags: ImportFlags, io: Io) => {
  const { status, json } = await withSpinner(
    io,
    'previewing',
    call(api, 'POST', '/org/import/preview', {
      ...readOrgFile(file),
      mode: flags.full ? 'full' : 'partial',
      ...importReading(flags),
    }),
  );
  if (status !== 200) throw new CommandError(problemLine(status, json));
  const preview = json as unknown as ImportPreview;
  if (flags.json) io.out(JSON.stringify(preview));
  else {
    const c = preview.counts;
    io.out(`${file}: ${c.rows} rows previewed (nothing written)`);
    for (const col of preview.columns)
      io.out(
        `  column ${JSON.stringify(col.header)} → ${col.field ?? '(ignored)'}${col.how === 'ignored' ? '' : ` (${col.how})`}${col.note ? `: ${col.note}` : ''}`,
      );
    io.out(
      `  new ${c.created} · changed ${c.updated} · unchanged ${c.unchanged} · marked left ${c.left} · bad rows ${c.invalid}`,
    );
    for (const r of preview.rows) {
      const head = `  row ${String(r.row).padStart(5)}  ${(r.employeeId ?? '').padEnd(12)} ${r.action}`;
      const changes = (r.changes ?? []).map(
        (ch) => `${ch.field} ${String(ch.from ?? '∅')} → ${String(ch.to ?? '∅')}`,
      );
      io.out(changes.length ? `${head}: ${changes.join('; ')}` : head);
      for (const p of r.problems) io.out(`          ${problemText(p)}`);
    }
    if (preview.leavers.length) io.out(`  not in the file, marked left: ${preview.leavers.join(', ')}`);
  }
  const problems = preview.rows.reduce((n, r) => n + r.problems.length, 0);
  if (problems)
    throw new CommandError(
      `${problems} problem(s) in ${preview.counts.invalid} row(s); nothing would be written`,
    );
};

/** How the API is to read the export: its column map and date order. */
const importReading = (flags: ImportFlags) => {
  if (flags.dateOrder !== undefined && flags.dateOrder !== 'dmy' && flags.dateOrder !== 'mdy')
    throw new UsageError('--date-order is dmy or mdy');
  const map = readColumnMap(flags);
  return { ...(map ? { map } : {}), ...(flags.dateOrder ? { dateOrder: flags.dateOrder } : {}) };
};

const importOrg = async (api: Target, file: string, flags: ImportFlags, io: Io) => {
  if (flags.preview) return previewOrg(api, file, flags, io);
  const source = readOrgFile(file);
  const { status, json } = await withSpinner(
    io,
    flags.dryRun ? 'checking' : 'importing',
    call(api, 'POST', '/org/import', {
      ...source,
      ...importReading(flags),
      mode: flags.full ? 'full' : 'partial',
      dryRun: flags.dryRun,
      skipInvalid: flags.skipInvalid,
    }),
  );
  if (status !== 200 && status !== 422) throw new CommandError(problemLine(status, json));
  const report = json as unknown as ImportReport;
  if (flags.json) io.out(JSON.stringify(report));
  else {
    const c = report.counts;
    const verb = report.applied
      ? 'imported'
      : report.dryRun
        ? 'checked (dry run, nothing written)'
        : 'rejected (nothing written)';
    io.out(`${file}: ${c.rows} rows ${verb}`);
    io.out(
      `  created ${c.created} · updated ${c.updated} · unchanged ${c.unchanged} · marked left ${c.left} · bad rows ${c.invalid}`,
    );
    for (const e of report.errors)
      io.out(`  row ${String(e.row).padStart(5)}  ${(e.employeeId ?? '').padEnd(12)} ${problemText(e)}`);
  }
  if (report.errors.length) {
    throw new CommandError(
      `${report.errors.length} problem(s) in ${report.counts.invalid} row(s)${report.applied ? '; the good rows were applied' : '; nothing was written'}`,
    );
  }
};

const wholeNumber = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} needs a whole number`);
  return n;
};

const scheduleCycle = async (
  api: Target,
  flags: {
    name?: string;
    participants?: string;
    template?: string;
    start?: string;
    key?: string;
    'every-months'?: string;
    json: boolean;
  },
  io: Io,
) => {
  if (!flags.name) throw new UsageError('schedule-cycle needs --name');
  if (!flags.participants && !flags.template)
    throw new UsageError('schedule-cycle needs --template ID or --participants ID,ID,...');
  const participants = flags.participants
    ? [
        ...new Set(
          flags.participants
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        ),
      ]
    : undefined;
  const body = {
    name: flags.name,
    ...(participants ? { participants } : {}),
    ...(flags.template ? { templateId: flags.template } : {}),
    ...(flags.start ? { startAt: flags.start } : {}),
    ...(flags['every-months']
      ? { repeatEveryMonths: wholeNumber('--every-months', flags['every-months']) }
      : {}),
  };
  const { status, json } = await call(
    api,
    'POST',
    '/cycles',
    body,
    flags.key ? { 'idempotency-key': flags.key } : {},
  );
  if (status !== 201) throw new CommandError(problemLine(status, json));
  if (flags.json) io.out(JSON.stringify(json));
  else {
    const cycle = json.cycle as { participants: number; closeAt: string };
    io.out(
      `scheduled cycle ${String(json.cycleId)} for ${cycle.participants} people, closing ${cycle.closeAt}`,
    );
  }
};

type CatalogDoc = { kind?: unknown; id?: unknown };

/** Reads frameworks and templates from YAML (several documents) or JSON (one object or an array). */
export const readCatalogFile = (file: string): CatalogDoc[] => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CommandError(`cannot read ${file}`);
  }
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      const data = JSON.parse(text) as unknown;
      return (Array.isArray(data) ? data : [data]) as CatalogDoc[];
    } catch {
      throw new CommandError(`${file} is not valid JSON`);
    }
  }
  const docs = parseAllDocuments(text);
  const broken = docs.find((d) => d.errors.length > 0);
  if (broken)
    throw new CommandError(`${file} is not valid YAML: ${broken.errors[0]?.message.split('\n')[0] ?? ''}`);
  return docs.map((d) => d.toJS() as CatalogDoc).filter((d) => d !== null);
};

/** Where the HR API keeps a catalog document of a kind: `/frameworks/{id}`, `/plan-policies/{id}`, … */
export const catalogPath = (kind: string, id: string): string =>
  `/${kind === 'plan-policy' ? 'plan-policies' : `${kind}s`}/${encodeURIComponent(id)}`;

const apply = async (api: Target, file: string, json: boolean, io: Io) => {
  const docs = readCatalogFile(file);
  if (docs.length === 0) throw new CommandError(`${file} holds no documents`);
  // Frameworks first (a template names its framework), then templates (a trigger names its template).
  const rank = (kind: unknown) => ['framework', 'template', 'trigger', 'plan-policy'].indexOf(String(kind));
  const ordered = [...docs].sort((a, b) => rank(a.kind) - rank(b.kind));
  const results: Array<{ kind: string; id: string; revision?: number; error?: string }> = [];
  for (const doc of ordered) {
    const kind = String(doc.kind ?? '');
    const id = String(doc.id ?? '');
    if (kind !== 'framework' && kind !== 'template' && kind !== 'trigger' && kind !== 'plan-policy') {
      results.push({ kind, id, error: 'kind: must be framework, template, trigger or plan-policy' });
      continue;
    }
    const res = await call(api, 'PUT', catalogPath(kind, id), doc);
    if (res.status === 200) results.push({ kind, id, revision: Number(res.json.revision) });
    else results.push({ kind, id, error: String(res.json.detail ?? res.json.title ?? res.status) });
  }
  if (json) io.out(JSON.stringify(results));
  else
    for (const r of results)
      io.out(
        r.error ? `  ✗ ${r.kind} ${r.id}: ${r.error}` : `  ✓ ${r.kind} ${r.id} (revision ${r.revision})`,
      );
  const failed = results.filter((r) => r.error).length;
  if (failed) throw new CommandError(`${failed} of ${results.length} document(s) were not applied`);
};

type StatusBody = {
  cycle: Record<string, string>;
  reviews: Record<string, number>;
  phases: Record<string, Record<'pending' | 'open' | 'submitted' | 'expired', number>>;
  overdue: Array<{
    kind: string;
    subjectId: string;
    recipientId: string;
    dueAt: string;
    daysOverdue: number;
  }>;
  bounced?: Array<{ requestId: string; kind: string; subjectId: string; recipientId: string }>;
  failures?: Failed[];
  plans: CyclePlanCounts;
};

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export const table = (header: string[], rows: Array<Array<string | number>>): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: Array<string | number>) =>
    cells
      .map((c, i) =>
        typeof c === 'number' ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
};

/** An ISO instant to the minute, as stored (UTC): "2027-03-21 21:59". */
const minute = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

const CyclesAnswer = z.object({
  cycles: z.array(
    z.object({
      cycleId: z.string(),
      name: z.string(),
      status: z.string(),
      startAt: z.string(),
      closeAt: z.string(),
      participants: z.number(),
    }),
  ),
  next: z.string().optional(),
});

/** `cycle list`: every cycle (or those of one status), latest start first, read page after page. */
const cycle = async (
  api: Target,
  [sub, extra]: string[],
  flags: { status?: string | undefined; json: boolean },
  io: Io,
) => {
  if (sub !== 'list') throw new UsageError(sub ? `unknown cycle command "${sub}"` : 'cycle needs list');
  if (extra) throw new UsageError(`unexpected "${extra}"`);
  const cycles: z.infer<typeof CyclesAnswer>['cycles'] = [];
  let next: string | undefined;
  do {
    const query = new URLSearchParams({
      limit: '100',
      ...(flags.status ? { status: flags.status } : {}),
      ...(next ? { cursor: next } : {}),
    });
    const res = await call(api, 'GET', `/cycles?${query.toString()}`);
    if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
    const page = readAnswer(CyclesAnswer, res.json);
    cycles.push(...page.cycles);
    next = page.next;
  } while (next);
  if (flags.json) return io.out(JSON.stringify({ cycles }));
  if (cycles.length === 0) return io.out('no cycles');
  for (const l of table(
    ['cycle', 'name', 'status', 'start (UTC)', 'closes (UTC)', 'people'],
    cycles.map((c) => [
      c.cycleId,
      cut(c.name),
      c.status,
      minute(c.startAt),
      minute(c.closeAt),
      c.participants,
    ]),
  ))
    io.out(l);
};

const status = async (api: Target, cycleId: string | undefined, json: boolean, io: Io) => {
  if (!cycleId) throw new UsageError('status needs a CYCLE_ID');
  const res = await call(api, 'GET', `/cycles/${encodeURIComponent(cycleId)}`);
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (json) return io.out(JSON.stringify(res.json));
  const {
    cycle,
    reviews,
    phases,
    overdue,
    bounced = [],
    failures = [],
    plans,
  } = res.json as unknown as StatusBody;
  io.out(`${cycle.name} · ${cycle.status} · closes ${cycle.closeAt}`);
  io.out(
    `reviews: ${reviews.participants} · ${reviews.completed} completed · ${reviews.inProgress} in progress · ${reviews.incomplete} incomplete · ${reviews.scheduled} not started · ${reviews.cancelled} cancelled`,
  );
  const { items } = plans;
  io.out(
    plans.total === 0
      ? 'development plans from these reviews: none'
      : `development plans from these reviews: ${plans.total} · ${plans.draft} draft · ${plans.active} active · ${plans.closed} closed · ${plans.cancelled} cancelled · items ${items.done} of ${items.total} done · ${items.open} open · ${items.blocked} blocked · ${items.overdue} overdue · ${items.missed} missed · ${items.dropped} dropped`,
  );
  io.out('');
  for (const l of table(
    ['phase', 'not sent', 'open', 'submitted', 'closed'],
    Object.entries(phases).map(([k, v]) => [k, v.pending, v.open, v.submitted, v.expired]),
  ))
    io.out(l);
  io.out('');
  if (bounced.length > 0) {
    io.out(`address bounced (${bounced.length}), pass on with POST /requests/{requestId}/reassign:`);
    for (const l of table(
      ['request', 'phase', 'about', 'reviewer'],
      bounced.map((b) => [b.requestId, b.kind, b.subjectId, b.recipientId]),
    ))
      io.out(l);
    io.out('');
  }
  showFailures(failures, io);
  if (overdue.length === 0) return io.out('nothing overdue');
  io.out(`overdue (${overdue.length}):`);
  for (const l of table(
    ['phase', 'about', 'waiting on', 'due', 'days late'],
    overdue.map((o) => [o.kind, o.subjectId, o.recipientId, minute(o.dueAt), o.daysOverdue]),
  ))
    io.out(l);
};

const extend = async (
  api: Target,
  cycleId: string | undefined,
  flags: { days?: string; employee?: string; phase?: string; json: boolean },
  io: Io,
) => {
  if (!cycleId) throw new UsageError('extend needs a CYCLE_ID');
  const days = Number(flags.days);
  if (!flags.days || !Number.isInteger(days)) throw new UsageError('extend needs --days N (a whole number)');
  const body = {
    days,
    ...(flags.employee ? { employeeId: flags.employee } : {}),
    ...(flags.phase ? { phase: flags.phase } : {}),
  };
  const res = await call(api, 'POST', `/cycles/${encodeURIComponent(cycleId)}/extend`, body);
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (flags.json) io.out(JSON.stringify(res.json));
  else
    io.out(
      `extended ${String(res.json.extended)} open request(s) by ${days} day(s)${flags.employee ? ` for ${flags.employee}` : ''}`,
    );
};

const cancel = async (
  api: Target,
  cycleId: string | undefined,
  reason: string | undefined,
  json: boolean,
  io: Io,
) => {
  if (!cycleId) throw new UsageError('cancel needs a CYCLE_ID');
  if (!reason) throw new UsageError('cancel needs --reason TEXT');
  const res = await withSpinner(
    io,
    'stopping the cycle’s workflows',
    call(api, 'POST', `/cycles/${encodeURIComponent(cycleId)}/cancel`, { reason }),
  );
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (json) io.out(JSON.stringify(res.json));
  else io.out(`cancelled; ${String(res.json.reviews)} review workflow(s) stopped, no further emails`);
};

const reassign = async (
  api: Target,
  requestId: string | undefined,
  flags: { to: string | undefined; reason: string | undefined; json: boolean },
  io: Io,
) => {
  if (!requestId) throw new UsageError('reassign needs a REQUEST_ID');
  if (!flags.to) throw new UsageError('reassign needs --to EMPLOYEE_ID');
  if (!flags.reason) throw new UsageError('reassign needs --reason TEXT');
  const res = await call(api, 'POST', `/requests/${encodeURIComponent(requestId)}/reassign`, {
    recipientId: flags.to,
    reason: flags.reason,
  });
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (flags.json) io.out(JSON.stringify(res.json));
  else if (res.json.unchanged) io.out(`already with ${flags.to}; nothing changed`);
  else io.out(`passed to ${flags.to}; they are asked now, and the previous link no longer works`);
};

/*
 * What the plan commands read of the API's answers: only the fields they print, checked, so that an
 * answer of another shape fails with its reason instead of printing "undefined".
 */
const ItemView = z.object({
  itemId: z.string(),
  kind: z.string(),
  title: z.string(),
  dueAt: z.string(),
  status: z.string(),
  overdue: z.boolean(),
  blockedReason: z.string().optional(),
});
const PlanView = z.object({
  planId: z.string(),
  ownerId: z.string(),
  // A mentor's view of a plan has neither: only the items they mentor.
  title: z.string().optional(),
  policyId: z.string().optional(),
  cycleId: z.string().optional(),
  status: z.string(),
  endReason: z.string().optional(),
  items: z.array(ItemView),
});
type PlanView = z.infer<typeof PlanView>;
const Failure = z.object({
  workflow: z.string(),
  state: z.string(),
  error: z.string(),
  at: z.string(),
  employeeId: z.string().optional(),
  itemId: z.string().optional(),
});
type Failed = z.infer<typeof Failure>;
const PlanAnswer = z.object({ plan: PlanView, failures: z.array(Failure).optional() });
/** What `POST /plans/draft` answers: the plan, its proposed items on its draft until both agree. */
const DraftedAnswer = z.object({
  planId: z.string(),
  alreadyDrafted: z.boolean().optional(),
  plan: PlanView.extend({
    draft: z
      .object({
        managerId: z.string(),
        items: z.array(
          z.object({
            key: z.string(),
            kind: z.string(),
            title: z.string(),
            dueAt: z.string(),
            competencyId: z.string().optional(),
          }),
        ),
      })
      .optional(),
  }),
});
type DraftView = NonNullable<z.infer<typeof DraftedAnswer>['plan']['draft']>;
const PlansAnswer = z.object({ plans: z.array(PlanView) });
const MentoredAnswer = z.object({
  items: z.array(ItemView.extend({ planId: z.string(), ownerId: z.string() })),
});

const readAnswer = <T>(schema: z.ZodType<T>, json: unknown): T => {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CommandError(
    `the API answered with something the CLI does not understand (${issue?.path.join('.') || 'the body'}: ${issue?.message ?? 'unexpected'})`,
  );
};

/** Long titles are cut so that a line stays a line; --json has them whole. */
const cut = (text: string, max = 48): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const doneOf = (items: Array<{ status: string }>): string =>
  `${items.filter((i) => i.status === 'done').length}/${items.length}`;
const overdueOf = (items: Array<{ overdue: boolean }>): number => items.filter((i) => i.overdue).length;

/** Steps that failed after their retries: HR was told by email; the execution name finds each in the console. */
const showFailures = (failures: Failed[], io: Io) => {
  if (failures.length === 0) return;
  io.out(`failed steps (${failures.length}), each counted off so the rest went on:`);
  for (const l of table(
    ['workflow', 'about', 'state', 'error', 'at (UTC)'],
    failures.map((f) => [f.workflow, f.employeeId ?? f.itemId ?? '', cut(f.state), f.error, minute(f.at)]),
  ))
    io.out(l);
  io.out('');
};

const showPlan = (plan: PlanView, io: Io, failures: Failed[] = []) => {
  io.out(
    [
      plan.title ?? 'the items you mentor',
      plan.status,
      `owner ${plan.ownerId}`,
      ...(plan.policyId ? [`policy ${plan.policyId}`] : []),
      ...(plan.cycleId ? [`from cycle ${plan.cycleId}`] : []),
    ].join(' · '),
  );
  io.out(`${doneOf(plan.items)} done · ${overdueOf(plan.items)} overdue`);
  if (plan.endReason) io.out(`ended: ${plan.endReason}`);
  io.out('');
  for (const l of table(
    ['item', 'kind', 'title', 'due (UTC)', 'status', 'overdue'],
    plan.items.map((i) => [
      i.itemId,
      i.kind,
      cut(i.title),
      minute(i.dueAt),
      i.status,
      i.overdue ? 'yes' : '',
    ]),
  ))
    io.out(l);
  const blocked = plan.items.filter((i) => i.status === 'blocked' && i.blockedReason);
  if (blocked.length) io.out('');
  for (const i of blocked) io.out(`${i.itemId} is blocked: ${i.blockedReason}`);
  if (failures.length) io.out('');
  showFailures(failures, io);
};

const planPath = (planId: string) => `/plans/${encodeURIComponent(planId)}`;

/** A draft's proposed items, one line each, and, while it is a draft, who is asked to agree to it. */
const showDraft = (plan: { ownerId: string; status: string }, draft: DraftView, io: Io) => {
  for (const l of table(
    ['item', 'kind', 'title', 'due (UTC)', 'competency'],
    draft.items.map((i) => [i.key, i.kind, cut(i.title), minute(i.dueAt), i.competencyId ?? '']),
  ))
    io.out(l);
  if (plan.status !== 'draft') return;
  const manager = draft.managerId === 'hr' ? 'HR (they have no manager)' : `their manager ${draft.managerId}`;
  io.out('');
  io.out(
    `next: ${plan.ownerId} and ${manager} each get an agreement form by email, to change the items and agree;`,
  );
  io.out(
    '  the plan starts once both agree to the same version, the due dates the draft proposed moved later by the days that took',
  );
};

/** `plan draft`: a plan drafted from a released review, or the one that review drafted already. */
const draftPlan = async (api: Target, cycleId: string, employeeId: string, json: boolean, io: Io) => {
  const res = await call(api, 'POST', '/plans/draft', { cycleId, employeeId });
  if (res.status !== 201 && res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (json) return io.out(JSON.stringify(res.json));
  const { planId, plan } = readAnswer(DraftedAnswer, res.json);
  if (res.status === 201) {
    io.out([`drafted plan ${planId}`, plan.title ?? '', plan.status, `owner ${plan.ownerId}`].join(' · '));
    io.out('');
  } else {
    // One plan per employee and cycle: asked again, the API drafts nothing and answers with that plan.
    io.out(
      `nothing drafted: ${employeeId} has a plan from cycle ${cycleId} already, ${planId} (${[plan.status, plan.endReason].filter(Boolean).join(': ')})`,
    );
    if (plan.status === 'cancelled')
      io.out('  a review drafts one plan; another is drafted by hand (POST /plans with draft: true)');
    io.out('');
  }
  // Proposed items live on the draft (a cancelled draft keeps them there); agreed, they are the plan's.
  if (plan.draft) return showDraft(plan, plan.draft, io);
  return showPlan(plan, io);
};

type PlanFlags = {
  owner?: string | undefined;
  team?: string | undefined;
  mentor?: string | undefined;
  overdue: boolean;
  reason?: string | undefined;
  employee?: string | undefined;
  json: boolean;
};

const listPlans = async (api: Target, flags: PlanFlags, io: Io) => {
  const filters = Object.entries({
    ownerId: flags.owner,
    team: flags.team,
    mentorId: flags.mentor,
    overdue: flags.overdue ? 'true' : undefined,
  }).filter((f): f is [string, string] => f[1] !== undefined);
  if (filters.length !== 1)
    throw new UsageError('plan list needs one of --owner ID, --team MANAGER_ID, --mentor ID or --overdue');
  const res = await call(api, 'GET', `/plans?${new URLSearchParams(filters).toString()}`);
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  if (flags.json) return io.out(JSON.stringify(res.json));
  if (flags.mentor) {
    const { items } = readAnswer(MentoredAnswer, res.json);
    if (items.length === 0) return io.out(`${flags.mentor} mentors no plan item`);
    for (const l of table(
      ['plan', 'item', 'owner', 'title', 'due (UTC)', 'status', 'overdue'],
      items.map((i) => [
        i.planId,
        i.itemId,
        i.ownerId,
        cut(i.title),
        minute(i.dueAt),
        i.status,
        i.overdue ? 'yes' : '',
      ]),
    ))
      io.out(l);
    return;
  }
  const { plans } = readAnswer(PlansAnswer, res.json);
  if (plans.length === 0) return io.out('no plans');
  for (const l of table(
    ['plan', 'owner', 'title', 'status', 'done', 'overdue'],
    plans.map((p) => [
      p.planId,
      p.ownerId,
      cut(p.title ?? ''),
      p.status,
      doneOf(p.items),
      overdueOf(p.items),
    ]),
  ))
    io.out(l);
};

/** `plan draft`, `show`, `list` and `cancel`: HR's view of development plans and their levers. */
const plan = async (api: Target, [sub, id, ...extra]: string[], flags: PlanFlags, io: Io) => {
  if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
  switch (sub) {
    case 'draft': {
      if (!id) throw new UsageError('plan draft needs a CYCLE_ID');
      if (!flags.employee) throw new UsageError('plan draft needs --employee EMPLOYEE_ID');
      return draftPlan(api, id, flags.employee, flags.json, io);
    }
    case 'show': {
      if (!id) throw new UsageError('plan show needs a PLAN_ID');
      const res = await call(api, 'GET', planPath(id));
      if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
      if (flags.json) return io.out(JSON.stringify(res.json));
      const answer = readAnswer(PlanAnswer, res.json);
      return showPlan(answer.plan, io, answer.failures);
    }
    case 'list':
      if (id) throw new UsageError(`unexpected "${id}"`);
      return listPlans(api, flags, io);
    case 'cancel': {
      if (!id) throw new UsageError('plan cancel needs a PLAN_ID');
      if (!flags.reason) throw new UsageError('plan cancel needs --reason TEXT');
      const res = await call(api, 'POST', `${planPath(id)}/cancel`, { reason: flags.reason });
      if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
      if (flags.json) return io.out(JSON.stringify(res.json));
      return io.out(`cancelled plan ${id}; its follow-up stops and no email goes out about it after`);
    }
    default:
      throw new UsageError(sub ? `unknown plan command "${sub}"` : 'plan needs draft, show, list or cancel');
  }
};

/**
 * `person export ID`: everything held about one person, for HR to hand over on request;
 * `person pseudonymise ID`: a leaver past the retention period, replaced by a pseudonym.
 */
const person = async (api: Target, [sub, id]: string[], out: string | undefined, io: Io) => {
  if (sub !== 'export' && sub !== 'pseudonymise')
    throw new UsageError(sub ? `unknown person command "${sub}"` : 'person needs export or pseudonymise');
  if (!id) throw new UsageError(`person ${sub} needs an EMPLOYEE_ID`);
  if (sub === 'pseudonymise') {
    const done = await call(api, 'POST', `/employees/${encodeURIComponent(id)}/pseudonymise`);
    if (done.status !== 200) throw new CommandError(problemLine(done.status, done.json));
    const { pseudonymisedAt, items } = done.json as { pseudonymisedAt: string; items: number };
    return io.out(`pseudonymised ${id} (${pseudonymisedAt}): ${items} items rewritten`);
  }
  const res = await call(api, 'GET', `/employees/${encodeURIComponent(id)}/export`);
  if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
  const text = `${JSON.stringify(res.json, null, 2)}\n`;
  if (!out) return io.out(text.trimEnd());
  writeFileSync(out, text, { mode: 0o600 });
  io.out(`wrote everything held about ${id} to ${out}`);
};

const exportResults = async (api: Target, cycleId: string | undefined, out: string | undefined, io: Io) => {
  if (!cycleId) throw new UsageError('export needs a CYCLE_ID');
  const res = await send(api, 'GET', `/cycles/${encodeURIComponent(cycleId)}/export`);
  const text = await res.text();
  if (res.status !== 200) {
    let detail = text;
    try {
      detail = String(
        (JSON.parse(text) as { detail?: string; message?: string }).detail ??
          (JSON.parse(text) as { message?: string }).message,
      );
    } catch {}
    throw new CommandError(`the API answered ${res.status}: ${detail}`);
  }
  if (!out) return io.out(text.replace(/\r\n$/, ''));
  writeFileSync(out, text);
  io.out(`wrote ${text.split('\r\n').length - 2} row(s) to ${out}`);
};

type FeedbackFlags = {
  to?: string | undefined;
  items?: string | undefined;
  question?: string | undefined;
  days?: string | undefined;
  about?: string | undefined;
  template?: string | undefined;
  anonymous: boolean;
  'manager-sees': boolean;
  key?: string | undefined;
  value?: string | undefined;
  message?: string | undefined;
  json: boolean;
};

/** `--to e09,Kim Partner<kim@example.org>`: employees by id, people outside by name and address. */
export const feedbackRecipients = (to: string) =>
  to
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const external = /^(.+?)\s*<([^>]+)>$/.exec(r);
      return external ? { name: external[1] as string, email: external[2] as string } : { employeeId: r };
    });

const FeedbackList = z.object({
  feedback: z.array(
    z.object({
      kind: z.string(),
      at: z.string(),
      from: z.object({ name: z.string() }).optional(),
      items: z.array(z.object({ name: z.string(), text: z.string() })),
    }),
  ),
});

/** `feedback ask`, `give` and `list`: feedback any time, as the caller their token names. */
const feedback = async (api: Target, [sub, id, ...extra]: string[], flags: FeedbackFlags, io: Io) => {
  if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
  const template = flags.template ?? 'annual-review';
  const post = async (route: string, body: unknown) => {
    const res = await call(api, 'POST', route, body, flags.key ? { 'idempotency-key': flags.key } : {});
    if (res.status !== 201) throw new CommandError(problemLine(res.status, res.json));
    return res.json;
  };
  switch (sub) {
    case 'ask': {
      if (id) throw new UsageError(`unexpected "${id}"`);
      if (!flags.to) throw new UsageError('feedback ask needs --to ID,...');
      if (!flags.items && !flags.question)
        throw new UsageError('feedback ask needs --items ID,... or --question TEXT');
      if (!flags.days) throw new UsageError('feedback ask needs --days N');
      const json = await post('/feedback/requests', {
        ...(flags.about ? { subjectId: flags.about } : {}),
        recipients: feedbackRecipients(flags.to),
        templateId: template,
        items: flags.items ? flags.items.split(',').map((i) => i.trim()) : [],
        ...(flags.question ? { question: flags.question } : {}),
        anonymous: flags.anonymous,
        managerSees: flags['manager-sees'],
        days: Number(flags.days),
      });
      if (flags.json) return io.out(JSON.stringify(json));
      const request = json.request as { askId: string; dueAt: string; requestIds: string[] };
      return io.out(
        `asked ${request.requestIds.length} people for feedback (request ${request.askId}), due ${minute(request.dueAt)} UTC`,
      );
    }
    case 'give': {
      if (!id) throw new UsageError('feedback give needs an EMPLOYEE_ID');
      if (!flags.value || !flags.message)
        throw new UsageError('feedback give needs --value ID and --message TEXT');
      const json = await post('/feedback/praise', {
        employeeId: id,
        templateId: template,
        itemId: flags.value,
        message: flags.message,
      });
      return io.out(flags.json ? JSON.stringify(json) : `praised ${id}; they read it in their next digest`);
    }
    case 'list': {
      if (!id) throw new UsageError('feedback list needs an EMPLOYEE_ID');
      const res = await call(api, 'GET', `/employees/${encodeURIComponent(id)}/feedback`);
      if (res.status !== 200) throw new CommandError(problemLine(res.status, res.json));
      if (flags.json) return io.out(JSON.stringify(res.json));
      const { feedback: entries } = readAnswer(FeedbackList, res.json);
      if (entries.length === 0) return io.out('no feedback you may read');
      for (const l of table(
        ['at (UTC)', 'kind', 'from', 'on', 'what'],
        entries.flatMap((e) =>
          e.items.map((i) => [minute(e.at), e.kind, e.from?.name ?? '(anonymous)', i.name, cut(i.text)]),
        ),
      ))
        io.out(l);
      return;
    }
    default:
      throw new UsageError(sub ? `unknown feedback command "${sub}"` : 'feedback needs ask, give or list');
  }
};

const LocalAws = z.object({ endpoint: z.string().url(), failedInvocationsQueueUrl: z.string().url() });

/**
 * The dead-letter queue's messages back to their functions (cli/redrive.ts). Against a local stack,
 * which says where its AWS endpoint and queue are, nothing needs setting; on AWS, the queue's URL and
 * the operator's own AWS credentials.
 */
const redriveFailed = async (
  api: Target,
  flags: { queueUrl: string | undefined; dryRun: boolean; json: boolean },
  io: Io,
  env: NodeJS.ProcessEnv,
) => {
  let queueUrl = flags.queueUrl ?? env.GROWCYCLE_FAILED_INVOCATIONS_QUEUE;
  let local: z.infer<typeof LocalAws> | undefined;
  if (!queueUrl) {
    const res = await fetch(`${api.api}/_local/aws`).catch(() => undefined);
    const found = res?.ok ? LocalAws.safeParse(await res.json()) : undefined;
    if (!found?.success)
      throw new UsageError(
        'redrive needs --queue-url URL (the stack output FailedInvocationsQueueUrl) or $GROWCYCLE_FAILED_INVOCATIONS_QUEUE',
      );
    local = found.data;
    queueUrl = local.failedInvocationsQueueUrl;
  }
  const config = local
    ? {
        endpoint: local.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
  const sqs = new SQSClient(config);
  const lambda = new LambdaClient(config);
  const sfn = new SFNClient(config);
  try {
    const outcome = await redrive({
      sqs,
      lambda,
      sfn,
      queueUrl,
      dryRun: flags.dryRun,
      onMessage: (functionName, error) => {
        if (flags.json) return;
        const failed = error ? ` (it failed with ${error})` : '';
        io.out(
          functionName
            ? `${flags.dryRun ? 'would send again' : 'sent again'}: ${functionName}${failed}`
            : 'left in the queue: a message that is no function’s failure, undelivered event or cycle start',
        );
      },
    });
    // A dry run sends nothing: what it would send is what it found for each function.
    const found = Object.values(outcome.byFunction).reduce((a, b) => a + b, 0);
    if (flags.json) io.out(JSON.stringify(outcome));
    else if (flags.dryRun) io.out(`${found} to send again, ${outcome.left} left in the queue`);
    else io.out(`${outcome.redriven} sent again, ${outcome.left} left in the queue`);
    if (outcome.left > 0)
      throw new CommandError(`${outcome.left} message(s) could not be sent again; see the queue`);
  } finally {
    sqs.destroy();
    lambda.destroy();
    sfn.destroy();
  }
};

const OPTIONS = {
  api: { type: 'string' },
  json: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'skip-invalid': { type: 'boolean', default: false },
  preview: { type: 'boolean', default: false },
  map: { type: 'string' },
  'map-file': { type: 'string' },
  'date-order': { type: 'string' },
  name: { type: 'string' },
  participants: { type: 'string' },
  template: { type: 'string' },
  days: { type: 'string' },
  employee: { type: 'string' },
  phase: { type: 'string' },
  reason: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  start: { type: 'string' },
  'every-months': { type: 'string' },
  key: { type: 'string' },
  owner: { type: 'string' },
  team: { type: 'string' },
  mentor: { type: 'string' },
  overdue: { type: 'boolean', default: false },
  status: { type: 'string' },
  token: { type: 'string' },
  hr: { type: 'boolean', default: false },
  'queue-url': { type: 'string' },
  items: { type: 'string' },
  question: { type: 'string' },
  about: { type: 'string' },
  anonymous: { type: 'boolean', default: false },
  'manager-sees': { type: 'boolean', default: false },
  value: { type: 'string' },
  message: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Ids are base64url (22 characters, or a 36-character UUID) and may begin with "-", which the
 * argument parser would take for an option: a token shaped like an id that is no option and no
 * option's value is moved behind "--", where it stays a positional in its order, and an option's
 * value that begins with a dash is joined to its option. Anything else that starts with "-" and is
 * not an option is still refused as a usage error.
 */
const asPositionals = (argv: string[]): string[] => {
  const known = new Set(['-h', ...Object.keys(OPTIONS).map((name) => `--${name}`)]);
  const takesValue = new Set(
    Object.entries(OPTIONS)
      .filter(([, o]) => o.type === 'string')
      .map(([name]) => `--${name}`),
  );
  const kept: string[] = [];
  const moved: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return [...kept, ...argv.slice(i), ...moved];
    const dashedId = /^-[A-Za-z0-9_-]{19,}$/.test(token) && !known.has(token);
    const isValue = i > 0 && takesValue.has(argv[i - 1] as string);
    if (dashedId && !isValue) moved.push(token);
    // An option's value that begins with a dash is joined to its option, which the parser accepts.
    else if (isValue && token.startsWith('-')) kept.push(`${kept.pop() as string}=${token}`);
    else kept.push(token);
  }
  return moved.length ? [...kept, '--', ...moved] : kept;
};

/** The command line's options and positionals (command, then its argument). */
export const parseCommandLine = (argv: string[]) =>
  parseArgs({ args: asPositionals(argv), allowPositionals: true, options: OPTIONS });

/** Runs one command line; returns the process exit code. */
export const run = async (argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  try {
    const { values, positionals } = parseCommandLine(argv);
    const [command, arg] = positionals;
    if (values.help || !command) {
      io.out(USAGE);
      return values.help ? 0 : 2;
    }
    const apiUrl = (values.api ?? env.GROWCYCLE_API ?? 'http://localhost:4000').replace(/\/$/, '');
    const given = values.token ?? env.GROWCYCLE_TOKEN;
    const signIn = command === 'login' || command === 'logout';
    const api: Target = {
      api: apiUrl,
      token: given ?? (signIn ? undefined : await storedToken(apiUrl, env)),
      recover: () => localHrToken(apiUrl),
    };
    switch (command) {
      case 'login':
        await login(apiUrl, env, io.err, io.isTty).catch((error: unknown) => {
          throw new CommandError(`sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
        });
        io.out(`signed in to ${apiUrl}`);
        return 0;
      case 'logout':
        io.out(logout(apiUrl, env) ? `signed out of ${apiUrl}` : `not signed in to ${apiUrl}`);
        return 0;
      case 'import-org':
        if (!arg) throw new UsageError('import-org needs a FILE');
        await importOrg(
          api,
          arg,
          {
            full: values.full,
            dryRun: values['dry-run'],
            skipInvalid: values['skip-invalid'],
            json: values.json,
            preview: values.preview,
            map: values.map,
            mapFile: values['map-file'],
            dateOrder: values['date-order'],
          },
          io,
        );
        return 0;
      case 'schedule-cycle':
        await scheduleCycle(api, { ...values }, io);
        return 0;
      case 'apply':
        if (!arg) throw new UsageError('apply needs a FILE');
        await apply(api, arg, values.json, io);
        return 0;
      case 'cycle':
        await cycle(api, positionals.slice(1), values, io);
        return 0;
      case 'status':
        await status(api, arg, values.json, io);
        return 0;
      case 'extend':
        await extend(
          api,
          arg,
          { days: values.days, employee: values.employee, phase: values.phase, json: values.json },
          io,
        );
        return 0;
      case 'cancel':
        await cancel(api, arg, values.reason, values.json, io);
        return 0;
      case 'reassign':
        await reassign(api, arg, { to: values.to, reason: values.reason, json: values.json }, io);
        return 0;
      case 'export':
        await exportResults(api, arg, values.out, io);
        return 0;
      case 'plan':
        await plan(api, positionals.slice(1), values, io);
        return 0;
      case 'person':
        await person(api, positionals.slice(1), values.out, io);
        return 0;
      case 'feedback':
        await feedback(api, positionals.slice(1), values, io);
        return 0;
      case 'redrive':
        if (arg) throw new UsageError(`unexpected "${arg}"`);
        await redriveFailed(
          api,
          { queueUrl: values['queue-url'], dryRun: values['dry-run'], json: values.json },
          io,
          env,
        );
        return 0;
      case 'dev-token': {
        if (!arg) throw new UsageError('dev-token needs an EMPLOYEE_ID');
        const res = await call(
          api,
          'POST',
          `/_local/token?employee=${encodeURIComponent(arg)}&hr=${values.hr}`,
        );
        if (res.status !== 200)
          throw new CommandError(`${api.api} has no development token issuer (only the local stack does)`);
        io.out(String(res.json.token));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof CommandError) {
      io.err(`growcycle: ${error.message}`);
      return 1;
    }
    if (
      error instanceof UsageError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`growcycle: ${error.message} (growcycle --help)`);
      return 2;
    }
    throw error;
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const io: Io = {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    isTty: Boolean(process.stderr.isTTY),
  };
  run(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`growcycle: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
