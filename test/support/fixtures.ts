import { DEFAULT_PLAN_POLICY } from '../../domain/catalog/documents';
import { ORG_COLUMNS } from '../../domain/people/hris';
import type { Cycle, Employee, Goal, HumanRequest, Plan, PlanItem } from '../../domain/platform/table';

/*
 * The people tests run on: one employee with defaults that a test overrides where it matters to it,
 * a team written a line a person with what its people share said once, people as the HRIS
 * export the org import reads, Ada's goal and running development plan, and her self-assessment in
 * cycle H1.
 */

/** An active level-3 engineer in UTC called `Person <id>` at `<id>@example.com`, but for what `over` says. */
export const employee = (employeeId: string, over: Partial<Employee> = {}): Employee => ({
  employeeId,
  name: `Person ${employeeId}`,
  email: `${employeeId}@example.com`,
  title: 'Engineer',
  level: 3,
  timeZone: 'UTC',
  status: 'active',
  ...over,
});

/** One person of a team: who, and what sets them apart from the rest of it (name, manager, zone...). */
export type Member = Partial<Employee> & { employeeId: string };

/** A team, or a whole organisation: everyone shares `common` (title, level, time zone...) unless their line says otherwise. */
export const team = (common: Partial<Employee>, members: Member[]): Employee[] =>
  members.map(({ employeeId, ...own }) => employee(employeeId, { ...common, ...own }));

/**
 * The small organisation most workflow tests run on: the CEO, Mona Manager (`mgr`) reporting to them,
 * and Mona's reports, a line each. Everyone shares `common`.
 */
export const monasTeam = (common: Partial<Employee>, reports: Member[]): Employee[] =>
  team(common, [
    { employeeId: 'ceo', name: 'Chief Exec' },
    { employeeId: 'mgr', name: 'Mona Manager', managerId: 'ceo' },
    ...reports.map((report) => ({ managerId: 'mgr', ...report })),
  ]);

/** Mona's staff in the workflow tests: individual contributors at level 4, in Oslo. */
export const OSLO_STAFF: Partial<Employee> = {
  title: 'Staff',
  level: 4,
  track: 'individual contributor',
  timeZone: 'Europe/Oslo',
};

/** Ola, Kari and Per, Mona's staff in Oslo: the three reviewees of the cycle workflow tests. */
export const olaKariAndPer = (): Employee[] =>
  monasTeam(OSLO_STAFF, [
    { employeeId: 'ola', name: 'Ola Oslo' },
    { employeeId: 'kari', name: 'Kari Oslo' },
    { employeeId: 'per', name: 'Per Peer' },
  ]);

/** The body of a plan HR sets by hand (POST /plans): a practice item per title, each due at `dueAt`. */
export const practicePlan = (ownerId: string, titles: string[], dueAt: Date) => ({
  ownerId,
  title: `Plan for ${ownerId}`,
  items: titles.map((title) => ({
    kind: 'practice',
    title,
    dueAt: dueAt.toISOString(),
    definitionOfDone: 'Done once',
  })),
});

export type HrisColumn = (typeof ORG_COLUMNS)[number];

/**
 * A person as a row of the HRIS export: every column, blank where the person has no value. An
 * active person's status is blank too, as exports leave it, so the import's default is exercised.
 */
export const hrisRow = (person: Employee): Record<HrisColumn, string> => ({
  employee_id: person.employeeId,
  name: person.name,
  email: person.email,
  manager_id: person.managerId ?? '',
  job_title: person.title,
  track: person.track ?? '',
  level: String(person.level),
  department: person.department ?? '',
  location: person.location ?? '',
  time_zone: person.timeZone,
  start_date: person.startDate ?? '',
  status: person.status === 'active' ? '' : person.status,
});

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * People as the HRIS export's CSV file: the header row, then a row a person. `bom` and `lineEnd`
 * write it the way spreadsheet programs on Windows save it.
 */
export const hrisCsv = (
  people: Employee[],
  { bom = false, lineEnd = '\n' }: { bom?: boolean; lineEnd?: '\n' | '\r\n' } = {},
): string =>
  (bom ? '\uFEFF' : '') +
  [ORG_COLUMNS.join(','), ...people.map((p) => ORG_COLUMNS.map((c) => csvField(hrisRow(p)[c])).join(','))]
    .map((line) => `${line}${lineEnd}`)
    .join('');

/** Ada's goal `goal-1`, at its first revision, but for what `over` says. */
export const adasGoal = (over: Partial<Goal> = {}): Goal => ({
  goalId: 'goal-1',
  ownerId: 'ada',
  title: 'Cut p95 latency',
  measure: 'p95 under 200 ms',
  weight: 20,
  dueDate: '2027-06-30',
  status: 'active',
  progress: [],
  createdAt: '2027-01-01T09:00:00.000Z',
  updatedAt: '2027-01-01T09:00:00.000Z',
  revision: 1,
  ...over,
});

/** Ada's running development plan `plan-1`, of one item (adasItem), but for what `over` says. */
export const adasPlan = (over: Partial<Plan> = {}): Plan => ({
  planId: 'plan-1',
  ownerId: 'ada',
  title: 'Grow as a reviewer',
  status: 'active',
  origin: 'manual',
  policyId: 'development',
  policy: DEFAULT_PLAN_POLICY,
  openItems: 1,
  itemCount: 1,
  checkIns: 0,
  createdAt: '2027-01-01T09:00:00.000Z',
  createdBy: 'hr-1',
  ...over,
});

/** The open item `i1` of Ada's plan, at its first revision, but for what `over` says. */
export const adasItem = (over: Partial<PlanItem> = {}): PlanItem => ({
  planId: 'plan-1',
  itemId: 'i1',
  ownerId: 'ada',
  kind: 'practice',
  title: 'Review two designs',
  dueAt: '2027-06-30T17:00:00.000Z',
  agreedDueAt: '2027-06-30T17:00:00.000Z',
  newDates: 0,
  sessions: 0,
  sessionsHeld: 0,
  status: 'open',
  requestId: 'req-i1',
  round: 1,
  history: [],
  createdAt: '2027-01-01T09:00:00.000Z',
  revision: 1,
  ...over,
});

/** Cycle H1 of 2025, running, its phases a week apart, made without a template but for what `over` says. */
export const cycleH1 = (over: Partial<Cycle> = {}): Cycle => ({
  cycleId: 'cycle-h1',
  name: 'H1',
  startAt: '2025-03-07T09:00:00.000Z',
  selfDueAt: '2025-03-14T17:00:00.000Z',
  peerDueAt: '2025-03-17T17:00:00.000Z',
  managerDueAt: '2025-03-21T17:00:00.000Z',
  closeAt: '2025-03-28T17:00:00.000Z',
  status: 'running',
  participants: 1,
  openReviews: 1,
  createdAt: '2025-03-01T09:00:00.000Z',
  ...over,
});

/**
 * Ada's open self-assessment in cycle H1, due 14 March 2025 and closing on the 21st, escalated to her
 * manager Grace a day after, but for what `over` says.
 */
/** The link nonce of the requests these fixtures make; a request stored without one gets a random one. */
export const TEST_LINK_NONCE = 'bm9uY2Utb2YtdGhlLXRlc3';

export const adasSelfAssessment = (over: Partial<HumanRequest> = {}): HumanRequest => ({
  requestId: 'req-self-ada',
  linkNonce: TEST_LINK_NONCE,
  kind: 'self-assessment',
  recipientId: 'emp-ada',
  subjectId: 'emp-ada',
  cycleId: 'cycle-h1',
  dueAt: '2025-03-14T17:00:00.000Z',
  closeAt: '2025-03-21T17:00:00.000Z',
  reminderHoursBefore: [24],
  escalations: [{ afterHours: 24, toId: 'emp-grace', role: 'manager' }],
  status: 'open',
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: '2025-03-07T09:00:00.000Z',
  openedAt: '2025-03-07T09:00:00.000Z',
  ...over,
});
