import { policyOf, selectParticipants, timingsOf } from '../catalog/documents';
import { loadCatalog } from '../catalog/store';
import { loadOrganisation } from '../people/org';
import { DAY_MS } from '../platform/clock';
import { stableId } from '../platform/ids';
import { type Cycle, db, type Employee } from '../platform/table';
import type { CycleTimings } from './policy';
import { scheduleAndStartOnce } from './schedule';

/*
 * Recurring cycles: a series ("every 6 months") goes on one cycle at a time. When a cycle of the
 * series opens, the next one is written and scheduled for its start date, with a deterministic id
 * (series + number), so a retried open schedules it once. Who takes part is decided again for each
 * cycle: by the template's filters on the organisation as it is then, or the same people, less
 * those who left. Cancelling the next cycle before it starts ends the series.
 */

/** The same day `months` later, or the month's last day when it is shorter (31 January + 1 = 28 February). */
export const addMonths = (at: Date, months: number): Date => {
  const target = new Date(at.getTime());
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
};

/** "Quarterly check-in (April 2027)". */
export const seriesCycleName = (seriesName: string, startAt: Date): string =>
  `${seriesName} (${new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(startAt)})`;

/** The phase deadlines of a cycle, as days after its start, so the next cycle repeats them. */
export const timingsOfCycle = (
  c: Pick<Cycle, 'startAt' | 'selfDueAt' | 'peerDueAt' | 'managerDueAt' | 'closeAt'>,
): CycleTimings => {
  const days = (iso: string) => Math.round((Date.parse(iso) - Date.parse(c.startAt)) / DAY_MS);
  return {
    selfDays: days(c.selfDueAt),
    peerDays: days(c.peerDueAt),
    managerDays: days(c.managerDueAt),
    closeDays: days(c.closeAt),
  };
};

const sameActivePeople = async (cycleId: string): Promise<Employee[]> => {
  const reviews = (await db().review.query.byCycle({ cycleId }).go({ pages: 'all' })).data;
  const ids = new Set(reviews.filter((r) => r.status !== 'cancelled').map((r) => r.employeeId));
  return (await loadOrganisation()).filter((e) => ids.has(e.employeeId) && e.status === 'active');
};

/** Writes and schedules the next cycle of the series this cycle belongs to; returns its id. */
export const scheduleNextInSeries = async (
  cycleId: string,
  stateMachineArn: string,
): Promise<string | undefined> => {
  const current = (await db().cycle.get({ cycleId }).go()).data;
  const repeat = current?.repeat;
  if (!current || !repeat || current.status !== 'running') return undefined;
  const startAt = addMonths(new Date(current.startAt), repeat.everyMonths);
  // The next cycle takes the template as it is now (HR may have improved it since), as any newly
  // scheduled cycle would; a cycle without one repeats this one's timings.
  const catalog = current.templateId ? await loadCatalog(current.templateId) : undefined;
  const template = catalog?.template;
  let people: Employee[];
  if (repeat.participants === 'template-filters' && current.templateId) {
    people = template ? selectParticipants(template, await loadOrganisation(), startAt) : [];
  } else {
    people = await sameActivePeople(cycleId);
  }
  // Nobody left to review: the series ends here rather than scheduling an empty cycle.
  if (people.length === 0) return undefined;
  const nextId = stableId(repeat.seriesId, String(repeat.number + 1));
  await scheduleAndStartOnce(
    {
      cycleId: nextId,
      name: seriesCycleName(repeat.seriesName, startAt),
      startAt,
      participantIds: people.map((p) => p.employeeId),
      ...(catalog
        ? {
            timings: timingsOf(catalog.template),
            templateId: catalog.template.id,
            policy: policyOf(catalog.template),
            catalog,
          }
        : {
            timings: timingsOfCycle(current),
            ...(current.templateId ? { templateId: current.templateId } : {}),
            ...(current.policy ? { policy: current.policy } : {}),
          }),
      repeat: { ...repeat, number: repeat.number + 1 },
    },
    people,
    {
      actor: 'series',
      eventId: 'scheduled',
      details: { seriesId: repeat.seriesId, number: repeat.number + 1, participants: people.length },
    },
    stateMachineArn,
  );
  return nextId;
};
