import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/*
 * Business metrics through Powertools for AWS Lambda, written as CloudWatch embedded metric format
 * (EMF) on stdout when the invocation ends (functions/shared/middleware.ts). One counter a thing that
 * happens; the namespace and the `service` dimension come from the function's environment.
 */

export const METRIC_NAMES = ['EmailsSent', 'Reminders', 'Escalations', 'Answers', 'Failures'] as const;

/**
 * EmailsSent: emails SES accepted. Reminders and Escalations: those they carried (a digest carries
 * several). Answers: forms stored. Failures: lines logged at ERROR (domain/platform/logger.ts).
 */
export type MetricName = (typeof METRIC_NAMES)[number];

let instance: Metrics | undefined;

/** Powertools' remarks on its own use, dropped (see powertoolsMetrics). */
const quiet = () => undefined;

/**
 * The Powertools Metrics, made at its first use so that it reads the environment the function runs
 * with. Its remarks are dropped: most invocations count nothing, which it would warn of at each of
 * them, and its other remarks concern metric names and dimensions, which are fixed here.
 */
export const powertoolsMetrics = (): Metrics => {
  instance ??= new Metrics({
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  return instance;
};

export const countMetric = (name: MetricName, count = 1): void => {
  powertoolsMetrics().addMetric(name, MetricUnit.Count, count);
};
