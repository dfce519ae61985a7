import { addLocalDays, localDay, zonedTime } from '../domain/platform/calendar';
import { START_EXECUTION_TARGET } from '../domain/platform/schedules';

import type { Activity } from './activity';
import type { LocalLambda } from './lambda';
import { type LocalStepFunctions, SfnError } from './step-functions';
import type { LocalRecurringSchedule } from './template';
import { setLongTimeout } from './timers';

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

export type LocalSchedule = {
  name: string;
  groupName: string;
  expression: string;
  timeZone: string;
  fireAt: number;
  target: { Arn: string; RoleArn: string; Input: string };
  deleteAfter: boolean;
  state: 'ENABLED' | 'FIRED';
};

type CreateBody = {
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  Target?: { Arn?: string; RoleArn?: string; Input?: string };
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
  private readonly daily: Daily[];

  constructor(
    private readonly sfn: LocalStepFunctions,
    private readonly activity: Activity,
    private readonly lambda?: LocalLambda,
    recurring: LocalRecurringSchedule[] = [],
  ) {
    this.daily = recurring.map((r) => ({ ...parseDaily(r), nextFire: Number.POSITIVE_INFINITY }));
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
      deleteAfter: body.ActionAfterCompletion === 'DELETE',
      state: 'ENABLED',
    };
    this.schedules.set(key, schedule);
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
    this.schedules.delete(this.key(groupName, name));
  }

  list(): LocalSchedule[] {
    return [...this.schedules.values()];
  }

  private arm(key: string, fireAt: number): void {
    setLongTimeout(() => {
      const schedule = this.schedules.get(key);
      // Deleted (a cancelled cycle) or replaced meanwhile: this timer is stale.
      if (!schedule || schedule.fireAt !== fireAt || schedule.state !== 'ENABLED') return;
      void this.activity.track(async () => this.fire(key, schedule));
    }, fireAt);
  }

  private async fire(key: string, schedule: LocalSchedule): Promise<void> {
    if (schedule.deleteAfter) this.schedules.delete(key);
    else schedule.state = 'FIRED';
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
      if (!(error instanceof SfnError && error.code === 'ExecutionAlreadyExists')) throw error;
    }
  }
}
