import { db, type Goal } from './db';

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
