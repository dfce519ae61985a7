import { type Cycle, db, type Goal } from '../platform/table';

/*
 * Goals: measurable targets with a weight and a due date, progress recorded along the way, aligned
 * to a parent goal or a company goal. They live outside cycles; a review reads those live during it.
 */

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

/** Why a goal may not align to this parent, or undefined when it may. */
export const alignmentProblem = async (
  goalId: string,
  parentGoalId: string | undefined,
): Promise<string | undefined> => {
  if (!parentGoalId) return undefined;
  if (parentGoalId === goalId) return 'a goal cannot align to itself';
  const chain = await alignmentChain(parentGoalId);
  if (chain[0]?.goalId !== parentGoalId) return `no goal ${parentGoalId}`;
  if (chain.some((g) => g.goalId === goalId)) return 'that alignment would make a loop';
  return undefined;
};

/** Goals live outside cycles; a review reads the ones that were live during the cycle. */
export const liveGoals = async (
  employeeId: string,
  cycle: Pick<Cycle, 'startAt'> | undefined,
): Promise<Goal[]> =>
  (await db().goal.query.byOwner({ ownerId: employeeId }).go({ pages: 'all' })).data.filter(
    (g) =>
      g.status !== 'draft' && g.status !== 'dropped' && (!cycle || g.dueDate >= cycle.startAt.slice(0, 10)),
  );
