import { z } from 'zod';
import { armCalibration, armRelease, checkRelease } from '../../domain/phases';
import { step } from '../shared/middleware';

const review = { cycleId: z.string().min(1), employeeId: z.string().min(1) };

export const ReviewGateInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('arm-calibration'), ...review, taskToken: z.string().min(1) }),
  z.object({ action: z.literal('arm-release'), ...review, taskToken: z.string().min(1) }),
  z.object({ action: z.literal('check-release'), ...review }),
]);

/**
 * The review's waits on HR: park until HR calibrates (or the calibration date), and until the
 * results are released (checked at the acknowledgment's due date, when HR is told, and its close).
 */
export const handler = step(ReviewGateInput, async (input) => {
  if (input.action === 'arm-calibration') {
    await armCalibration(input.cycleId, input.employeeId, input.taskToken);
    return { armed: true };
  }
  if (input.action === 'arm-release') {
    await armRelease(input.cycleId, input.employeeId, input.taskToken);
    return { armed: true };
  }
  return checkRelease(input.cycleId, input.employeeId);
});
