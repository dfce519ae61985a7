// Every reading of "now" goes through here. The local stack installs a simulated clock by faking
// Date globally, so a six-week cycle runs in seconds through the same code paths as on AWS.
export const now = (): Date => new Date(Date.now());

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const addHours = (date: Date | string, hours: number): Date =>
  new Date(new Date(date).getTime() + hours * HOUR_MS);

export const addDays = (date: Date | string, days: number): Date => addHours(date, days * 24);

/** Whole seconds from `from` until `to`, never below 1 (Step Functions rejects a zero timeout). */
export const secondsUntil = (to: Date | string, from: Date = now()): number =>
  Math.max(1, Math.ceil((new Date(to).getTime() - from.getTime()) / 1000));
