import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import {
  type Aspiration,
  db,
  isConditionFailure,
  nextRevision,
  revisionOf,
  stillAtRevision,
} from '../platform/table';
import { accessTo, canRead, maySetAspiration, type Principal } from './access';
import { employeeById } from './org';

/*
 * An employee's career aspiration: the level they work towards next, on their own track or another
 * one, with a note in their own words. The employee, their direct manager or HR set it; whoever may
 * read the employee reads it. Its track and level are those of a framework's expectations, but no
 * framework is checked here: the one that counts is the framework of the review a plan is drafted
 * from, and a target that framework sets no expectation for gives no next-level gaps there.
 */

/**
 * What the caller gives; who and when are the aspiration's own. `revision` is the one the caller
 * read, when it read one: a save from an older one is refused.
 */
export type AspirationInput = Pick<Aspiration, 'track' | 'level' | 'note'> & {
  revision?: number | undefined;
};

/** An employee's aspiration, or undefined when none was recorded. */
export const aspirationOf = async (employeeId: string): Promise<Aspiration | undefined> =>
  (await db().aspiration.get({ employeeId }).go()).data ?? undefined;

export type AspirationLookup =
  | { outcome: 'found'; aspiration: Aspiration }
  | { outcome: 'none' }
  | { outcome: 'forbidden' };

/** An employee's aspiration, if the caller may read that employee. */
export const aspirationFor = async (employeeId: string, caller: Principal): Promise<AspirationLookup> => {
  if (!canRead(await accessTo(caller, employeeId))) return { outcome: 'forbidden' };
  const aspiration = await aspirationOf(employeeId);
  return aspiration ? { outcome: 'found', aspiration } : { outcome: 'none' };
};

export type AspirationOutcome =
  | { outcome: 'saved'; aspiration: Aspiration }
  | { outcome: 'forbidden' }
  | { outcome: 'unknown-employee' }
  /** Another save came first (after the revision the caller read, or while this one ran). */
  | { outcome: 'stale'; aspiration: Aspiration | undefined };

/**
 * Records an employee's aspiration in place of the one before: a track or note left out is cleared.
 * Audited with who and when; the trail holds no part of the aspiration itself, which is personal.
 */
export const setAspiration = async (
  employeeId: string,
  input: AspirationInput,
  caller: Principal,
): Promise<AspirationOutcome> => {
  if (!maySetAspiration(await accessTo(caller, employeeId))) return { outcome: 'forbidden' };
  if (!(await employeeById(employeeId))) return { outcome: 'unknown-employee' };
  const { aspiration: stored } = db();
  const previous = (await stored.get({ employeeId }).go({ consistent: true })).data ?? undefined;
  const read = input.revision;
  if (read !== undefined && (!previous || read !== revisionOf(previous)))
    return { outcome: 'stale', aspiration: previous };
  const aspiration: Aspiration = {
    employeeId,
    ...(input.track ? { track: input.track } : {}),
    level: input.level,
    ...(input.note ? { note: input.note } : {}),
    updatedAt: now().toISOString(),
    updatedBy: caller.employeeId,
    revision: nextRevision(previous),
  };
  try {
    // Only over the one read (or none): two saves at once never both win, one undoing the other.
    if (!previous) await stored.create(aspiration).go();
    else
      await stored
        .put(aspiration)
        .where((a, op) => stillAtRevision(op, a.revision, previous))
        .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = (await stored.get({ employeeId }).go({ consistent: true })).data ?? undefined;
    return { outcome: 'stale', aspiration: current };
  }
  await recordAudit(`aspiration#${employeeId}`, caller.employeeId, 'aspiration.set');
  return { outcome: 'saved', aspiration };
};
