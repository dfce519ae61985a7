import type { Activity } from './activity';
import { realSleep } from './clock';
import type { LocalLambda } from './lambda';
import type { LocalQueue } from './queue';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalRule, localFunctionArn } from './template';

/*
 * The default EventBridge bus, for the rules the template defines: an event put on it goes to every
 * rule whose pattern matches, and each rule's Lambda targets are invoked with it asynchronously, with
 * the rule's retry budget (in real time, quickly), as EventBridge does. Patterns support what the
 * template uses (exact values, nested objects, any-of lists); anything else is refused when the
 * stack starts rather than silently never matching.
 */

export type BusEvent = Record<string, unknown> & { source: string; 'detail-type': string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** EventBridge matching: every pattern field must match; a list matches when any value equals one of the event's. */
export const matches = (pattern: Record<string, unknown>, event: unknown): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const actual = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return expected.some((e) => values.some((v) => v === e));
    }
    if (isObject(expected)) return matches(expected, actual);
    throw new Error(`Unsupported event pattern at "${key}"`);
  });

const checkPattern = (pattern: Record<string, unknown>, where: string): void => {
  for (const [key, value] of Object.entries(pattern)) {
    if (isObject(value)) checkPattern(value, `${where}.${key}`);
    else if (!Array.isArray(value) || value.some((v) => typeof v === 'object' && v !== null))
      throw new Error(`Rule ${where}: only exact-value patterns run locally (at "${key}")`);
  }
};

export type Delivery = { ruleLogicalId: string; functionLogicalId: string; attempts: number; error?: string };

export class LocalEventBus {
  /** Every delivery and its outcome, for tests and the curious. */
  readonly deliveries: Delivery[] = [];

  constructor(
    private readonly rules: LocalRule[],
    private readonly lambda: LocalLambda,
    private readonly activity: Activity,
    /** The rule target's dead-letter queue: an event it could not deliver goes there, as EventBridge sends it. */
    private readonly deadLetters?: LocalQueue,
  ) {
    for (const rule of rules) checkPattern(rule.pattern, rule.logicalId);
  }

  /** Puts an event on the bus; resolves when every matching target has taken it or given up. */
  put(event: BusEvent): Promise<void> {
    return this.activity.track(async () => {
      const work = this.rules
        .filter((rule) => matches(rule.pattern, event))
        .flatMap((rule) => rule.targets.map((target) => this.deliver(rule.logicalId, target, event)));
      await Promise.all(work);
    });
  }

  private async deliver(
    ruleLogicalId: string,
    target: LocalRule['targets'][number],
    event: BusEvent,
  ): Promise<void> {
    const delivery: Delivery = { ruleLogicalId, functionLogicalId: target.functionLogicalId, attempts: 0 };
    this.deliveries.push(delivery);
    for (;;) {
      delivery.attempts += 1;
      try {
        await this.lambda.invoke(target.functionLogicalId, event);
        delete delivery.error;
        return;
      } catch (error) {
        delivery.error = error instanceof Error ? error.name : String(error);
        if (delivery.attempts > target.maxRetries) {
          this.deadLetters?.send(JSON.stringify(event), {
            RULE_ARN: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${ruleLogicalId}`,
            TARGET_ARN: localFunctionArn(target.functionLogicalId),
            ERROR_CODE: delivery.error,
          });
          return;
        }
        await realSleep(25 * 2 ** delivery.attempts);
      }
    }
  }
}
