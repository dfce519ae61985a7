import { now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { reviewExecution } from '../platform/ids';
import { db } from '../platform/table';
import { type CyclePolicy, PEERS_PER_REVIEW } from './policy';

/*
 * Launching a cycle's reviews: one employee-review execution per participant, a page at a time,
 * under deterministic names, each given a send slot so a large cycle's first emails flow at the
 * send rate.
 */

const LAUNCH_PAGE = 100;

export const LAUNCH_CONCURRENCY = 10;

/**
 * Seconds between two reviews' send slots: each review opens its self-assessment and its peer
 * requests at once, so reviews are spaced to keep those emails at the configured send rate.
 */
export const slotSpacingSeconds = (policy: CyclePolicy | undefined, rate = config.emailSendRate): number =>
  (1 + (policy?.maxPeers ?? PEERS_PER_REVIEW)) / rate;

/**
 * Starts the review executions of one page of participants under deterministic names, so a retried
 * or repeated launch starts each review once. The cursor keeps the cycle's own payload small at any
 * size. Each review is given a send slot (`opensAt`), spaced by `slotSpacingSeconds` from `slotAt`
 * (the previous page's next free slot, or now): a large cycle's first emails then flow at the send
 * rate instead of arriving in one burst that the rate limiter would have to retry away.
 */
export const launchReviews = async (
  cycleId: string,
  cursor: string | null,
  slotAt: string | null = null,
): Promise<{ cursor: string | null; launched: number; nextSlotAt: string }> => {
  const { cycle, review } = db();
  const [page, found] = await Promise.all([
    review.query.byCycle({ cycleId }).go({ cursor, limit: LAUNCH_PAGE }),
    cycle.get({ cycleId }).go(),
  ]);
  const spacingMs = slotSpacingSeconds(found.data?.policy as CyclePolicy | undefined) * 1000;
  const firstSlot = Math.max(now().getTime(), slotAt ? Date.parse(slotAt) : 0);
  // A review taken out of the cycle before the launch (status cancelled) is not started.
  const queue = page.data
    .filter((r) => r.status === 'scheduled' || r.status === 'in-progress')
    .map((r, i) => ({
      employeeId: r.employeeId,
      opensAt: new Date(firstSlot + i * spacingMs).toISOString(),
    }));
  const nextSlotAt = new Date(firstSlot + queue.length * spacingMs).toISOString();
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await startOnce(config.reviewStateMachineArn, reviewExecution(cycleId, next.employeeId), {
        cycleId,
        employeeId: next.employeeId,
        opensAt: next.opensAt,
      });
    }
  };
  await Promise.all(Array.from({ length: LAUNCH_CONCURRENCY }, worker));
  return { cursor: page.cursor, launched: page.data.length, nextSlotAt };
};
