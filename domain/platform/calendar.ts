import { createHash } from 'node:crypto';
import { HOUR_MS } from './clock';

/*
 * Deadlines and email times as the person who must act lives them: a deadline is the end of a day
 * in their own time zone, and emails go out at the template's send hour on a day that is not quiet
 * for them. Plain Intl arithmetic (no date library): wall-clock times are turned into instants by
 * reading the zone's offset, twice, so a time next to a daylight-saving change lands right.
 */

export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When one person may be emailed: from `sendHour` (local) for an hour, on days not in `quietDays`
 * (weekday abbreviations as in WEEKDAYS; stored as plain strings).
 */
export type SendWindow = {
  timeZone: string;
  sendHour: number;
  quietDays: readonly string[];
  /**
   * Seconds into the send hour at which this request's scheduled emails go: a cycle's requests are
   * spread over the hour instead of all waking at :00 and queueing at the send rate.
   */
  spreadSeconds?: number;
};

/** A stable point in the send hour for one request, so its emails always go at the same minute. */
export const spreadWithinHour = (key: string): number =>
  createHash('sha256').update(key).digest().readUInt32BE(0) % 3600;

/** A calendar day, `YYYY-MM-DD`. */
export type LocalDay = string;

const formatters = new WeakMap<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>();

/**
 * One formatter per locale, options and time zone, kept for the container: building an
 * Intl.DateTimeFormat costs far more than formatting with it, and a form page or an email formats
 * dates on every request. `options` is a constant of the caller's, so its identity is the key.
 */
export const zonedFormat = (
  locale: string,
  options: Intl.DateTimeFormatOptions,
  timeZone: string,
): Intl.DateTimeFormat => {
  let byZone = formatters.get(options);
  if (!byZone) {
    byZone = new Map();
    formatters.set(options, byZone);
  }
  const key = `${locale}|${timeZone}`;
  let f = byZone.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    byZone.set(key, f);
  }
  return f;
};

const WALL_CLOCK: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};
const formatFor = (timeZone: string): Intl.DateTimeFormat => zonedFormat('en-US', WALL_CLOCK, timeZone);

const wallClock = (at: Date, timeZone: string) => {
  const p: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return {
    year: p.year ?? 0,
    month: p.month ?? 1,
    day: p.day ?? 1,
    hour: p.hour ?? 0,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
  };
};

/** How far the zone's wall clock is ahead of UTC at that instant, in milliseconds. */
const offsetAt = (at: Date, timeZone: string): number => {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
};

const parseDay = (day: LocalDay): [number, number, number] => {
  const [y, m, d] = day.split('-').map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
};

/** The instant at which the wall clock in `timeZone` reads `hour:minute:second` on `day`. */
export const zonedTime = (day: LocalDay, hour: number, minute: number, second: number, timeZone: string) => {
  const [y, m, d] = parseDay(day);
  const wall = Date.UTC(y, m - 1, d, hour, minute, second);
  const first = wall - offsetAt(new Date(wall), timeZone);
  return new Date(wall - offsetAt(new Date(first), timeZone));
};

/** The calendar day an instant falls on in a time zone. */
export const localDay = (at: Date | string, timeZone: string): LocalDay => {
  const w = wallClock(new Date(at), timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
};

export const addLocalDays = (day: LocalDay, days: number): LocalDay => {
  const [y, m, d] = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

export const weekdayOf = (day: LocalDay): Weekday => {
  const [y, m, d] = parseDay(day);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] as Weekday;
};

/** The last second of a day in a time zone: what "due on Friday" means to the person. */
export const endOfLocalDay = (day: LocalDay, timeZone: string): Date => zonedTime(day, 23, 59, 59, timeZone);

/** A deadline moved into a person's zone: the end of the day the instant falls on for them. */
export const localDeadline = (at: Date | string, timeZone: string): Date =>
  endOfLocalDay(localDay(at, timeZone), timeZone);

/** Whole calendar days from one local day to another (negative when `to` is earlier). */
const daysBetween = (from: LocalDay, to: LocalDay): number => {
  const [y1, m1, d1] = parseDay(from);
  const [y2, m2, d2] = parseDay(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000);
};

/**
 * A fair deadline for a request that opens late. A request planned to open `phaseDays` before its
 * due date (its phase's own duration in the template) but opened later than that, because the steps
 * before it took longer (a long goal-setting phase), gets its phase's days from `openedAt` (when its
 * first email can go out): due at the end of the local day `openedAt + phaseDays` falls on, in the
 * recipient's zone, and its close date moved by the same number of local days. Reminders and
 * escalations follow from the due date. Never earlier than the due date it has (HR's extensions stand).
 */
export const lateOpeningDeadline = (
  req: { dueAt: string; closeAt: string; phaseDays?: number | undefined },
  openedAt: Date,
  timeZone: string,
): { dueAt: string; closeAt: string } | undefined => {
  if (req.phaseDays === undefined) return undefined;
  const fair = localDeadline(new Date(openedAt.getTime() + req.phaseDays * 86_400_000), timeZone);
  if (fair.getTime() <= Date.parse(req.dueAt)) return undefined;
  const moved = daysBetween(localDay(req.dueAt, timeZone), localDay(fair, timeZone));
  const closeDay = addLocalDays(localDay(req.closeAt, timeZone), moved);
  return { dueAt: fair.toISOString(), closeAt: endOfLocalDay(closeDay, timeZone).toISOString() };
};

const isQuiet = (day: LocalDay, w: SendWindow) => w.quietDays.includes(weekdayOf(day));

/** The nearest day that is not quiet, searching forward (step 1) or backward (step -1). */
const workingDay = (day: LocalDay, w: SendWindow, step: 1 | -1): LocalDay => {
  let d = day;
  // Templates allow at most six quiet days, so a week always holds a working day.
  for (let i = 0; i < 7 && isQuiet(d, w); i++) d = addLocalDays(d, step);
  return d;
};

const windowStart = (day: LocalDay, w: SendWindow): Date => zonedTime(day, w.sendHour, 0, 0, w.timeZone);
const sendTimeOn = (day: LocalDay, w: SendWindow): Date =>
  new Date(windowStart(day, w).getTime() + (w.spreadSeconds ?? 0) * 1000);

/**
 * The first moment at or after `at` when an email may go out: at once if it is within the send hour
 * of a working day, otherwise at the request's point in the next working day's send hour.
 */
export const nextSendSlot = (at: Date, w: SendWindow): Date => {
  const today = localDay(at, w.timeZone);
  if (!isQuiet(today, w)) {
    const start = windowStart(today, w);
    if (at.getTime() >= start.getTime() && at.getTime() < start.getTime() + HOUR_MS) return at;
    if (at.getTime() < start.getTime()) return sendTimeOn(today, w);
  }
  return sendTimeOn(workingDay(addLocalDays(today, 1), w, 1), w);
};

/**
 * When an email to one person may go at the earliest: as nextSendSlot, except that inside the send
 * hour it waits for the person's own point in it (`spreadSeconds`) while that is still ahead, so
 * everything that falls due for them that morning meets at one moment and can go as one email.
 */
export const recipientSlot = (at: Date, w: SendWindow): Date => {
  const slot = nextSendSlot(at, w);
  if (slot.getTime() !== at.getTime()) return slot;
  const own = sendTimeOn(localDay(at, w.timeZone), w);
  return own.getTime() > at.getTime() ? own : at;
};

/**
 * When a reminder `daysBefore` the due date goes out: at the send hour of that day, or of the last
 * working day before it, so that a reminder never lands after the day it announces.
 */
export const reminderTime = (dueAt: Date | string, daysBefore: number, w: SendWindow): Date =>
  sendTimeOn(workingDay(addLocalDays(localDay(dueAt, w.timeZone), -daysBefore), w, -1), w);

/**
 * When an escalation `daysAfter` the due date goes out: at the send hour of that day or the next
 * working day, and never before the deadline has actually passed (0 days after means the next
 * working morning, not the morning of the due day).
 */
export const escalationTime = (dueAt: Date | string, daysAfter: number, w: SendWindow): Date => {
  const due = new Date(dueAt);
  const day = sendTimeOn(addLocalDays(localDay(due, w.timeZone), daysAfter), w);
  return nextSendSlot(new Date(Math.max(day.getTime(), due.getTime() + 1000)), w);
};
