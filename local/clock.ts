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

type Entry = { due: number; seq: number; fire: () => void; cancelled: boolean; queued: boolean };

const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/**
 * The queued timers, earliest first (then in the order they were set), as a binary heap: a large
 * cycle keeps one timer per waiting review, and each jump of the clock takes the earliest.
 * A cleared timer stays in the heap, marked, until it reaches the top.
 */
class TimerQueue {
  private heap: Entry[] = [];
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(entry: Entry): void {
    entry.queued = true;
    this.live += 1;
    const { heap } = this;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[i] = heap[parent] as Entry;
      heap[parent] = entry;
      i = parent;
    }
  }

  cancel(entry: Entry): void {
    if (entry.queued && !entry.cancelled) this.live -= 1;
    entry.cancelled = true;
  }

  /** The earliest timer not cleared, left in the queue. */
  peek(): Entry | undefined {
    while (this.heap[0]?.cancelled) this.removeTop();
    return this.heap[0];
  }

  /** The earliest timer not cleared, taken from the queue. */
  pop(): Entry | undefined {
    const top = this.peek();
    if (!top) return undefined;
    this.removeTop();
    top.queued = false;
    this.live -= 1;
    return top;
  }

  clear(): void {
    this.heap = [];
    this.live = 0;
  }

  private removeTop(): void {
    const { heap } = this;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left] as Entry, heap[least] as Entry)) least = left;
      if (right < heap.length && before(heap[right] as Entry, heap[least] as Entry)) least = right;
      if (least === i) break;
      heap[i] = heap[least] as Entry;
      heap[least] = last;
      i = least;
    }
  }
}

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
  private readonly queue = new TimerQueue();
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
        queued: false,
      };
      this.queue.push(entry);
      return new VirtualTimer(entry);
    };
    globalThis.setTimeout = simulatedSetTimeout as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle: unknown) => {
      if (handle instanceof VirtualTimer) this.queue.cancel(handle.entry);
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
    return this.queue.size;
  }

  /** When the earliest queued timer falls due (simulated epoch ms), if any. */
  nextDueMs(): number | undefined {
    return this.queue.peek()?.due;
  }

  /** Moves simulated time forward to `at` without firing anything (never backwards). */
  jumpTo(at: number): void {
    const gap = at - this.nowMs();
    if (gap > 0) this.offset += gap;
  }

  private fireDue(): void {
    const now = this.nowMs();
    // Taken out first, then fired: a timer set by one that fires waits for the next poll.
    const due: Entry[] = [];
    while ((this.queue.peek()?.due ?? Number.POSITIVE_INFINITY) <= now) due.push(this.queue.pop() as Entry);
    for (const entry of due) entry.fire();
  }

  /**
   * Jumps to the earliest queued timer and fires it, with every other timer due within `windowMs`
   * of it: time moves to the last of them, so each fires on time or up to `windowMs` late, never
   * early, as a real timer may. A window lets a jump fire a burst of timers spread over a second
   * (reviews' send slots, jittered retries) at once instead of one by one. False when nothing is
   * queued.
   */
  async next(windowMs = 0): Promise<boolean> {
    const first = this.queue.pop();
    if (!first) return false;
    const batch = [first];
    while ((this.queue.peek()?.due ?? Number.POSITIVE_INFINITY) <= first.due + windowMs)
      batch.push(this.queue.pop() as Entry);
    const gap = (batch.at(-1) as Entry).due - this.nowMs();
    if (gap > 0) this.offset += gap;
    // One of the batch may clear another, as a task's answer clears its timeout.
    for (const entry of batch) if (!entry.cancelled) entry.fire();
    await Promise.resolve();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs() + ms;
    while ((this.queue.peek()?.due ?? Number.POSITIVE_INFINITY) <= target) await this.next();
    const gap = target - this.nowMs();
    if (gap > 0) this.offset += gap;
  }

  uninstall(): void {
    clearInterval(this.pump);
    globalThis.Date = this.saved.Date;
    globalThis.setTimeout = this.saved.setTimeout;
    globalThis.clearTimeout = this.saved.clearTimeout;
    this.queue.clear();
  }
}
