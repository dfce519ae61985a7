/*
 * Timers longer than setTimeout can hold. Node keeps a delay in a signed 32-bit integer: anything
 * above 2^31 - 1 ms (about 24.8 days) fires after 1 ms with a TimeoutOverflowWarning. Under
 * `npm start` (real time) a human step due in 60 days would then wake at once, and again after each
 * wake. A long wait here is a chain of timers of at most that length, each re-armed until the due
 * time is reached, so it fires once, at its time.
 */

export const MAX_TIMER_MS = 2_147_483_647;

export type LongTimeout = { cancel: () => void };

type SetTimer = (fn: () => void, ms: number) => unknown;
type ClearTimer = (handle: never) => void;

/**
 * Calls `fn` once at `dueAt` (epoch ms, as Date.now() reads it). setTimeout and clearTimeout are
 * looked up at each arm, so a simulated clock or a test's fake timers installed later are used.
 */
export const setLongTimeout = (
  fn: () => void,
  dueAt: number,
  timers: { set: SetTimer; clear: ClearTimer } = {
    set: (f, ms) => globalThis.setTimeout(f, ms),
    clear: (h) => globalThis.clearTimeout(h),
  },
): LongTimeout => {
  let handle: unknown;
  let cancelled = false;
  const arm = () => {
    handle = timers.set(
      () => {
        if (cancelled) return;
        if (Date.now() < dueAt) return arm();
        fn();
      },
      Math.min(Math.max(0, dueAt - Date.now()), MAX_TIMER_MS),
    );
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      timers.clear(handle as never);
    },
  };
};

/** A handle for the chained timers the guard below returns, accepted by its clearTimeout. */
class ChainedTimeout {
  constructor(readonly timer: LongTimeout) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    return this;
  }
}

/**
 * The workflow engine (aws-local-stepfunctions) arms its Wait states, task timeouts and retry
 * intervals with the global setTimeout, which the stack cannot hand a timer of its own. In real
 * time, the stack installs this guard: a delay setTimeout cannot hold is chained instead of firing
 * at once; every shorter delay goes to setTimeout untouched. Returns the uninstall function.
 */
export const guardLongTimeouts = (): (() => void) => {
  const original = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
  const realTimers = {
    set: (fn: () => void, ms: number) => original.set(fn, ms),
    clear: (h: never) => original.clear(h),
  };
  const guarded = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const delay = Number(ms ?? 0);
    if (!(delay > MAX_TIMER_MS)) return original.set(fn, ms, ...args);
    return new ChainedTimeout(setLongTimeout(() => fn(...args), Date.now() + delay, realTimers));
  };
  globalThis.setTimeout = guarded as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle: unknown) => {
    if (handle instanceof ChainedTimeout) handle.timer.cancel();
    else original.clear(handle as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
  return () => {
    globalThis.setTimeout = original.set;
    globalThis.clearTimeout = original.clear;
  };
};
