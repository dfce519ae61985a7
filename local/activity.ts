import { performance } from 'node:perf_hooks';

/**
 * What the local stack is doing right now, in real time. The simulated clock only jumps ahead when
 * nothing is in flight and nothing happened for a moment: every handler call, HTTP request and
 * Step Functions call marks activity here.
 */
export class Activity {
  inFlight = 0;
  lastActivity = performance.now();
  /** Bumped on every start, end and touch: a changed version means something happened meanwhile. */
  version = 0;

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    this.version += 1;
    this.lastActivity = performance.now();
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.version += 1;
      this.lastActivity = performance.now();
    }
  }

  touch(): void {
    this.version += 1;
    this.lastActivity = performance.now();
  }

  quietFor(ms: number): boolean {
    return this.inFlight === 0 && performance.now() - this.lastActivity >= ms;
  }
}
