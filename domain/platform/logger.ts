import { Logger } from '@aws-lambda-powertools/logger';
import { countMetric } from './metrics';

/*
 * Structured JSON logs through Powertools for AWS Lambda, one line an event, each carrying the
 * invocation's request id and cold start and the ids of what it concerns. Callers pass ids, fixed
 * codes, counts and flags under the keys of LogFields only: never names, email addresses, answers
 * or tokens. The message must be a string literal, so nothing read at run time can be spliced into
 * it, and an id or a code that does not look like one (a space, an `@`) is written as WITHHELD.
 */

/** Ids of what a line concerns. */
type IdFields = {
  cycleId: string;
  employeeId: string;
  requestId: string;
  planId: string;
  itemId: string;
  /** A request for feedback any time (domain/feedback/). */
  askId: string;
  executionName: string;
  /** Whom an email went to: an employee's id or an external reviewer's (`ext-…`), never the address. */
  recipientId: string;
  correlationId: string;
  /** An SES message id. */
  messageId: string;
  /** A digest's send time, an ISO instant. */
  sendAt: string;
};

/** Codes the program defines (a kind, an outcome, a reason), never text a person wrote. */
type CodeFields = {
  action: string;
  kind: string;
  outcome: string;
  result: string;
  reason: string;
  type: string;
  mode: string;
  /** Which workflow a failed step was in (review, cycle, plan, plan-item). */
  workflow: string;
};

/** Lists of ids or instants. */
type ListFields = { sendTimes: readonly string[]; templates: readonly string[] };

type CountFields = {
  attempt: number;
  assignment: number;
  revision: number;
  members: number;
  recipients: number;
  participants: number;
  rows: number;
  errors: number;
  conflicts: number;
  peers: number;
  externals: number;
  status: number;
  applied: boolean;
};

/**
 * Where a failure came from, never its message: the error's name and its causes' (`namesOf`), its
 * code locations (`framesOf`), and the HTTP route it happened on.
 */
type FailureFields = {
  error: string;
  frames: string;
  routeKey: string;
  /** The name of a workflow's state, from its definition (words, so not checked as a code). */
  state: string;
};

export type LogFields = Partial<IdFields & CodeFields & ListFields & CountFields & FailureFields>;

/** The ids a whole invocation concerns, appended to each of its lines (`logger.about`). */
export type AboutFields = Partial<
  Pick<IdFields, 'cycleId' | 'employeeId' | 'requestId' | 'planId' | 'itemId' | 'askId' | 'executionName'>
>;

/**
 * A message known when the code was written: `string`, and a template with a string in it (whose
 * type has a `${string}` hole, which an object without keys satisfies as a record), are refused.
 */
export type Literal<M extends string> = Record<never, never> extends Record<M, true> ? never : M;

export const WITHHELD = '[withheld: not an id]';

const CHECKED = new Set<string>([
  'cycleId',
  'employeeId',
  'requestId',
  'planId',
  'itemId',
  'askId',
  'executionName',
  'recipientId',
  'correlationId',
  'messageId',
  'sendAt',
  'action',
  'kind',
  'outcome',
  'result',
  'reason',
  'type',
  'mode',
  'workflow',
  'sendTimes',
  'templates',
]);

/** Ids, instants and codes: letters, digits and `_-.:#/+=`, no spaces, no `@`, at most 200 characters. */
const TOKEN = /^[\w\-.:#/+=]{0,200}$/;

const token = (value: string): string => (TOKEN.test(value) ? value : WITHHELD);

/** The fields as they are written: ids and codes checked, the rest as the types let them be. */
export const checked = (fields: LogFields): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => {
        if (!CHECKED.has(key)) return [key, value];
        if (Array.isArray(value)) return [key, value.map((v) => token(String(v)))];
        return [key, token(String(value))];
      }),
  );

let instance: Logger | undefined;

/**
 * The Powertools Logger, made at its first use so that it reads the environment the function runs
 * with (service name, log level); the local stack sets that environment after loading the modules.
 */
export const powertoolsLogger = (): Logger => {
  instance ??= new Logger();
  return instance;
};

export const logger = {
  info: <M extends string>(message: Literal<M>, fields: LogFields = {}) =>
    powertoolsLogger().info(message, checked(fields)),
  warn: <M extends string>(message: Literal<M>, fields: LogFields = {}) =>
    powertoolsLogger().warn(message, checked(fields)),
  /** A failure: written at ERROR and counted once in the Failures metric. */
  error: <M extends string>(message: Literal<M>, fields: LogFields = {}) => {
    powertoolsLogger().error(message, checked(fields));
    countMetric('Failures');
  },
  /**
   * Ids the rest of the invocation concerns, on every line it writes from here on; the handler's
   * middleware (functions/shared/middleware.ts) drops them when the invocation ends.
   */
  about: (ids: AboutFields) => powertoolsLogger().appendKeys(checked(ids)),
};
