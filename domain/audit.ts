import { now } from './clock';
import { db } from './db';
import { newId } from './ids';

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
