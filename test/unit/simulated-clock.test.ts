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

  it('fires thousands of timers in due order, never a cleared one', async () => {
    clock = new SimulatedClock(new Date('2027-03-01T09:00:00Z'));
    const start = Date.now();
    const fired: Array<{ i: number; at: number }> = [];
    // Deterministic offsets with many ties: 3,000 timers over 50 distinct days, set out of order.
    const offsets = Array.from({ length: 3_000 }, (_, i) => ((i * 7_919) % 50) * 86_400_000 + 60_000);
    const handles = offsets.map((offset, i) =>
      setLongTimeout(() => fired.push({ i, at: Date.now() }), start + offset),
    );
    const cleared = new Set(offsets.map((_, i) => i).filter((i) => i % 3 === 0));
    for (const i of cleared) handles[i]?.cancel();
    expect(clock.pending()).toBe(2_000);

    while (await clock.next());

    expect(fired.map((f) => f.i).sort((a, b) => a - b)).toEqual(
      offsets.map((_, i) => i).filter((i) => !cleared.has(i)),
    );
    for (const [k, f] of fired.entries()) {
      const previous = fired[k - 1];
      if (!previous) continue;
      // Each at its own due time (its day), none before an earlier one's.
      expect(f.at).toBeGreaterThanOrEqual(start + (offsets[f.i] ?? 0));
      expect(f.at).toBeGreaterThanOrEqual(previous.at);
      expect(offsets[f.i]).toBeGreaterThanOrEqual(offsets[previous.i] ?? 0);
    }
    expect(clock.pending()).toBe(0);
    expect(clock.nextDueMs()).toBeUndefined();
  });

  it('fires the timers due within a window in one jump, each at or after its due time, none beyond it', async () => {
    clock = new SimulatedClock(new Date('2027-03-01T09:00:00Z'));
    const start = Date.now();
    const fired: Array<{ offset: number; at: number }> = [];
    const at = (offset: number) =>
      setLongTimeout(() => fired.push({ offset, at: Date.now() }), start + offset);
    for (const offset of [10_000, 10_400, 10_900, 12_000]) at(offset);
    // The first of the jump clears another due within it, as a task's answer clears its timeout:
    // by its raw handle, as the workflow engine does, which only the clock can honour.
    let handle: unknown;
    setLongTimeout(() => fired.push({ offset: 10_600, at: Date.now() }), start + 10_600, {
      set: (fn, ms) => {
        handle = globalThis.setTimeout(fn, ms);
        return handle;
      },
      clear: (h) => globalThis.clearTimeout(h as Parameters<typeof clearTimeout>[0]),
    });
    setLongTimeout(
      () => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
      start + 10_100,
    );

    expect(await clock.next(1_000)).toBe(true);

    expect(fired.map((f) => f.offset)).toEqual([10_000, 10_400, 10_900]);
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(start + f.offset);
    expect(clock.pending()).toBe(1);
    expect(clock.nextDueMs()).toBeGreaterThanOrEqual(start + 12_000);
  });
});
