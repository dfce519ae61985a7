import { policyOf, selectParticipants, timingsOf } from '../catalog/documents';
import { type Catalog, loadCatalog } from '../catalog/store';
import { loadOrganisation, missingEmployees } from '../people/org';
import { recordAudit, recordAuditOnce } from '../platform/audit';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { cycleExecution, keyedId } from '../platform/ids';
import { logger } from '../platform/logger';
import { cycleScheduleName, scheduleStart } from '../platform/schedules';
import { type Cycle, db, type Employee, ignoreConditionFailure } from '../platform/table';
import { type CyclePolicy, type CycleTimings, DEFAULT_TIMINGS } from './policy';

/*
 * Scheduling a cycle: HR's request turned into a cycle (its template, participants, deadlines and
 * repeats), the cycle and its reviews written once, its execution started at its start date (now, or
 * from a one-time schedule) under the cycle's deterministic name.
 */

export type CycleRepeat = NonNullable<Cycle['repeat']>;

export type ScheduleCycleInput = {
  cycleId: string;
  name: string;
  startAt: Date;
  participantIds: string[];
  timings: CycleTimings;
  templateId?: string;
  policy?: CyclePolicy;
  repeat?: CycleRepeat;
  /** The template and framework as they are now, kept for the cycle's whole run. */
  catalog?: Catalog;
};

/** Writes the cycle and one scheduled review per participant. Re-running it changes nothing. */
export const scheduleCycle = async (input: ScheduleCycleInput, participants: Employee[]): Promise<Cycle> => {
  const { cycle, review } = db();
  const at = (days: number) => addDays(input.startAt, days).toISOString();
  const item: Cycle = {
    cycleId: input.cycleId,
    name: input.name,
    startAt: input.startAt.toISOString(),
    selfDueAt: at(input.timings.selfDays),
    peerDueAt: at(input.timings.peerDays),
    managerDueAt: at(input.timings.managerDays),
    closeAt: at(input.timings.closeDays),
    status: 'scheduled',
    participants: participants.length,
    openReviews: participants.length,
    createdAt: now().toISOString(),
    ...(input.templateId ? { templateId: input.templateId } : {}),
    ...(input.policy ? { policy: input.policy } : {}),
    ...(input.repeat ? { repeat: input.repeat } : {}),
  };
  // The catalog snapshot goes first: once the cycle row exists, a retry stops there.
  if (input.catalog) {
    await db()
      .cycleCatalog.create({ cycleId: input.cycleId, ...input.catalog, createdAt: item.createdAt })
      .go()
      .catch(ignoreConditionFailure);
  }
  // The cycle row is the idempotency guard: a retried schedule finds it and writes no review again,
  // so a review already under way is never reset.
  try {
    await cycle.create(item).go();
  } catch (error) {
    ignoreConditionFailure(error);
    const existing = (await cycle.get({ cycleId: input.cycleId }).go()).data;
    if (existing) return existing;
  }
  await review
    .put(
      participants.map((p) => ({
        cycleId: input.cycleId,
        employeeId: p.employeeId,
        managerId: p.managerId ?? 'hr',
        status: 'scheduled' as const,
      })),
    )
    .go();
  return item;
};

/** Anything due to start within a minute starts now; schedules have minute granularity anyway. */
const START_NOW_WINDOW_MS = 60_000;

/**
 * Starts the cycle's execution at its start date: now when that is (about) now, otherwise from a
 * one-time schedule. Either way under the cycle's deterministic execution name, so a retry starts
 * it once. Returns that name.
 */
export const startCycle = async (
  cycle: Pick<Cycle, 'cycleId' | 'startAt'>,
  stateMachineArn: string = config.cycleStateMachineArn,
): Promise<string> => {
  const name = cycleExecution(cycle.cycleId);
  const input = { cycleId: cycle.cycleId, startAt: cycle.startAt };
  if (Date.parse(cycle.startAt) <= now().getTime() + START_NOW_WINDOW_MS) {
    await startOnce(stateMachineArn, name, input);
  } else {
    await scheduleStart({
      name: cycleScheduleName(cycle.cycleId),
      at: new Date(cycle.startAt),
      stateMachineArn,
      executionName: name,
      input,
    });
  }
  return name;
};

/**
 * For the cycles the system schedules itself (a series' next cycle, a trigger's review): writes the
 * cycle, starts it, and records it in the audit trail once. A cycle an earlier run already took past
 * "scheduled" (started, or cancelled) is left as it is; false then.
 */
export const scheduleAndStartOnce = async (
  input: ScheduleCycleInput,
  participants: Employee[],
  audit: { actor: string; eventId: string; details: Record<string, unknown> },
  stateMachineArn?: string,
): Promise<boolean> => {
  const cycle = await scheduleCycle(input, participants);
  if (cycle.status !== 'scheduled') return false;
  // A repeat after a crash starts nothing twice: the execution's name is the cycle's.
  await startCycle(cycle, stateMachineArn);
  await recordAuditOnce(
    {
      entityKey: `cycle#${input.cycleId}`,
      at: cycle.createdAt,
      eventId: audit.eventId,
      actor: audit.actor,
      action: 'cycle.scheduled',
    },
    audit.details,
  );
  return true;
};

/** HR's request for a cycle: listed participants, or a template whose filters select them. */
export type CycleRequest = {
  name: string;
  /** Now when left out. */
  startAt?: Date | undefined;
  templateId?: string | undefined;
  participants?: string[] | undefined;
  /** Deadlines without a template; a template's phases set them otherwise. */
  timings?: CycleTimings | undefined;
  repeatEveryMonths?: number | undefined;
};

export type CreateOutcome =
  | { outcome: 'scheduled'; cycle: Cycle; executionName: string }
  | { outcome: 'no-template'; templateId: string }
  /** The template's filters select nobody. */
  | { outcome: 'nobody' }
  | { outcome: 'unknown-employees'; missing: string[] };

/**
 * Schedules a cycle HR asks for: the template it names (kept as it is today for the cycle's whole
 * run), the people listed or the ones its filters select on the start date, a series when it repeats,
 * recorded in the audit trail and started. A retried request with the same idempotency key schedules
 * the same cycle once.
 */
export const createCycle = async (
  request: CycleRequest,
  actor: string,
  idempotencyKey: string | undefined,
): Promise<CreateOutcome> => {
  const startAt = request.startAt ?? now();
  // The template and its framework as they are today: the cycle's forms keep asking what they say.
  const catalog = request.templateId ? await loadCatalog(request.templateId) : undefined;
  if (request.templateId && !catalog) return { outcome: 'no-template', templateId: request.templateId };
  const template = catalog?.template;
  const participantIds = request.participants
    ? [...new Set(request.participants)]
    : template
      ? selectParticipants(template, await loadOrganisation(), startAt).map((e) => e.employeeId)
      : [];
  if (participantIds.length === 0) return { outcome: 'nobody' };
  const { found, missing } = await missingEmployees(participantIds);
  if (missing.length) return { outcome: 'unknown-employees', missing };
  const cycleId = keyedId(idempotencyKey, 'cycle');
  const cycle = await scheduleCycle(
    {
      cycleId,
      name: request.name,
      startAt,
      participantIds,
      timings: template ? timingsOf(template) : (request.timings ?? DEFAULT_TIMINGS),
      ...(template ? { templateId: template.id, policy: policyOf(template) } : {}),
      ...(catalog ? { catalog } : {}),
      ...(request.repeatEveryMonths
        ? {
            repeat: {
              seriesId: cycleId,
              seriesName: request.name,
              everyMonths: request.repeatEveryMonths,
              number: 1,
              // Listed people are asked again next time; a template's filters pick afresh.
              participants: request.participants ? ('same-people' as const) : ('template-filters' as const),
            },
          }
        : {}),
    },
    found,
  );
  await recordAudit(`cycle#${cycleId}`, actor, 'cycle.scheduled', {
    participants: found.length,
    templateId: template?.id,
  });
  const name = await startCycle(cycle);
  logger.info('cycle scheduled', { cycleId, participants: found.length });
  return { outcome: 'scheduled', cycle, executionName: name };
};

/** One cycle by id, or undefined when there is none. */
export const cycleById = async (cycleId: string): Promise<Cycle | undefined> =>
  (await db().cycle.get({ cycleId }).go()).data ?? undefined;

export type CycleStatus = Cycle['status'];

/**
 * One page of cycles, latest start first, optionally of one status. Cycles are few, so a status
 * is a filter on the one index of them all rather than a key of its own; `cursor` is the previous
 * page's `next`.
 */
export const listCycles = async (
  options: { status?: CycleStatus | undefined; cursor?: string | undefined; limit?: number } = {},
): Promise<{ cycles: Cycle[]; next: string | undefined }> => {
  const { status, cursor, limit = 50 } = options;
  const query = db().cycle.query.all({});
  const page = await (status ? query.where((a, op) => op.eq(a.status, status)) : query).go({
    cursor: cursor ?? null,
    limit,
    order: 'desc',
  });
  return { cycles: page.data, next: page.cursor ?? undefined };
};

/** Marks the cycle running; the review executions are launched next, page by page. */
export const openCycle = async (cycleId: string): Promise<{ cycleId: string }> => {
  await db()
    .cycle.patch({ cycleId })
    .set({ status: 'running' })
    .where((a, op) => op.eq(a.status, 'scheduled'))
    .go()
    .catch(ignoreConditionFailure);
  return { cycleId };
};
