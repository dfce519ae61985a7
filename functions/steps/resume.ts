import { answerWait, ResumeInput } from '../../domain/platform/wait-tokens';
import { step } from '../shared/middleware';

export { ResumeInput };

/**
 * Completes or wakes a waiting workflow whose token the table keeps, for the functions that may not
 * answer task tokens themselves (domain/platform/wait-tokens.ts resumeWait). Invoked synchronously.
 */
export const handler = step(ResumeInput, answerWait);
