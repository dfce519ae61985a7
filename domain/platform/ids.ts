import { createHash, randomUUID } from 'node:crypto';

/** A stable id derived from its parts: retrying the step that creates it creates the same id. */
export const stableId = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);

export const newId = (): string => randomUUID();

/** Step Functions execution names allow 80 characters of [A-Za-z0-9-_]. */
export const executionName = (...parts: string[]): string => {
  const raw = parts.join('--').replace(/[^A-Za-z0-9_-]/g, '_');
  return raw.length <= 80 ? raw : `${raw.slice(0, 57)}-${stableId(raw)}`;
};

/** An external reviewer's recipient id: stable per address, whatever its case, and no address in it. */
export const externalId = (email: string): string =>
  `ext-${stableId('external', email.trim().toLowerCase())}`;
export const isExternalId = (id: string): boolean => id.startsWith('ext-');
