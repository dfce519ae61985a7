import { vi } from 'vitest';
import { powertoolsLogger } from '../../domain/platform/logger';

/*
 * What the handlers write while a test captures it: Powertools writes its log lines and its metrics
 * (EMF) straight to process.stdout and process.stderr, not through the global console, so the capture
 * takes both streams' writes, and passes none of them on.
 */

export type CapturedLogs = {
  /** Everything written, as it was written. */
  text: () => string;
  /** Every line that is a JSON object: log lines and EMF metric lines. */
  records: () => Array<Record<string, unknown>>;
  /** Log lines only (they have a level; EMF lines do not). */
  lines: () => Array<Record<string, unknown>>;
  stop: () => void;
};

const parsed = (line: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Starts capturing at the INFO level, whatever level the run set; `stop` puts the level back. */
export const captureLogs = (): CapturedLogs => {
  const chunks: string[] = [];
  const logger = powertoolsLogger();
  const level = logger.getLevelName();
  logger.setLogLevel('INFO');
  // At each warm invocation Powertools goes back to the level it was made with (the run's, SILENT).
  const keepLevel = vi.spyOn(logger, 'refreshSampleRateCalculation').mockImplementation(() => undefined);
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  const text = () => chunks.join('');
  const records = () =>
    text()
      .split('\n')
      .flatMap((line) => {
        const record = line.trim() ? parsed(line) : undefined;
        return record ? [record] : [];
      });
  return {
    text,
    records,
    lines: () => records().filter((r) => typeof r.level === 'string'),
    stop: () => {
      for (const spy of spies) spy.mockRestore();
      keepLevel.mockRestore();
      logger.setLogLevel(level);
    },
  };
};
