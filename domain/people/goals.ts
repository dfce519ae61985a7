import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import { keyedId } from '../platform/ids';
import { type Cycle, db, type Goal, isConditionFailure, revisionOf } from '../platform/table';
import { type Access, accessTo, canRead, managersAbove, maySetGoals, type Principal } from './access';
import { missingEmployees } from './org';

/*
 * Goals: measurable targets with a weight and a due date, progress recorded along the way, aligned
 * to a parent goal or a company goal. They live outside cycles; a review reads those live during it.
 * People set their own goals; their direct manager and HR may too. Company goals are HR's, and
 * everyone may read them.
 */

/** A goal as its creator gives it; its id, progress and times are the goal's own. */
export type NewGoal = Omit<Goal, 'goalId' | 'progress' | 'createdAt' | 'updatedAt' | 'revision'>;

export type GoalChange = Partial<Omit<NewGoal, 'ownerId'>>;

export { revisionOf };

export type ProgressUpdate = { value?: number | undefined; note?: string | undefined };

/** The goals a goal aligns up to, nearest first; stops at a loop so a bad chain cannot hang a call. */
export const alignmentChain = async (parentGoalId: string | undefined): Promise<Goal[]> => {
  const chain: Goal[] = [];
  for (let id = parentGoalId; id !== undefined && chain.length < 20; ) {
    const found = (await db().goal.get({ goalId: id }).go()).data;
    if (!found || chain.some((g) => g.goalId === found.goalId)) break;
    chain.push(found);
    id = found.parentGoalId;
  }
  return chain;
};

/**
 * Whether a goal of `ownerId` may show `other` as what it aligns to: a company goal, one of the
 * owner's own, one of their managers' up the line, or any goal the reader may read themselves.
 * Anything else is someone else's business, and naming its title would leak it.
 */
const visibleInLine = async (
  ownerId: string,
  other: Goal,
  reader: Principal,
  line: () => Promise<string[]> = () => managersAbove(ownerId),
): Promise<boolean> =>
  other.ownerId === 'company' ||
  other.ownerId === ownerId ||
  reader.hr ||
  (ownerId !== 'company' && (await line()).includes(other.ownerId)) ||
  canRead(await goalAccess(reader, other.ownerId));

/**
 * Why a goal of `ownerId` may not align to this parent, or undefined when it may. A parent the
 * caller may not align to reads as no goal at all, so trying ids tells nothing.
 */
export const alignmentProblem = async (
  goalId: string,
  ownerId: string,
  parentGoalId: string | undefined,
  caller: Principal,
): Promise<string | undefined> => {
  if (!parentGoalId) return undefined;
  if (parentGoalId === goalId) return 'a goal cannot align to itself';
  const chain = await alignmentChain(parentGoalId);
  const parent = chain[0];
  if (parent?.goalId !== parentGoalId || !(await visibleInLine(ownerId, parent, caller)))
    return `no goal ${parentGoalId}`;
  if (chain.some((g) => g.goalId === goalId)) return 'that alignment would make a loop';
  return undefined;
};

/** Goals live outside cycles; a review reads the ones that were live during the cycle. */
export const liveGoals = async (
  employeeId: string,
  cycle: Pick<Cycle, 'startAt'> | undefined,
): Promise<Goal[]> =>
  (await goalsOf(employeeId)).filter(
    (g) =>
      g.status !== 'draft' && g.status !== 'dropped' && (!cycle || g.dueDate >= cycle.startAt.slice(0, 10)),
  );

/** Every goal of an employee (or of the company), by due date. */
export const goalsOf = async (ownerId: string): Promise<Goal[]> =>
  (await db().goal.query.byOwner({ ownerId }).go({ pages: 'all' })).data;

/** How the caller relates to a goal's owner; for a company goal, everyone reads it and HR sets it. */
const goalAccess = async (caller: Principal, ownerId: string): Promise<Access> =>
  ownerId === 'company' ? (caller.hr ? 'hr' : 'reporting-line') : accessTo(caller, ownerId);

export type GoalLookup =
  | { outcome: 'found'; goal: Goal }
  | { outcome: 'not-found' }
  | { outcome: 'forbidden' };

/** A goal the caller may read (`read`) or change and record progress on (`act`). */
export const goalFor = async (
  goalId: string,
  caller: Principal,
  need: 'read' | 'act',
): Promise<GoalLookup> => {
  const goal = (await db().goal.get({ goalId }).go()).data;
  if (!goal) return { outcome: 'not-found' };
  const access = await goalAccess(caller, goal.ownerId);
  const allowed = need === 'read' ? canRead(access) : maySetGoals(access);
  return allowed ? { outcome: 'found', goal } : { outcome: 'forbidden' };
};

/** A goal with the goals it aligns up to, nearest first, as far as the reader may see them. */
export const goalWithAlignment = async (goal: Goal, reader: Principal) => {
  const alignedTo: Array<Pick<Goal, 'goalId' | 'title' | 'ownerId'>> = [];
  // The owner's line is read once for the whole chain, and only if a goal of the chain needs it.
  let above: Promise<string[]> | undefined;
  const line = () => {
    above ??= managersAbove(goal.ownerId);
    return above;
  };
  for (const g of await alignmentChain(goal.parentGoalId)) {
    if (!(await visibleInLine(goal.ownerId, g, reader, line))) break;
    alignedTo.push({ goalId: g.goalId, title: g.title, ownerId: g.ownerId });
  }
  return { goal, alignedTo };
};

export type GoalOutcome =
  | { outcome: 'saved'; goal: Goal }
  | { outcome: 'forbidden' }
  | { outcome: 'unknown-owner' }
  /** `reason` says why the goal may not align to its parent. */
  | { outcome: 'wrong-parent'; reason: string }
  /** The change was made from an older revision: another came first; `goal` is the goal as it is now. */
  | { outcome: 'stale'; goal: Goal };

/**
 * Sets a goal, for the caller themselves, someone they may set goals for, or (HR) the company. A
 * retried request with the same idempotency key sets the same goal.
 */
export const createGoal = async (
  input: NewGoal,
  caller: Principal,
  idempotencyKey: string | undefined,
): Promise<GoalOutcome> => {
  const { ownerId } = input;
  if (!maySetGoals(await goalAccess(caller, ownerId))) return { outcome: 'forbidden' };
  if (ownerId !== 'company' && (await missingEmployees([ownerId])).missing.length)
    return { outcome: 'unknown-owner' };
  const goalId = keyedId(idempotencyKey, 'goal', caller.employeeId);
  const wrongParent = await alignmentProblem(goalId, ownerId, input.parentGoalId, caller);
  if (wrongParent) return { outcome: 'wrong-parent', reason: wrongParent };
  const at = now().toISOString();
  const goal: Goal = { ...input, goalId, progress: [], createdAt: at, updatedAt: at, revision: 1 };
  try {
    // Only if absent: a retry with the same key must not reset a goal that has since progressed.
    await db().goal.create(goal).go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const stored = (await db().goal.get({ goalId }).go({ consistent: true })).data;
    if (stored) return { outcome: 'saved', goal: stored };
    throw error;
  }
  await recordAudit(`goal#${goalId}`, caller.employeeId, 'goal.created', { ownerId });
  return { outcome: 'saved', goal };
};

/**
 * Changes a goal's fields, made from the revision `fromRevision` its caller read; its alignment is
 * checked again. Refused as stale once another change came first, so two people editing one goal at
 * once never silently overwrite each other. Only the changed fields are written: progress recorded
 * meanwhile is kept.
 */
export const updateGoal = async (
  goal: Goal,
  change: GoalChange,
  fromRevision: number,
  caller: Principal,
): Promise<Extract<GoalOutcome, { outcome: 'saved' | 'wrong-parent' | 'stale' }>> => {
  const actor = caller.employeeId;
  if (fromRevision !== revisionOf(goal)) return { outcome: 'stale', goal };
  const wrongParent = await alignmentProblem(goal.goalId, goal.ownerId, change.parentGoalId, caller);
  if (wrongParent) return { outcome: 'wrong-parent', reason: wrongParent };
  let updated: Goal;
  try {
    const { data } = await db()
      .goal.patch({ goalId: goal.goalId })
      .set({ ...change, updatedAt: now().toISOString(), revision: fromRevision + 1 })
      .where((a, op) =>
        fromRevision === 1
          ? `(${op.eq(a.revision, 1)} OR ${op.notExists(a.revision)})`
          : op.eq(a.revision, fromRevision),
      )
      .go({ response: 'all_new' });
    updated = data as Goal;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = (await db().goal.get({ goalId: goal.goalId }).go({ consistent: true })).data;
    return { outcome: 'stale', goal: current ?? goal };
  }
  await recordAudit(`goal#${goal.goalId}`, actor, 'goal.updated', {
    fields: Object.keys(change),
    revision: updated.revision,
  });
  return { outcome: 'saved', goal: updated };
};

/** Records progress on a goal: a value, a note, or both, with who and when. */
export const recordProgress = async (goal: Goal, update: ProgressUpdate, actor: string) => {
  const entry = { at: now().toISOString(), by: actor, ...update };
  const { data } = await db()
    .goal.patch({ goalId: goal.goalId })
    .append({ progress: [entry] })
    .set({ updatedAt: entry.at })
    .go({ response: 'all_new' });
  await recordAudit(`goal#${goal.goalId}`, actor, 'goal.progress', {});
  return data;
};
