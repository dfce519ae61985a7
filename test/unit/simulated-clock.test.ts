import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from '../../local/clock';
import { setLongTimeout } from '../../local/timers';

/*
 * The simulated clock queues the workflow engine's timers (here through local/timers.ts, one of the
 * files whose timers it takes) and jumps to them when told; while the stack is busy, time flows and a
 * timer that falls due fires by itself.
 */

let clock: SimulatedClock | undefined;

afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

describe('the simulated clock', () => {
  it('jumps to a queued timer when told, and reads the new time', async () => {
    clock = new SimulatedClock(new Date('2027-03-01T09:00:00Z'));
    let firedAt: number | undefined;
    setLongTimeout(
      () => {
        firedAt = Date.now();
      },
      Date.now() + 3 * 86_400_000,
    );

    expect(clock.pending()).toBe(1);
    expect(await clock.next()).toBe(true);

    // Due three days on from when it was armed, a few real milliseconds after the clock started.
    const due = Date.parse('2027-03-04T09:00:00Z');
    expect(firedAt).toBeGreaterThanOrEqual(due);
    expect(firedAt).toBeLessThan(due + 1_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse('2027-03-04T09:00:00Z'));
  });

  it('fires a timer that falls due while time flows, without a jump', async () => {
    clock = new SimulatedClock(new Date('2027-03-01T09:00:00Z'));
    let fired = 0;
    setLongTimeout(() => {
      fired += 1;
    }, Date.now() + 1);
    setLongTimeout(() => {
      fired += 100;
    }, Date.now() + 86_400_000);

    await vi.waitFor(() => expect(fired).toBe(1), { timeout: 5_000, interval: 20 });
    expect(clock.pending()).toBe(1);
  });
});
