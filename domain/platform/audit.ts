import { now } from './clock';
import { newId } from './ids';
import { db, ignoreConditionFailure } from './table';

/** Records who changed what, and when. Details hold ids and counts, never personal data. */
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
