import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PlanPolicy } from '../catalog/documents';
import { missingEmployees } from '../people/org';
import { recordAudit } from '../platform/audit';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { db, isConditionFailure, type Plan, type PlanItem } from '../platform/table';
import { planWait, wakeWait } from '../platform/wait-tokens';
import { wakeAgreement } from './agreement';
import { retireRequest, startItem, withdrawItems } from './follow-up';
import { advanceWrites, isFollowed, lineOf, ownerRequest } from './items';
import { itemById, itemIdOf, itemsOf, type NewItem, newItemRecord, planById } from './plans';

/*
 * Changes to a running plan by HR or the owner's manager: a new due date, new words, a new mentor, an
 * item added or dropped, the plan cancelled. Each is written first and then the running workflow is
 * woken, so it honours the change at once; nothing more is emailed about a dropped item.
 */

export type ChangeRefusal =
  | { outcome: 'not-found' }
  | { outcome: 'not-active' }
  | { outcome: 'invalid'; field: string; message: string }
  /** Someone else changed it first: nothing written; the item as it is now, when there is one. */
  | { outcome: 'stale'; item?: PlanItem | undefined };

export type ItemChange = {
  dueAt?: Date | undefined;
  title?: string | undefined;
  definitionOfDone?: string | undefined;
  mentorId?: string | undefined;
  drop?: boolean | undefined;
};

/** The item's revision; an item written before items counted theirs is at its first. */
export const itemRevisionOf = (item: Pick<PlanItem, 'revision'>): number => item.revision ?? 1;

type Loaded = { outcome: 'ok'; plan: Plan & { policy: PlanPolicy }; item: PlanItem } | ChangeRefusal;

const load = async (planId: string, itemId: string): Promise<Loaded> => {
  const [plan, item] = await Promise.all([planById(planId), itemById(planId, itemId)]);
  if (!plan || !item) return { outcome: 'not-found' };
  if (plan.status !== 'active') return { outcome: 'not-active' };
  return { outcome: 'ok', plan, item };
};

/** What a write refused by its condition answers: the item as it is now. */
const staleItem = async (planId: string, itemId: string): Promise<ChangeRefusal> => ({
  outcome: 'stale',
  item: await itemById(planId, itemId),
});

/**
 * Changes one item, from the revision the caller read: once another change came first, nothing is
 * written (`stale`). A new due date starts the item's follow-up again from that date (a new request,
 * so its reminders and escalations count from it and the owner hears of the date); dropping it ends
 * its follow-up. Both apply only to an item still followed up.
 */
export const changeItem = async (
  planId: string,
  itemId: string,
  change: ItemChange,
  fromRevision: number,
  actor: string,
): Promise<{ outcome: 'changed'; item: PlanItem } | ChangeRefusal> => {
  const loaded = await load(planId, itemId);
  if (loaded.outcome !== 'ok') return loaded;
  const { plan, item } = loaded;
  if (fromRevision !== itemRevisionOf(item)) return { outcome: 'stale', item };
  if ((change.drop || change.dueAt) && !isFollowed(item))
    return {
      outcome: 'invalid',
      field: change.drop ? 'drop' : 'dueAt',
      message: `the item is already ${item.status}`,
    };
  if (change.mentorId) {
    if (change.mentorId === plan.ownerId || (await missingEmployees([change.mentorId])).missing.length)
      return { outcome: 'invalid', field: 'mentorId', message: `${change.mentorId} cannot mentor this plan` };
  }
  const at = now().toISOString();
  const words = {
    ...(change.title ? { title: change.title } : {}),
    ...(change.definitionOfDone ? { definitionOfDone: change.definitionOfDone } : {}),
    ...(change.mentorId ? { mentorId: change.mentorId } : {}),
  };
  // The words (and a drop) are written over the revision read, which this write moves on: of two
  // changes made from one revision, the second finds it gone and writes nothing.
  try {
    await db()
      .planItem.patch({ planId, itemId })
      .set({ ...words, ...(change.drop ? { status: 'dropped' as const } : {}) })
      .add({ revision: 1 })
      .append({
        history: [
          ...(Object.keys(words).length ? [{ at, by: actor, what: 'changed' }] : []),
          ...(change.drop ? [{ at, by: actor, what: 'dropped' }] : []),
        ],
      })
      .where((a, op) => {
        const read =
          fromRevision === 1
            ? `(${op.eq(a.revision, 1)} OR ${op.notExists(a.revision)})`
            : op.eq(a.revision, fromRevision);
        return change.drop
          ? `${read} AND (${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'blocked')})`
          : read;
      })
      .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return staleItem(planId, itemId);
  }
  const current = { ...item, ...words, revision: fromRevision + 1 };
  if (change.drop) {
    await retireRequest(item.requestId);
  } else if (change.dueAt) {
    const line = await lineOf(plan.ownerId);
    if (!line) return { outcome: 'not-found' };
    const dueAt = change.dueAt.toISOString();
    const next = ownerRequest(plan, { ...current, dueAt }, line, item.round + 1, at);
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: advanceWrites(
            current,
            next,
            { status: 'open', dueAt, agreedDueAt: dueAt, proposedDueAt: null },
            { at, by: actor, what: 'new date agreed', dueAt },
          ),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return staleItem(planId, itemId);
    }
    await retireRequest(item.requestId);
  }
  await recordAudit(`plan#${planId}`, actor, 'plan.item-changed', {
    itemId,
    fields: Object.keys(change).filter((k) => change[k as keyof ItemChange] !== undefined),
  });
  return { outcome: 'changed', item: (await itemById(planId, itemId)) ?? item };
};

/** Adds an item to a running plan and starts its follow-up. */
export const addItem = async (
  planId: string,
  input: NewItem,
  actor: string,
): Promise<{ outcome: 'added'; item: PlanItem } | ChangeRefusal> => {
  const plan = await planById(planId);
  if (!plan) return { outcome: 'not-found' };
  if (plan.status !== 'active') return { outcome: 'not-active' };
  if (
    input.mentorId &&
    (input.mentorId === plan.ownerId || (await missingEmployees([input.mentorId])).missing.length)
  )
    return { outcome: 'invalid', field: 'mentorId', message: `${input.mentorId} cannot mentor this plan` };
  const line = await lineOf(plan.ownerId);
  if (!line) return { outcome: 'not-found' };
  const at = now().toISOString();
  const { record, request } = newItemRecord(plan, input, itemIdOf(plan.itemCount + 1), line, actor, at);
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: db()
              .plan.patch({ planId })
              .add({ itemCount: 1, openItems: 1 })
              .where((a, op) => `${op.eq(a.status, 'active')} AND ${op.eq(a.itemCount, plan.itemCount)}`)
              .params(),
          },
          { Put: db().planItem.create(record).params() },
          { Put: db().request.create(request).params() },
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // Another item was added, or the plan ended, since it was read.
    return { outcome: 'stale' };
  }
  await startItem(record);
  await recordAudit(`plan#${planId}`, actor, 'plan.item-added', { itemId: record.itemId });
  return { outcome: 'added', item: record };
};

/**
 * HR cancels a plan, running or still a draft: nothing more is asked or sent about it, and its
 * workflow closes it.
 */
export const cancelPlan = async (
  planId: string,
  actor: string,
  reason: string,
): Promise<{ outcome: 'cancelled'; plan: Plan } | ChangeRefusal> => {
  const plan = await planById(planId);
  if (!plan) return { outcome: 'not-found' };
  try {
    await db()
      .plan.patch({ planId })
      .set({ status: 'cancelled', endReason: reason, closedAt: now().toISOString() })
      .where((a, op) => `${op.eq(a.status, 'active')} OR ${op.eq(a.status, 'draft')}`)
      .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { outcome: 'not-active' };
  }
  await recordAudit(`plan#${planId}`, actor, 'plan.cancelled', { reason });
  await withdrawItems(await itemsOf(planId));
  await wakeWait(planWait(planId), 'plan cancelled');
  if (plan.status === 'draft') await wakeAgreement(planId);
  return { outcome: 'cancelled', plan: (await planById(planId)) ?? plan };
};
