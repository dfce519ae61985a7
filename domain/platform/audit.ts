import { now } from './clock';
import { newId } from './ids';
import { db, ignoreConditionFailure } from './table';

/*
 * The audit trail: who changed what, and when, per entity ("org", "cycle#ID", "goal#ID"). Details
 * hold ids and counts, never personal data.
 */

/** Records who changed what, and when. */
export const recordAudit = async (
  entityKey: string,
  actor: string,
  action: string,
  details: Record<string, unknown> = {},
): Promise<void> => {
  await db()
    .audit.create({ entityKey, at: now().toISOString(), eventId: newId(), actor, action, details })
    .go();
};

/**
 * Records an event that a retried step may reach twice: its time and id are fixed by the caller,
 * and the write is conditional, so the trail holds it once.
 */
export const recordAuditOnce = async (
  event: { entityKey: string; at: string; eventId: string; actor: string; action: string },
  details: Record<string, unknown> = {},
): Promise<void> => {
  await db()
    .audit.create({ ...event, details })
    .go()
    .catch(ignoreConditionFailure);
};

/** One entity's trail, oldest first. */
export const auditTrail = async (entityKey: string) =>
  (await db().audit.query.byEntity({ entityKey }).go({ pages: 'all' })).data.map(
    ({ entityKey: _k, day: _d, ...event }) => event,
  );

/** One page of a UTC day's changes across the organisation, newest first. */
export const auditOfDay = async (day: string, options: { limit: number; cursor?: string | undefined }) => {
  const page = await db()
    .audit.query.byDay({ day })
    .go({ order: 'desc', limit: options.limit, cursor: options.cursor ?? null });
  return {
    events: page.data.map(({ day: _d, ...event }) => event),
    cursor: page.cursor ?? undefined,
  };
};
