import type { Activity } from './activity';

// Captured before any clock is installed: the stack's own waiting is always in real time.
const RealDate = globalThis.Date;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => realSetTimeout(resolve, ms));

/** Waits, in real time, until nothing has been in flight for `quietMs`. */
export const settle = async (activity: Activity, quietMs = 15): Promise<void> => {
  while (!activity.quietFor(quietMs)) await realSleep(3);
};

/**
 * Only the workflow engine's timers (waits, task timeouts, retry intervals), the local Step
 * Functions' token expiry and the local scheduler's schedules follow simulated time; the long timers
 * those two chain (timers.ts) re-arm from a callback of their own, so that file counts too.
 * Everything else (the SDK's and the HTTP stack's plumbing: keep-alive, socket warnings) stays real,
 * or each of those would become a clock jump.
 */
const SIMULATED_CALLERS = /aws-local-stepfunctions|local[\\/](step-functions|scheduler|timers)\.ts/;
// Called on every setTimeout in the process: read the raw call sites of a short stack rather than
// formatting (and source-mapping) a full one, which dominated the local stack's CPU at scale.
const rawCallSites = (_error: Error, sites: NodeJS.CallSite[]) => sites;
const fromWorkflowEngine = (): boolean => {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.prepareStackTrace = rawCallSites;
  Error.stackTraceLimit = 12;
  try {
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    return sites.some((site) => SIMULATED_CALLERS.test(site.getFileName() ?? ''));
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
};

type Entry = { due: number; seq: number; fire: () => void; cancelled: boolean };

const DUE_POLL_MS = 50;

class VirtualTimer {
  constructor(readonly entry: Entry) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.entry.seq;
  }
}

/**
 * The simulated clock. Simulated time is real time plus an offset: Date reads it, and the workflow
 * engine's timers (state machine waits, task timeouts, retry intervals) are queued on it. When the stack is idle, `next()` jumps the offset straight to the earliest queued timer
 * and fires it, so a six-week cycle runs in seconds with the same definitions and code as on AWS.
 */
export class SimulatedClock {
  private offset: number;
  private queue: Entry[] = [];
  private seq = 0;
  private readonly saved = {
    Date: globalThis.Date,
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
  };

  private readonly pump: ReturnType<typeof setInterval>;

  constructor(start: Date) {
    this.offset = start.getTime() - RealDate.now();
    // Simulated time flows as real time while the stack is busy: a timer that falls due meanwhile
    // (a task's retry interval, a wait of seconds) fires then, as on a real clock, instead of
    // waiting for the stack to go quiet and `next()` to jump to it.
    this.pump = setInterval(() => this.fireDue(), DUE_POLL_MS);
    this.pump.unref();
    const nowMs = () => this.nowMs();
    class SimulatedDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(nowMs());
        else super(...(args as [string | number]));
      }
      static override now(): number {
        return nowMs();
      }
    }
    globalThis.Date = SimulatedDate as DateConstructor;
    const simulatedSetTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const delay = Number(ms ?? 0);
      if (!fromWorkflowEngine()) return realSetTimeout(fn, delay, ...args);
      const entry: Entry = {
        due: this.nowMs() + delay,
        seq: ++this.seq,
        fire: () => fn(...args),
        cancelled: false,
      };
      this.queue.push(entry);
      return new VirtualTimer(entry);
    };
    globalThis.setTimeout = simulatedSetTimeout as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle: unknown) => {
      if (handle instanceof VirtualTimer) handle.entry.cancelled = true;
      else realClearTimeout(handle as Parameters<typeof clearTimeout>[0]);
    }) as typeof clearTimeout;
  }

  nowMs(): number {
    return RealDate.now() + this.offset;
  }

  now(): Date {
    return new RealDate(this.nowMs());
  }

  pending(): number {
    this.queue = this.queue.filter((e) => !e.cancelled);
    return this.queue.length;
  }

  /** When the earliest queued timer falls due (simulated epoch ms), if any. */
  nextDueMs(): number | undefined {
    let earliest: number | undefined;
    for (const e of this.queue)
      if (!e.cancelled && (earliest === undefined || e.due < earliest)) earliest = e.due;
    return earliest;
  }

  /** Moves simulated time forward to `at` without firing anything (never backwards). */
  jumpTo(at: number): void {
    const gap = at - this.nowMs();
    if (gap > 0) this.offset += gap;
  }

  private fireDue(): void {
    const now = this.nowMs();
    // Most polls find nothing due: that is learnt without building a list every 50 ms.
    if ((this.nextDueMs() ?? Number.POSITIVE_INFINITY) > now) return;
    const due = this.queue.filter((e) => !e.cancelled && e.due <= now);
    const firing = new Set(due);
    this.queue = this.queue.filter((e) => !firing.has(e));
    for (const entry of due.sort((a, b) => a.due - b.due || a.seq - b.seq)) entry.fire();
  }

  /** Jumps to the earliest queued timer and fires it. False when nothing is queued. */
  async next(): Promise<boolean> {
    if (this.pending() === 0) return false;
    this.queue.sort((a, b) => a.due - b.due || a.seq - b.seq);
    const entry = this.queue.shift() as Entry;
    const gap = entry.due - this.nowMs();
    if (gap > 0) this.offset += gap;
    entry.fire();
    await Promise.resolve();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs() + ms;
    for (;;) {
      this.pending();
      this.queue.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const first = this.queue[0];
      if (!first || first.due > target) break;
      await this.next();
    }
    const gap = target - this.nowMs();
    if (gap > 0) this.offset += gap;
  }

  uninstall(): void {
    clearInterval(this.pump);
    globalThis.Date = this.saved.Date;
    globalThis.setTimeout = this.saved.setTimeout;
    globalThis.clearTimeout = this.saved.clearTimeout;
    this.queue = [];
  }
}
