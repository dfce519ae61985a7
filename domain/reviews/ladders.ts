import type { CyclePolicy } from '../cycles/policy';
import { addLocalDays, endOfLocalDay, localDay } from '../platform/calendar';
import type { HumanRequest } from '../platform/table';

/*
 * Who hears of a late step of a review and when its request closes: the employee's steps escalate to
 * the manager, the skip-level and HR; the manager's to the skip-level and HR.
 */

/** A later goal round, and an acknowledgment released late, get at least this many days. */
export const MIN_DAYS_TO_ANSWER = 2;

type Escalation = HumanRequest['escalations'][number];

type Ladders = { employee: Escalation[]; manager: Escalation[]; hrDays: number };

/** Who hears of a late step: the employee's steps go to the manager, the skip-level, HR; the manager's to the skip-level and HR. */
export const laddersFor = (policy: CyclePolicy, managerId: string, skipLevelId: string): Ladders => ({
  employee: [
    { afterHours: policy.escalationHours.manager, toId: managerId, role: 'their manager' },
    { afterHours: policy.escalationHours.skipLevel, toId: skipLevelId, role: 'skip-level manager' },
    { afterHours: policy.escalationHours.hr, toId: 'hr', role: 'HR' },
  ],
  manager: [
    { afterHours: policy.escalationHours.manager, toId: skipLevelId, role: 'skip-level manager' },
    { afterHours: policy.escalationHours.hr, toId: 'hr', role: 'HR' },
  ],
  hrDays: Math.round(policy.escalationHours.hr / 24),
});

/** A request closes once its whole escalation ladder had its chance: the day after HR heard. */
export const closeAfter = (dueAt: string, timeZone: string, hrDays: number) =>
  endOfLocalDay(addLocalDays(localDay(dueAt, timeZone), hrDays + 1), timeZone).toISOString();
