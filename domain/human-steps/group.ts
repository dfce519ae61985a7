import { resumeTask } from '../platform/executions';
import { db, type HumanRequest, isConditionFailure } from '../platform/table';
import { resumeWait, storeToken } from '../platform/wait-tokens';
import type { StepKinds } from './kinds';
import { aboutRequest, type Outcome, openRequest, type StepState, wakeRequest } from './step';

/*
 * A group human step: several requests that one workflow waits for together (a review's peer
 * feedback), with one task token, so asking k people costs the same two state transitions as asking
 * one. Each member stays an ordinary request with its own email, link, reminders, due date and
 * expiry (./step.ts does all of that per member); the group only decides when the wait is over:
 * once every member is settled (submitted or expired).
 *
 * The token is stored once for the group (domain/platform/wait-tokens.ts) and the member ids on
 * every member (`groupIds`). Whoever settles a member last completes the wait, and both sides write
 * before they read: an answer moves its own request to submitted and then reads its siblings
 * strongly consistently; the arm stores the token and then reads all members strongly consistently.
 * Whatever the interleaving, at least one of them sees every member settled; when both do, the
 * second SendTaskSuccess finds the token used and is ignored (domain/platform/executions.ts). An
 * expiry happens in the check, which always waits again, so the arm that follows it completes the
 * wait.
 */

export type GroupState = { requestIds: string[]; outcome: Outcome; wakeInSeconds: number };

type Member = Pick<StepState, 'outcome' | 'wakeInSeconds'>;

const settledOutcome = (req: Pick<HumanRequest, 'status'>): Outcome =>
  req.status === 'submitted' ? 'submitted' : req.status === 'expired' ? 'expired' : 'waiting';

/**
 * The group's state from its members': waiting while any member waits, waking at the earliest of their
 * wake-ups; once all are settled, submitted if anyone answered. No members at all is settled at once.
 */
export const groupState = (requestIds: string[], members: Member[]): GroupState => {
  const waiting = members.filter((m) => m.outcome === 'waiting');
  if (waiting.length > 0)
    return {
      requestIds,
      outcome: 'waiting',
      wakeInSeconds: Math.min(...waiting.map((m) => m.wakeInSeconds)),
    };
  const outcome = members.some((m) => m.outcome === 'submitted') ? 'submitted' : 'expired';
  return { requestIds, outcome, wakeInSeconds: 1 };
};

/**
 * Runs one action per member and waits for all of them before failing with the first error, so no
 * email is still on its way when the step is retried (its outbox claim would answer EmailInFlight).
 */
const eachMember = async <T>(requestIds: string[], action: (requestId: string) => Promise<T>) => {
  const results = await Promise.allSettled(requestIds.map(action));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
};

const readMembers = async (requestIds: string[]) => {
  const members = await eachMember(requestIds, async (requestId) => {
    const found = (await db().request.get({ requestId }).go({ consistent: true })).data;
    if (!found) throw new Error(`Request ${requestId} not found`);
    return found;
  });
  // A group's members are about one person in one cycle (a review's peers); their ids differ.
  if (members[0]) aboutRequest(members[0], false);
  return members;
};

const stateOf = (requestIds: string[], members: Array<Pick<HumanRequest, 'status'>>) =>
  groupState(
    requestIds,
    members.map((m) => ({ outcome: settledOutcome(m), wakeInSeconds: 1 })),
  );

/** Opens every member (each sends its own email, once) and says when the group wakes next. Safe to retry. */
export const openGroup = async (kinds: StepKinds, requestIds: string[]): Promise<GroupState> =>
  groupState(requestIds, await eachMember(requestIds, (id) => openRequest(kinds, id)));

/** A wake-up: each member reminds, escalates or expires as its own ladder says. */
export const wakeGroup = async (kinds: StepKinds, requestIds: string[]): Promise<GroupState> =>
  groupState(requestIds, await eachMember(requestIds, (id) => wakeRequest(kinds, id)));

/** The group's wait, named after its first member (domain/platform/wait-tokens.ts). */
export const groupWaitId = (requestIds: string[]): string => `group#${[...requestIds].sort()[0] ?? ''}`;

/**
 * Parks the workflow on the group: the members learn their group once (`groupIds`, written only
 * where missing, since every write of a request costs its whole size), the token goes on a small
 * item of its own; all settled, it completes at once.
 */
export const armGroup = async (requestIds: string[], taskToken: string): Promise<void> => {
  const unaware = (await readMembers(requestIds)).filter(
    (m) => !m.groupIds && (m.status === 'open' || m.status === 'pending'),
  );
  await eachMember(
    unaware.map((m) => m.requestId),
    (requestId) =>
      db()
        .request.patch({ requestId })
        .set({ groupIds: requestIds })
        .where((a, op) => `(${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')})`)
        .go({ response: 'none' })
        .catch((error: unknown) => {
          // Settled meanwhile: the read below counts it.
          if (!isConditionFailure(error)) throw error;
        }),
  );
  await storeToken(groupWaitId(requestIds), taskToken);
  const state = stateOf(requestIds, await readMembers(requestIds));
  if (state.outcome !== 'waiting') await resumeTask(taskToken, state);
};

/**
 * After a member was answered (its own status already written): completes the group's wait if this
 * was the last member to settle. Called with the member as read after the answer's write.
 */
export const resumeGroupIfSettled = async (
  member: Pick<HumanRequest, 'requestId' | 'status' | 'groupIds'>,
): Promise<boolean> => {
  const requestIds = member.groupIds ?? [];
  const siblings = await readMembers(requestIds.filter((id) => id !== member.requestId));
  const state = stateOf(requestIds, [member, ...siblings]);
  if (state.outcome === 'waiting') return false;
  return resumeWait(groupWaitId(requestIds), state);
};
