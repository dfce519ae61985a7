import { DEMO_START } from '../local/demo';
import type { FaultOptions } from '../local/faults';
import { type LocalStack, startStack } from '../local/stack';
import { meterUsage } from './usage';

/** The bench's stack: ephemeral ports, the simulated clock from the demo's start, the meter attached. */
export const benchStack = (dataDir: string, faults?: FaultOptions): Promise<LocalStack> => {
  meterUsage();
  return startStack({
    ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8400 + Math.floor(Math.random() * 500) },
    dataDir,
    simulatedStart: DEMO_START,
    ...(faults ? { faults } : {}),
  });
};
