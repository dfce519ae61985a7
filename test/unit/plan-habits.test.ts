import { describe, expect, it } from 'vitest';
import { checkInHabit, itemHabit, sessionHabit } from '../../local/plan-habits';

/*
 * The demo's people follow their plans the same way every run: each choice comes from who and
 * which, never from chance or timing, and in the shares the demo promises.
 */

const DUES = Array.from({ length: 400 }, (_, i) => `Tuesday, ${(i % 28) + 1} April 2027 at 19:00 CEST #${i}`);

describe('the plan habits', () => {
  it('give the same answer for the same owner and action every time', () => {
    // Prepare
    const asked = DUES.slice(0, 20);
    // Act
    const first = asked.map((due) => itemHabit('e09', due, false));
    const again = asked.map((due) => itemHabit('e09', due, false));
    // Assess
    expect(again).toEqual(first);
  });

  it('have most actions answered on a reminder, a few at once and a few late', () => {
    const habits = DUES.map((due) => itemHabit('e09', due, false));
    const share = (h: string) => habits.filter((x) => x === h).length / habits.length;
    expect(share('week-before') + share('day-before')).toBeGreaterThan(0.6);
    expect(share('at-once')).toBeGreaterThan(0.05);
    expect(share('at-once')).toBeLessThan(0.3);
    expect(share('late')).toBeGreaterThan(0.03);
    expect(share('late')).toBeLessThan(0.2);
  });

  it('never have an action with sessions, or of someone who waits for reminders, answered at once', () => {
    expect(DUES.map((due) => itemHabit('e09', due, true))).not.toContain('at-once');
    // Ola Haugen answers only after a reminder.
    expect(DUES.map((due) => itemHabit('e10', due, false))).not.toContain('at-once');
  });

  it('leave everything to Victor Hale unanswered', () => {
    expect(itemHabit('e08', DUES[0] as string, false)).toBe('never');
    expect(checkInHabit('e08', DUES[0] as string)).toBe('never');
    expect(sessionHabit('e08', 'Samuel Clark', 1).when).toBe('never');
  });

  it('have most check-ins answered when asked and the rest on their reminder', () => {
    const habits = DUES.map((due) => checkInHabit('e09', due));
    expect(habits.filter((h) => h === 'at-once').length).toBeGreaterThan(habits.length / 2);
    expect(habits).toContain('on-reminder');
    expect(habits).not.toContain('never');
  });

  it('have most sessions held, and now and then one not held', () => {
    const sessions = Array.from({ length: 100 }, (_, n) => sessionHabit('e01', 'Henrik Dahl', n + 1));
    expect(sessions.filter((s) => s.held).length).toBeGreaterThan(75);
    expect(sessions.some((s) => !s.held)).toBe(true);
  });
});
