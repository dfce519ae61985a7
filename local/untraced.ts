/*
 * The local stack traces nothing (POWERTOOLS_TRACE_ENABLED is false there, stack.ts setEnvironment).
 * The X-Ray SDK under the Powertools Tracer would still install an async hook the moment it is
 * imported, and every promise of the process would pay for it: about a tenth of the stack's CPU
 * through a whole cycle. Its manual mode installs none. Imported by the stack before anything that
 * reaches a handler; Lambda never loads this file, so a deployed function traces as configured.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
