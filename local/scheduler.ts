import * as z from 'zod';
import { addLocalDays, localDay, zonedTime } from '../domain/platform/calendar';
import { START_EXECUTION_TARGET } from '../domain/platform/schedules';
import type { Activity } from './activity';
import { Journal } from './journal';
import type { LocalLambda } from './lambda';
import type { LocalQueue } from './queue';
import { type LocalStepFunctions, SfnError } from './step-functions';
import type { LocalRecurringSchedule } from './template';
import { type LongTimeout, setLongTimeout } from './timers';

/*
 * The local stand-in for EventBridge Scheduler: one-time `at()` schedules whose target is Step
 * Functions' StartExecution through Scheduler's universal target, or a function of the template
 * (the digest delivery), which is all the project creates.
 * Its timers are queued on the simulated clock (see SIMULATED_CALLERS in clock.ts), so a cycle
 * scheduled for next month starts when simulated time gets there. Anything else is refused with
 * Scheduler's own ValidationException rather than half-emulated.
 *
 * The template's own recurring schedules (the daily trigger check: `cron(M H * * ? *)` invoking a
 * function) run too. In real time they are ordinary timers. On the simulated clock they are
 * passive: they fire as time passes them while something else is going on, but never keep the
 * clock running by themselves, so a demo or a test still ends when its work is done.
 *
 * When the stack persists (`npm start`), the one-time schedules are kept in a journal and armed
 * again at the next start; one whose time passed while the stack was down fires then. A schedule is
 * marked done in the journal only after its target was called, so a stop in between calls it again
 * (a second StartExecution of the same name starts nothing). The recurring ones need no keeping.
 */

export class SchedulerError extends SfnError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

const LocalSchedule = z.object({
  name: z.string(),
  groupName: z.string(),
  expression: z.string(),
  timeZone: z.string(),
  fireAt: z.number(),
  target: z.object({ Arn: z.string(), RoleArn: z.string(), Input: z.string() }),
  /** The target's DeadLetterConfig: a start that fails goes to the stack's dead-letter queue. */
  deadLetter: z.boolean().optional(),
  deleteAfter: z.boolean(),
  state: z.enum(['ENABLED', 'FIRED']),
});
export type LocalSchedule = z.infer<typeof LocalSchedule>;

/** A schedule as it now stands, or its deletion, keyed by group and name. */
const JournalRecord = z.union([
  z.object({ key: z.string(), schedule: LocalSchedule }),
  z.object({ key: z.string(), deleted: z.literal(true) }),
]);
type JournalRecord = z.infer<typeof JournalRecord>;

type CreateBody = {
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  Target?: { Arn?: string; RoleArn?: string; Input?: string; DeadLetterConfig?: { Arn?: string } };
};

const FUNCTION_ARN = /^arn:aws:lambda:[^:]+:\d+:function:([^:]+)$/;

const parseAt = (expression: string, timeZone: string): number => {
  const m = /^at\((\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (!m) {
    throw new SchedulerError(
      'ValidationException',
      `The local scheduler supports one-time at(yyyy-mm-ddThh:mm:ss) schedules only, not ${expression}`,
      400,
    );
  }
  return zonedTime(m[1] as string, Number(m[2]), Number(m[3]), Number(m[4]), timeZone).getTime();
};

type Daily = { schedule: LocalRecurringSchedule; hour: number; minute: number; nextFire: number };

const parseDaily = (schedule: LocalRecurringSchedule): Omit<Daily, 'nextFire'> => {
  const m = /^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$/.exec(schedule.expression);
  if (!m)
    throw new Error(
      `Schedule ${schedule.logicalId}: the local scheduler runs daily cron(M H * * ? *) schedules only, not ${schedule.expression}`,
    );
  return { schedule, minute: Number(m[1]), hour: Number(m[2]) };
};

/** The first time after `after` at which a daily schedule fires, in its own zone. */
export const nextDailyFire = (after: number, d: Pick<Daily, 'hour' | 'minute' | 'schedule'>): number => {
  const zone = d.schedule.timeZone;
  const today = localDay(new Date(after), zone);
  const at = zonedTime(today, d.hour, d.minute, 0, zone).getTime();
  return at > after ? at : zonedTime(addLocalDays(today, 1), d.hour, d.minute, 0, zone).getTime();
};

export class LocalScheduler {
  private readonly schedules = new Map<string, LocalSchedule>();
  private readonly timers = new Map<string, LongTimeout>();
  private readonly daily: Daily[];
  private readonly journal: Journal<JournalRecord> | undefined;

  constructor(
    private readonly sfn: LocalStepFunctions,
    private readonly activity: Activity,
    private readonly lambda?: LocalLambda,
    recurring: LocalRecurringSchedule[] = [],
    /** Keep the one-time schedules in this file, to arm them again after a restart. */
    journalFile?: string,
    /** The dead-letter queue every schedule with a DeadLetterConfig names (one on this stack). */
    private readonly deadLetters?: LocalQueue,
  ) {
    this.daily = recurring.map((r) => ({ ...parseDaily(r), nextFire: Number.POSITIVE_INFINITY }));
    this.journal = journalFile ? new Journal(journalFile, JournalRecord) : undefined;
    this.load();
  }

  /** Reads the schedules an earlier run of the stack kept, and rewrites the journal with just them. */
  private load(): void {
    if (!this.journal) return;
    for (const r of this.journal.read()) {
      if ('schedule' in r) this.schedules.set(r.key, r.schedule);
      else this.schedules.delete(r.key);
    }
    this.journal.rewrite([...this.schedules].map(([key, schedule]) => ({ key, schedule })));
  }

  /** Arms the schedules read from the journal; those due while the stack was down fire now. Returns how many. */
  resume(): number {
    const waiting = [...this.schedules].filter(([key, s]) => s.state === 'ENABLED' && !this.timers.has(key));
    for (const [key, schedule] of waiting) this.arm(key, schedule.fireAt);
    return waiting.length;
  }

  /** The stack is shutting down and keeps its schedules: nothing more fires or is written. */
  detach(): void {
    this.journal?.close();
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /**
   * Starts the recurring schedules from now: `timers` arms real timers (the long-running service),
   * `passive` leaves them to firePassiveBefore (the simulated clock).
   */
  startRecurring(mode: 'timers' | 'passive'): void {
    for (const d of this.daily) {
      d.nextFire = nextDailyFire(Date.now(), d);
      if (mode === 'timers') this.armDaily(d);
    }
  }

  /**
   * With the simulated clock: if a recurring schedule falls due at or before `limit` (the next
   * timer the clock would jump to), moves the clock there with `jumpTo` and fires it. True if one fired.
   */
  async firePassiveBefore(limit: number, jumpTo: (at: number) => void): Promise<boolean> {
    const due = this.daily.filter((d) => d.nextFire <= limit).sort((a, b) => a.nextFire - b.nextFire)[0];
    if (!due) return false;
    jumpTo(due.nextFire);
    due.nextFire = nextDailyFire(due.nextFire, due);
    await this.invoke(due.schedule);
    return true;
  }

  private armDaily(d: Daily): void {
    // Unref'd: a recurring schedule alone never keeps the process alive.
    setTimeout(
      () => {
        d.nextFire = nextDailyFire(Date.now(), d);
        this.armDaily(d);
        void this.invoke(d.schedule);
      },
      Math.max(0, d.nextFire - Date.now()),
    ).unref();
  }

  private async invoke(schedule: LocalRecurringSchedule): Promise<void> {
    if (!this.lambda) return;
    const lambda = this.lambda;
    await this.activity.track(async () => {
      // As on AWS, a failed target does not stop the schedule: it goes to the dead-letter queue.
      await lambda.invokeAsync(schedule.functionLogicalId, JSON.parse(schedule.input));
    });
  }

  private key = (groupName: string, name: string) => `${groupName}/${name}`;

  create(name: string, body: CreateBody): { ScheduleArn: string } {
    const groupName = body.GroupName ?? 'default';
    const key = this.key(groupName, name);
    if (this.schedules.has(key))
      throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`, 409);
    const target = body.Target;
    const known = target?.Arn === START_EXECUTION_TARGET || FUNCTION_ARN.test(target?.Arn ?? '');
    if (!target?.Arn || !known || !target.RoleArn || !target.Input) {
      throw new SchedulerError(
        'ValidationException',
        `The local scheduler supports the ${START_EXECUTION_TARGET} and Lambda function targets with a role and an input only`,
        400,
      );
    }
    const timeZone = body.ScheduleExpressionTimezone ?? 'UTC';
    const expression = String(body.ScheduleExpression ?? '');
    const schedule: LocalSchedule = {
      name,
      groupName,
      expression,
      timeZone,
      fireAt: parseAt(expression, timeZone),
      target: { Arn: target.Arn, RoleArn: target.RoleArn, Input: target.Input },
      ...(target.DeadLetterConfig?.Arn ? { deadLetter: true } : {}),
      deleteAfter: body.ActionAfterCompletion === 'DELETE',
      state: 'ENABLED',
    };
    this.schedules.set(key, schedule);
    this.journal?.append({ key, schedule });
    this.arm(key, schedule.fireAt);
    return { ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${key}` };
  }

  get(name: string, groupName = 'default'): LocalSchedule {
    const found = this.schedules.get(this.key(groupName, name));
    if (!found)
      throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return found;
  }

  delete(name: string, groupName = 'default'): void {
    this.get(name, groupName);
    const key = this.key(groupName, name);
    this.schedules.delete(key);
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
    this.journal?.append({ key, deleted: true });
  }

  list(): LocalSchedule[] {
    return [...this.schedules.values()];
  }

  private arm(key: string, fireAt: number): void {
    this.timers.get(key)?.cancel();
    const timer = setLongTimeout(() => {
      if (this.timers.get(key) === timer) this.timers.delete(key);
      const schedule = this.schedules.get(key);
      // Deleted (a cancelled cycle) or replaced meanwhile: this timer is stale.
      if (!schedule || schedule.fireAt !== fireAt || schedule.state !== 'ENABLED') return;
      void this.activity.track(async () => this.fire(key, schedule));
    }, fireAt);
    this.timers.set(key, timer);
  }

  private async fire(key: string, schedule: LocalSchedule): Promise<void> {
    if (schedule.deleteAfter) this.schedules.delete(key);
    else schedule.state = 'FIRED';
    try {
      await this.callTarget(schedule);
    } finally {
      // Only once the target was called: a stop before this fires the schedule again at the next start.
      if (this.schedules.get(key) === schedule) this.journal?.append({ key, schedule });
      else if (!this.schedules.has(key)) this.journal?.append({ key, deleted: true });
    }
  }

  private async callTarget(schedule: LocalSchedule): Promise<void> {
    const fn = FUNCTION_ARN.exec(schedule.target.Arn)?.[1];
    if (fn) {
      // Invoked as Scheduler does (asynchronously): a failure goes to the dead-letter queue.
      await this.lambda?.invokeAsync(fn, JSON.parse(schedule.target.Input));
      return;
    }
    const call = JSON.parse(schedule.target.Input) as {
      StateMachineArn: string;
      Name?: string;
      Input?: string;
    };
    try {
      this.sfn.startExecution(call.StateMachineArn, call.Name, call.Input ?? '{}');
    } catch (error) {
      // As on AWS: the target call fails, the schedule does not; a second start is a no-op.
      if (error instanceof SfnError && error.code === 'ExecutionAlreadyExists') return;
      // Without a dead-letter queue, Scheduler drops it; with one, it puts there the target's input,
      // with the target's ARN and the error.
      if (!schedule.deadLetter || !this.deadLetters) return;
      this.deadLetters.send(schedule.target.Input, {
        TARGET_ARN: schedule.target.Arn,
        ERROR_CODE: error instanceof SfnError ? error.code : 'AWS.Scheduler.InternalServerError',
      });
    }
  }
}
