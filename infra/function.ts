import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Metadata key naming a function's handler module, relative to the repository root. */
export const ENTRY_METADATA = 'growcycle:entry';

export type GrowcycleFunctionProps = {
  /** Handler module, relative to the repository root, e.g. `functions/steps/human-step.ts`. */
  entry: string;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
};

/**
 * Packages the bundles take from elsewhere, by path from the repository root: ElectroDB's model
 * check (`jsonschema`) is left to the tests (./jsonschema-unchecked.ts says why). The Powertools
 * Tracer is taken in its CommonJS build, loaded only where SDK tracing is on
 * (domain/platform/clients.ts): its ES build imports `node:http`, an import a bundle keeps at its
 * top, and importing that module as ESM loads Node's undici, at every cold start.
 */
export const BUNDLE_ALIASES = {
  jsonschema: './infra/jsonschema-unchecked.ts',
  '@aws-lambda-powertools/tracer': './node_modules/@aws-lambda-powertools/tracer/lib/cjs/index.js',
};

/**
 * How every handler is bundled: an ESM bundle for Node 24, minified with source maps. The AWS SDK v3
 * is left out, as NodejsFunction leaves it out for Node 18 and later runtimes: Lambda provides it.
 * The source maps leave the sources' text out: stack traces need only the mappings, and Node reads
 * the whole map at each cold start (`--enable-source-maps`), three times larger with the text.
 * The bundle test (test/infra/bundles.test.ts) builds each handler with these same options.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  // ESM bundles of CommonJS dependencies need a require() of their own.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Rendered as `--alias:package=path`, resolved from the project root, where CDK runs esbuild.
  esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([name, to]) => `${name}=${to}`) },
};

/**
 * What Powertools for AWS Lambda reads (domain/platform/logger.ts, metrics.ts, clients.ts): the
 * service every log line, metric and trace names, and the CloudWatch namespace of the metrics.
 */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'growcycle',
  POWERTOOLS_METRICS_NAMESPACE: 'Growcycle',
};

/**
 * Every Lambda of the app, with one set of defaults: Node 24 on arm64, ESM bundle, X-Ray tracing,
 * JSON logs kept for a month. The entry is recorded as metadata so the local stack can run the very
 * module the template deploys, with the environment the template gives it.
 *
 * Logs: Powertools writes each line as JSON on stdout, which Lambda's JSON log format keeps as it is
 * instead of wrapping it in a line of its own. The level is the function's logging configuration
 * (INFO), which Lambda passes to Powertools as AWS_LAMBDA_LOG_LEVEL and applies itself: changing it
 * there needs no new code.
 */
export class GrowcycleFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: GrowcycleFunctionProps) {
    super(scope, id, {
      entry: path.join(ROOT, props.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...POWERTOOLS_ENVIRONMENT,
        // The SDK calls' subsegments are the stack's choice (GrowcycleStackProps.sdkTracing).
        POWERTOOLS_TRACE_ENABLED: 'false',
        ...props.environment,
      },
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      projectRoot: ROOT,
      bundling: BUNDLING,
    });
    (this.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, props.entry);
  }
}
