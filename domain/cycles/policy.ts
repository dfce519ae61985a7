import type { policyOf } from '../catalog/documents';
import { localDeadline, spreadWithinHour } from '../platform/calendar';
import { addDays, DAY_MS } from '../platform/clock';
import type { Cycle } from '../platform/table';

/*
 * A cycle's policy: its phase dates, the reminder and escalation ladder its requests follow, the
 * peer settings, and the send hour and quiet days that put every deadline in its recipient's own
 * calendar. A cycle made from a template takes it from the template (domain/catalog/documents.ts
 * policyOf); a cycle without one keeps the defaults here.
 */

/** Phase deadlines in days after the cycle start; a template's replace these defaults. */
export type CycleTimings = { selfDays: number; peerDays: number; managerDays: number; closeDays: number };

export const DEFAULT_TIMINGS: CycleTimings = { selfDays: 7, peerDays: 10, managerDays: 14, closeDays: 21 };

export const PEERS_PER_REVIEW = 3;

export const ANONYMITY_THRESHOLD = 3;

/**
 * The ladder a cycle's human steps follow, its peer settings, send hour, quiet days and the days of
 * the phases around the appraisal: what a template says (domain/catalog/documents.ts policyOf). A
 * cycle without a template has none and keeps the defaults above.
 */
export type CyclePolicy = ReturnType<typeof policyOf>;

/**
 * When the cycle's policy has a send hour, each request is due (and closes) at the end of the day
 * in its recipient's own zone and its emails go at the recipient's send hour; otherwise the cycle's
 * instants are used as they are.
 */
export const deadlineFor = (policy: CyclePolicy | undefined, timeZone: string, requestId: string) => {
  if (!policy) return { due: (at: string) => at, window: {} };
  const sendWindow = {
    timeZone,
    sendHour: policy.sendHour,
    quietDays: [...policy.quietDays],
    spreadSeconds: spreadWithinHour(requestId),
  };
  return { due: (at: string) => localDeadline(at, timeZone).toISOString(), window: { sendWindow } };
};

/**
 * The steps behind goal setting open only once the goals are settled, which can be later than the
 * template planned. In a cycle whose template has goal setting, each of them carries its phase's own
 * days (`phaseDays`), which it gets from its opening when it opens late (domain/platform/calendar.ts
 * lateOpeningDeadline). As planned, the self-assessment and the peer phase open on the goal-setting
 * due date, and the appraisal on the later of the self-assessment's and the peers' due dates.
 */
export const behindGoalSetting = (
  cycle: Pick<Cycle, 'startAt' | 'selfDueAt' | 'peerDueAt' | 'managerDueAt'>,
  policy: CyclePolicy | undefined,
) => {
  const goalDays = policy?.phases.goalSetting;
  if (goalDays === undefined) return undefined;
  const day = (at: string) => (Date.parse(at) - Date.parse(cycle.startAt)) / DAY_MS;
  const days = (n: number) => Math.max(0, n);
  return {
    opensAt: addDays(cycle.startAt, goalDays),
    self: days(day(cycle.selfDueAt) - goalDays),
    peerWindow: days(day(cycle.peerDueAt) - goalDays),
    manager: days(day(cycle.managerDueAt) - Math.max(day(cycle.selfDueAt), day(cycle.peerDueAt))),
  };
};
