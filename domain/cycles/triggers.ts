import { policyOf, type Trigger, timingsOf } from '../catalog/documents';
import { loadCatalog } from '../catalog/store';
import { loadOrganisation } from '../people/org';
import { addLocalDays, localDay } from '../platform/calendar';
import { now } from '../platform/clock';
import { stableId } from '../platform/ids';
import { logger } from '../platform/logger';
import { db, type Employee } from '../platform/table';
import { scheduleAndStartOnce } from './schedule';

/*
 * Per-person reviews started by a date in someone's employment ("end of probation: 180 days after
 * the start date") instead of a cycle HR schedules. A daily run looks at every trigger and starts a
 * one-person cycle from the trigger's template for each active person whose day has come. The
 * cycle id is fixed per trigger and person, so a retried or repeated run starts each review once,
 * and the run looks back a week, so a day it missed is made up.
 */

/** Days the daily run looks back: a run missed by an outage shorter than this loses nobody. */
export const CATCH_UP_DAYS = 7;

export const triggeredCycleId = (triggerId: string, employeeId: string): string =>
  stableId('trigger', triggerId, employeeId);

/** Who a trigger selects on a run at `today` (a UTC calendar day): whose day fell in the last week. */
export const selectedBy = <E extends Pick<Employee, 'status' | 'managerId' | 'startDate'>>(
  trigger: Pick<Trigger, 'daysAfterStart'>,
  people: E[],
  today: string,
): E[] => {
  const earliest = addLocalDays(today, -(CATCH_UP_DAYS - 1));
  return people.filter((p) => {
    if (p.status !== 'active' || !p.managerId || !p.startDate) return false;
    const day = addLocalDays(p.startDate, trigger.daysAfterStart);
    return day >= earliest && day <= today;
  });
};

export type TriggerRun = {
  triggers: number;
  started: number;
  alreadyStarted: number;
  missingTemplates: string[];
};

/** The daily run: starts the reviews every trigger is due to start. Safe to repeat. */
export const startTriggeredReviews = async (at: Date = now()): Promise<TriggerRun> => {
  const run: TriggerRun = { triggers: 0, started: 0, alreadyStarted: 0, missingTemplates: [] };
  const triggers = (await db().trigger.query.all({}).go({ pages: 'all' })).data;
  run.triggers = triggers.length;
  if (triggers.length === 0) return run;
  const people = await loadOrganisation();
  const today = localDay(at, 'UTC');
  for (const stored of triggers) {
    const trigger = stored.doc as Trigger;
    const catalog = await loadCatalog(trigger.templateId);
    const template = catalog?.template;
    if (!catalog || !template) {
      run.missingTemplates.push(trigger.templateId);
      continue;
    }
    for (const person of selectedBy(trigger, people, today)) {
      const cycleId = triggeredCycleId(trigger.id, person.employeeId);
      // Already past "scheduled": an earlier run started it (or HR cancelled it).
      const started = await scheduleAndStartOnce(
        {
          cycleId,
          name: trigger.name,
          startAt: at,
          participantIds: [person.employeeId],
          timings: timingsOf(template),
          templateId: template.id,
          policy: policyOf(template),
          catalog,
        },
        [person],
        { actor: 'trigger', eventId: 'triggered', details: { triggerId: trigger.id, participants: 1 } },
      );
      if (started) run.started += 1;
      else run.alreadyStarted += 1;
    }
  }
  if (run.missingTemplates.length)
    logger.warn('triggers name missing templates', { templates: run.missingTemplates });
  return run;
};
