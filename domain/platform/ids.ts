import { createHash, randomBytes, randomUUID } from 'node:crypto';

/*
 * Ids: random ones, stable ones derived from their parts (so a retry makes the same one), Step
 * Functions execution names and external reviewers' recipient ids.
 */

/** A stable id derived from its parts: retrying the step that creates it creates the same id. */
export const stableId = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);

export const newId = (): string => randomUUID();

/** A request's link nonce (domain/mail/links.ts): 128 random bits. */
export const newLinkNonce = (): string => randomBytes(16).toString('base64url');

/**
 * The id of what a request creates: stable per idempotency key within its scope, so a retried request
 * creates the same thing again instead of a second one; a fresh id when the caller sent no key.
 */
export const keyedId = (idempotencyKey: string | undefined, ...scope: string[]): string =>
  idempotencyKey ? stableId(...scope, idempotencyKey) : newId();

/** Step Functions execution names allow 80 characters of [A-Za-z0-9-_]. */
export const executionName = (...parts: string[]): string => {
  const raw = parts.join('--').replace(/[^A-Za-z0-9_-]/g, '_');
  return raw.length <= 80 ? raw : `${raw.slice(0, 57)}-${stableId(raw)}`;
};

/*
 * Each workflow's execution name, one per thing it runs for: a retried start finds the execution
 * already there (ExecutionAlreadyExists) instead of starting a second, and a form's log lines name
 * the execution waiting on it.
 */
export const cycleExecution = (cycleId: string): string => executionName('cycle', cycleId);
export const reviewExecution = (cycleId: string, employeeId: string): string =>
  executionName(cycleId, employeeId);
export const planExecution = (planId: string): string => executionName('plan', planId);
export const planItemExecution = (planId: string, itemId: string): string =>
  executionName('item', planId, itemId);
export const feedbackExecution = (askId: string): string => executionName('feedback', askId);

/** An external reviewer's recipient id: stable per address, whatever its case, and no address in it. */
export const externalId = (email: string): string =>
  `ext-${stableId('external', email.trim().toLowerCase())}`;
export const isExternalId = (id: string): boolean => id.startsWith('ext-');
