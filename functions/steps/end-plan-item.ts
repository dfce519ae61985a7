import * as z from 'zod';
import { endItem } from '../../domain/plans/follow-up';
import { step } from '../shared/middleware';

export const EndPlanItemInput = z.object({ planId: z.string().min(1), itemId: z.string().min(1) });

/**
 * The last step of an item's workflow (workflows/plan-item.ts): counts the item off its plan, once,
 * and wakes the plan when it was the last. A Lambda of its own: the plan's (follow-plan.ts) starts
 * the items' workflows, so the item's workflow cannot call it without a dependency circle.
 */
export const handler = step(EndPlanItemInput, ({ planId, itemId }) => endItem(planId, itemId));
