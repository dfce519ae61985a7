import * as z from 'zod';
import type { CsvRecord } from './csv';

/*
 * HRIS exports as they come: which of an export's own columns carry which of our fields (given by
 * HR, or recognised from the header names Workday, BambooHR, Personio and HiBob write), and values
 * read the way those exports write them (statuses and their synonyms, yes/no flags, dates in the
 * common orders, time zones by city). What cannot be read is a problem naming its row, column and
 * value; nothing here guesses between two readings.
 */

/** Our import's columns, the fields an export's columns are mapped to. */
export const ORG_COLUMNS = [
  'employee_id',
  'name',
  'email',
  'manager_id',
  'job_title',
  'track',
  'level',
  'department',
  'location',
  'time_zone',
  'start_date',
  'status',
] as const;
export type OrgColumn = (typeof ORG_COLUMNS)[number];

/** Columns that only decide a status left blank: a leaving date that has passed, an active flag. */
export const STATUS_COLUMNS = ['termination_date', 'active'] as const;
export type ImportField = OrgColumn | (typeof STATUS_COLUMNS)[number];
export const IMPORT_FIELDS: readonly ImportField[] = [...ORG_COLUMNS, ...STATUS_COLUMNS];

/** A header or value with case, spaces, hyphens and underscores ignored. */
export const squash = (text: string): string =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

/**
 * The header names each field is recognised by, most specific first: when an export has two
 * (a "Preferred Name" and a "Legal Name"), the first listed is read and the other ignored.
 */
export const KNOWN_HEADERS: Record<ImportField, readonly string[]> = {
  employee_id: [
    'Employee ID',
    'Employee Number',
    'Employee No',
    'Employee Code',
    'Emp ID',
    'Worker ID',
    'Personnel Number',
    'Staff ID',
    'ID',
  ],
  name: ['Name', 'Preferred Name', 'Display Name', 'Full Name', 'Employee Name', 'Legal Name', 'Worker'],
  email: ['Email', 'Work Email', 'Email Address', 'Work Email Address', 'Business Email', 'Company Email'],
  manager_id: [
    'Manager ID',
    'Manager Employee ID',
    'Manager Employee Number',
    'Line Manager ID',
    'Supervisor ID',
    'Reports To ID',
    'Reports To',
    'Supervisor',
    'Manager',
  ],
  job_title: ['Job Title', 'Title', 'Business Title', 'Position', 'Position Title'],
  track: ['Track', 'Career Track', 'Job Family'],
  level: ['Level', 'Job Level', 'Grade', 'Job Grade', 'Career Level'],
  department: ['Department', 'Dept', 'Team', 'Supervisory Organization'],
  location: ['Location', 'Work Location', 'Office', 'Site'],
  time_zone: ['Time Zone', 'Timezone', 'Work Time Zone', 'TZ'],
  start_date: ['Start Date', 'Hire Date', 'Original Hire Date', 'Date of Joining', 'Joining Date'],
  status: ['Status', 'Employment Status', 'Employee Status', 'Worker Status'],
  termination_date: ['Termination Date', 'Term Date', 'End Date', 'Leaving Date', 'Exit Date', 'Last Day'],
  active: ['Active', 'Is Active'],
};

const RECOGNISED = new Map<string, { field: ImportField; rank: number }>(
  IMPORT_FIELDS.flatMap((field) =>
    [field, ...KNOWN_HEADERS[field]].map((h, rank) => [squash(h), { field, rank }] as const),
  ),
);

/** An explicit mapping: an export's header → one of our fields, or '' to leave the column out. */
export const ColumnMap = z.record(
  z.string().min(1).max(200),
  z
    .string()
    .max(64)
    .transform((target, ctx) => {
      if (target.trim() === '' || target.trim() === '-') return null;
      const field = IMPORT_FIELDS.find((f) => squash(f) === squash(target));
      if (field) return field;
      ctx.addIssue({
        code: 'custom',
        message: `unknown field "${target}" (expected one of ${IMPORT_FIELDS.join(', ')}, or empty to leave the column out)`,
      });
      return z.NEVER;
    }),
);
export type ColumnMap = z.output<typeof ColumnMap>;

export type ColumnUse = {
  header: string;
  field?: ImportField;
  how: 'given' | 'recognised' | 'ignored';
  note?: string;
};

export type Mapping = { columns: ColumnUse[]; headerOf: Partial<Record<ImportField, string>> };

/**
 * Maps an export's headers to our fields: an explicit mapping first (matched with case and
 * separators ignored), then the names each field is recognised by. A mapping that names a header
 * the export lacks, or two columns for one field, is refused as a whole.
 */
export const mapColumns = (
  headers: string[],
  given: ColumnMap = {},
): { ok: true; mapping: Mapping } | { ok: false; problems: string[] } => {
  const problems: string[] = [];
  const givenBySquash = new Map(Object.entries(given).map(([h, f]) => [squash(h), { header: h, field: f }]));
  for (const { header } of givenBySquash.values())
    if (!headers.some((h) => squash(h) === squash(header)))
      problems.push(`the mapping names a column "${header}" the export does not have`);

  const columns: ColumnUse[] = headers.map((header) => {
    const explicit = givenBySquash.get(squash(header));
    if (explicit)
      return explicit.field
        ? { header, field: explicit.field, how: 'given' }
        : { header, how: 'ignored', note: 'left out by the mapping' };
    const known = RECOGNISED.get(squash(header));
    return known ? { header, field: known.field, how: 'recognised' } : { header, how: 'ignored' };
  });

  const headerOf: Partial<Record<ImportField, string>> = {};
  for (const field of IMPORT_FIELDS) {
    const claiming = columns.filter((c) => c.field === field);
    const chosen = claiming.filter((c) => c.how === 'given');
    if (chosen.length > 1) {
      problems.push(
        `the mapping gives ${field} two columns: ${chosen.map((c) => `"${c.header}"`).join(', ')}`,
      );
      continue;
    }
    const rank = (c: ColumnUse) => RECOGNISED.get(squash(c.header))?.rank ?? 0;
    const winner = chosen[0] ?? [...claiming].sort((a, b) => rank(a) - rank(b))[0];
    if (!winner) continue;
    headerOf[field] = winner.header;
    for (const c of claiming)
      if (c !== winner) {
        delete c.field;
        c.how = 'ignored';
        c.note = `${field} is read from "${winner.header}"`;
      }
  }
  return problems.length ? { ok: false, problems } : { ok: true, mapping: { columns, headerOf } };
};

export type DateOrder = 'dmy' | 'mdy';
type Read = { ok: true; value: string } | { ok: false; reason: string };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthOf = (name: string): number | undefined => {
  const m = MONTHS.indexOf(name.toLowerCase().slice(0, 3));
  const full = new Date(Date.UTC(2000, m, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
  // "Mar", "March" and "Sept" name a month; "Marchx" does not.
  const ok = m >= 0 && (full.toLowerCase().startsWith(name.toLowerCase()) || name.toLowerCase() === 'sept');
  return ok ? m + 1 : undefined;
};

const isoDate = (y: number, m: number, d: number): string | undefined => {
  const date = new Date(Date.UTC(y, m - 1, d));
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return y >= 1900 && date.toISOString().slice(0, 10) === iso ? iso : undefined;
};

/**
 * A date as exports write it: ISO (a time after it is dropped), Y/M/D, D Mon Y, Mon D, Y, and
 * D/M/Y or M/D/Y when the numbers tell which (a day above 12) or `order` says.
 */
export const readDate = (text: string, order?: DateOrder): Read => {
  const v = text.trim();
  const bad = (why = 'not a date') => ({ ok: false as const, reason: `${why}: "${v}"` });
  const done = (y: number, m: number | undefined, d: number) => {
    const iso = m === undefined ? undefined : isoDate(y, m, d);
    return iso ? { ok: true as const, value: iso } : bad('no such date');
  };
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (m) return done(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/.exec(v);
  if (m) return done(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})$/.exec(v);
  if (m) return done(Number(m[3]), monthOf(m[2] as string), Number(m[1]));
  m = /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$/.exec(v);
  if (m) return done(Number(m[3]), monthOf(m[1] as string), Number(m[2]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  if (m) {
    const [a, b, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const reading = a > 12 ? 'dmy' : b > 12 ? 'mdy' : a === b ? 'dmy' : order;
    if (!reading) return bad('day/month or month/day? (give the date order: dmy or mdy)');
    return reading === 'dmy' ? done(y, b, a) : done(y, a, b);
  }
  return bad('not a date (expected YYYY-MM-DD, D/M/YYYY, M/D/YYYY or D Mon YYYY)');
};

/** Status synonyms, squashed, as the HRIS exports we know write them. */
const STATUSES: Record<string, 'active' | 'on-leave' | 'left'> = Object.fromEntries([
  ...['active', 'employed', 'current', 'working', 'regular', 'onboarding', 'hired'].map((s) => [s, 'active']),
  ...[
    'onleave',
    'leave',
    'loa',
    'leaveofabsence',
    'parentalleave',
    'maternityleave',
    'paternityleave',
    'sickleave',
    'sabbatical',
    'gardenleave',
    'furloughed',
    'suspended',
  ].map((s) => [s, 'on-leave']),
  ...[
    'left',
    'leaver',
    'terminated',
    'termed',
    'inactive',
    'withdrawn',
    'former',
    'exited',
    'departed',
    'resigned',
    'retired',
    'dismissed',
    'separated',
    'offboarded',
  ].map((s) => [s, 'left']),
]);

export const readStatus = (text: string): Read => {
  const status = STATUSES[squash(text)];
  return status
    ? { ok: true, value: status }
    : {
        ok: false,
        reason: `unknown status "${text.trim()}" (expected active, on-leave or left, or a synonym such as Employed, LOA, Terminated, Inactive)`,
      };
};

const YES = new Set(['true', 'yes', 'y', '1', 't', 'on']);
const NO = new Set(['false', 'no', 'n', '0', 'f', 'off']);

export const readBoolean = (text: string): { ok: true; value: boolean } | { ok: false; reason: string } => {
  const v = squash(text);
  if (YES.has(v)) return { ok: true, value: true };
  if (NO.has(v)) return { ok: true, value: false };
  return { ok: false, reason: `not yes or no: "${text.trim()}"` };
};

const resolvedZone = (name: string): string | undefined => {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
};

const ZONES = Intl.supportedValuesOf('timeZone');
const REGIONS = [...new Set(ZONES.map((z) => z.split('/').slice(0, -1).join('/')).filter(Boolean))];
const ZONE_BY_SQUASH = new Map(ZONES.map((z) => [squash(z), z]));
const UTC_FORMS = /^(?:utc|gmt|z|zulu|(?:utc|gmt)?[+-]?0{1,2}(?::?00)?)$/;

/**
 * A time zone as exports write it: an IANA name in any case, with spaces for underscores; a city
 * that names one zone ("Oslo", "New York"); UTC or a zero offset. Any other offset names no single
 * zone, so it is refused.
 */
export const readTimeZone = (text: string): Read => {
  const v = text.trim();
  // An export repeats a handful of zones over thousands of rows; each costs Intl look-ups.
  let read = ZONES_READ.get(v);
  if (!read) {
    read = readZone(v);
    if (ZONES_READ.size < 10_000) ZONES_READ.set(v, read);
  }
  return read;
};

const ZONES_READ = new Map<string, Read>();

const readZone = (v: string): Read => {
  const exact = resolvedZone(v);
  if (exact) {
    if (exact.toLowerCase() === v.toLowerCase()) return { ok: true, value: exact };
    // An alias written with its capitals (Asia/Kolkata) is kept as HR knows it; else the zone it names.
    return { ok: true, value: v === v.toLowerCase() ? exact : v };
  }
  const s = v.toLowerCase().replace(/\s+/g, '');
  if (UTC_FORMS.test(s)) return { ok: true, value: 'UTC' };
  const byName = ZONE_BY_SQUASH.get(squash(v));
  if (byName) return { ok: true, value: byName };
  const city = v.replace(/\s+/g, '_');
  if (/^[A-Za-z][A-Za-z_'.-]*$/.test(city)) {
    const found = new Set(
      REGIONS.map((r) => resolvedZone(`${r}/${city}`)).filter((z): z is string => z !== undefined),
    );
    for (const z of ZONES) if (squash(z.split('/').at(-1) ?? '') === squash(v)) found.add(z);
    if (found.size === 1) return { ok: true, value: [...found][0] as string };
    if (found.size > 1)
      return { ok: false, reason: `"${v}" names more than one time zone (${[...found].join(', ')})` };
  }
  return {
    ok: false,
    reason: /[+-]\d/.test(v)
      ? `the offset "${v}" names no single time zone (give an IANA zone such as Europe/Oslo)`
      : `unknown time zone "${v}"`,
  };
};

/** A level as exports write it: "5", "L5", "Level 5", "Grade 5". */
const readLevel = (text: string): string => {
  const m = /^(?:level|lvl|l|grade|g)?[\s_-]*(\d{1,2})$/i.exec(text.trim());
  return m ? String(Number(m[1])) : text;
};

export type ValueProblem = { field: ImportField; column: string; value: string; reason: string };

/**
 * One row of an export, mapped to our columns with its values read: blank fields are left out,
 * and a status left blank comes from an active flag or a leaving date on or before `today`.
 */
export const readRow = (
  cells: Record<string, string>,
  mapping: Mapping,
  options: { dateOrder?: DateOrder | undefined; today: string },
): { values: Partial<Record<OrgColumn, string>>; problems: ValueProblem[] } => {
  const values: Partial<Record<OrgColumn, string>> = {};
  const problems: ValueProblem[] = [];
  const cell = (field: ImportField) => {
    const header = mapping.headerOf[field];
    return header === undefined ? '' : (cells[header] ?? '');
  };
  const read = (field: ImportField, reader: (v: string) => Read) => {
    const raw = cell(field);
    if (raw.trim() === '') return undefined;
    const r = reader(raw);
    if (r.ok) return r.value;
    problems.push({ field, column: mapping.headerOf[field] as string, value: raw, reason: r.reason });
    return undefined;
  };
  for (const field of ORG_COLUMNS) {
    const raw = cell(field);
    if (raw !== '') values[field] = raw;
  }
  const start = read('start_date', (v) => readDate(v, options.dateOrder));
  if (start) values.start_date = start;
  else delete values.start_date;
  const zone = read('time_zone', readTimeZone);
  if (zone) values.time_zone = zone;
  if (values.level !== undefined) values.level = readLevel(values.level);

  const status = read('status', readStatus);
  const leaving = read('termination_date', (v) => readDate(v, options.dateOrder));
  const active = read('active', (v) => {
    const b = readBoolean(v);
    return b.ok ? { ok: true, value: b.value ? 'active' : 'left' } : b;
  });
  if (status) values.status = status;
  else if (cell('status').trim() === '') {
    delete values.status;
    if (active) values.status = active;
    else if (leaving && leaving <= options.today) values.status = 'left';
  }
  return { values, problems };
};

/** An export's header and rows, from CSV records or from JSON objects. */
export const exportOfCsv = (records: CsvRecord[]): { headers: string[]; rows: ExportRow[] } => {
  const [header, ...rest] = records;
  const headers = (header?.fields ?? []).map((h) => h.trim());
  return {
    headers,
    rows: rest.map((r) => ({
      row: r.line,
      cells: Object.fromEntries(headers.map((h, i) => [h, r.fields[i] ?? ''])),
    })),
  };
};

export type ExportRow = { row: number; cells: Record<string, string> };

export const exportOfObjects = (
  objects: Array<Record<string, string | number | boolean | null>>,
): { headers: string[]; rows: ExportRow[] } => ({
  headers: [...new Set(objects.flatMap((o) => Object.keys(o)))],
  rows: objects.map((o, i) => ({
    // JSON rows are numbered from 1, as a person counts them.
    row: i + 1,
    cells: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? '' : String(v)])),
  })),
});
