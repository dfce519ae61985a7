import { habitOf } from './sample-org';

/*
 * How the demo's people follow their development plans once the plans are agreed: when an owner
 * answers each action, each check-in, and when a coach or mentor confirms a session. A development
 * action takes weeks, so few answer it the day it is asked; most do when the reminder arrives a
 * week before it is due, some only the day before, and a few once it is overdue and their manager
 * has been told. Each choice is drawn from a hash of who and what, so every run is the same.
 */

/** Mixes a string into a number in [0, 1): FNV-1a, then MurmurHash3's finaliser to spread the bits. */
const draw = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
};

/** Picks from `choices` by cumulative share, the last taking what is left. */
const pick = <T>(u: number, choices: Array<[T, number]>): T => {
  let total = 0;
  for (const [choice, share] of choices) {
    total += share;
    if (u < total) return choice;
  }
  return (choices.at(-1) as [T, number])[0];
};

/**
 * When the owner answers a development action "done": when it is asked (`at-once`), on the reminder
 * a week before (`week-before`) or the day before (`day-before`), or overdue, once their manager is
 * told (`late`). Victor Hale answers nothing. Who answers only after a reminder never answers at
 * once, nor does anyone whose action has coaching or mentoring sessions to hold first. An action is
 * known by its owner and due date, which its plan's draft fixes; its title may come from a
 * reviewer's free text.
 */
export type ItemHabit = 'at-once' | 'week-before' | 'day-before' | 'late' | 'never';

export const itemHabit = (ownerId: string, due: string, withSessions: boolean): ItemHabit => {
  const habit = habitOf(ownerId);
  if (habit === 'never') return 'never';
  const when = pick<ItemHabit>(draw(`item|${ownerId}|${due}`), [
    ['at-once', 0.15],
    ['week-before', 0.5],
    ['day-before', 0.25],
    ['late', 0.1],
  ]);
  return when === 'at-once' && (habit === 'after-reminder' || withSessions) ? 'week-before' : when;
};

/** Whether the owner answers a check-in when asked, on its reminder the day before it is due, or never. */
export type CheckInHabit = 'at-once' | 'on-reminder' | 'never';

export const checkInHabit = (ownerId: string, checkIn: string): CheckInHabit => {
  const habit = habitOf(ownerId);
  if (habit === 'never') return 'never';
  if (habit === 'after-reminder') return 'on-reminder';
  return draw(`check-in|${ownerId}|${checkIn}`) < 0.75 ? 'at-once' : 'on-reminder';
};

const PROGRESS = [
  'Going well: I practise it every week and ask for feedback after',
  'Started: the first part is done, the rest is booked for next month',
  'Slower than planned: the release took most of this month',
  'On track; my manager and I look at it in our one-to-ones',
];

const CHECK_IN_NOTES = [
  'Nothing blocking me right now.',
  'A quieter month ahead, so I can catch up.',
  'I would like to pair with someone who does this well.',
];

/** What the owner writes in a check-in: a line on each action and goal, and a note. */
export const checkInLines = (ownerId: string, checkIn: string) => {
  const u = draw(`check-in lines|${ownerId}|${checkIn}`);
  return {
    line: (field: string) => PROGRESS[Math.floor(draw(`${u}|${field}`) * PROGRESS.length)] as string,
    note: CHECK_IN_NOTES[Math.floor(u * CHECK_IN_NOTES.length)] as string,
  };
};

/** A coach's or mentor's answer to "was the session held?": when, whether, and their note. */
export type SessionHabit = { when: 'at-once' | 'on-reminder' | 'never'; held: boolean; note: string };

const SESSION_NOTES = [
  'We went through a real case from last week and agreed what to try next',
  'We reviewed the last two weeks and set one concrete thing to practise',
  'Good session: we role-played the hard conversation before the real one',
];

/** The host's answer about session number `n` (from 1) of the sessions they hold with `ownerName`. */
export const sessionHabit = (hostId: string, ownerName: string, n: number): SessionHabit => {
  const habit = habitOf(hostId);
  const u = draw(`session|${hostId}|${ownerName}|${n}`);
  const held = u >= 0.12;
  return {
    when: habit === 'never' ? 'never' : habit === 'after-reminder' || u > 0.8 ? 'on-reminder' : 'at-once',
    held,
    note: held
      ? (SESSION_NOTES[Math.floor(draw(`note|${hostId}|${ownerName}|${n}`) * SESSION_NOTES.length)] as string)
      : 'One of us was travelling; we meet next week instead',
  };
};
