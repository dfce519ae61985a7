import { reassignRequest } from '../human-steps/reassign';
import { logger } from '../platform/logger';
import { db, type Employee, ignoreConditionFailure } from '../platform/table';
import { approvalRequestId, nominationRequestId } from './start';
import { reviewStepKinds } from './step-kinds';

/**
 * A manager change moves the employee's still-open manager appraisals (and their escalation chain)
 * and nomination steps to the new manager, and their self-assessment's escalation to the manager follows too. Called by
 * every path that writes employees, with the records as they were before the write.
 */
export const followReviewManagers = async (
  before: Map<string, Employee>,
  after: Employee[],
  actor: string,
): Promise<{ moved: string[] }> => {
  const moved: string[] = [];
  const changed = after.filter((e) => {
    const old = before.get(e.employeeId);
    return old !== undefined && (old.managerId ?? 'hr') !== (e.managerId ?? 'hr');
  });
  for (const person of changed) {
    const newManagerId = person.managerId;
    const reviews = (
      await db().review.query.byEmployee({ employeeId: person.employeeId }).go({ pages: 'all' })
    ).data.filter((r) => r.status === 'scheduled' || r.status === 'in-progress');
    for (const r of reviews) {
      if (!r.managerRequestId || !newManagerId) {
        // Not started yet (the review reads the manager when it starts), or now at the top: keep the record true.
        if (newManagerId)
          await db()
            .review.patch({ cycleId: r.cycleId, employeeId: r.employeeId })
            .set({ managerId: newManagerId })
            .go();
        continue;
      }
      const oldManagerId = before.get(person.employeeId)?.managerId ?? 'hr';
      const result = await reassignRequest(
        reviewStepKinds,
        r.managerRequestId,
        newManagerId,
        actor,
        'manager changed',
        oldManagerId,
      );
      if (result.ok && !result.unchanged) moved.push(r.managerRequestId);
      if (!result.ok)
        logger.info('manager appraisal not moved', {
          requestId: r.managerRequestId,
          // The refusal's field and status say why; its message is for the HR API's caller.
          reason: result.refusal.field,
          status: result.refusal.status,
        });
      // The nomination steps with the old manager (the approval, or a nomination the manager makes)
      // follow too; an employee's own nomination is not theirs and stays.
      for (const stepId of [
        nominationRequestId(r.cycleId, r.employeeId),
        approvalRequestId(r.cycleId, r.employeeId),
      ]) {
        const step = await reassignRequest(
          reviewStepKinds,
          stepId,
          newManagerId,
          actor,
          'manager changed',
          oldManagerId,
        );
        if (step.ok && !step.unchanged) moved.push(stepId);
      }
      if (r.selfRequestId) await followSelfEscalation(r.selfRequestId, oldManagerId, newManagerId);
    }
  }
  return { moved };
};

/** The self-assessment's escalations to the manager and skip-level follow the new reporting line. */
const followSelfEscalation = async (requestId: string, oldManagerId: string, newManagerId: string) => {
  const req = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!req || (req.status !== 'open' && req.status !== 'pending')) return;
  const newManager = (await db().employee.get({ employeeId: newManagerId }).go()).data;
  const escalations = req.escalations.map((e) => {
    if (e.role === 'their manager' && e.toId === oldManagerId) return { ...e, toId: newManagerId };
    if (e.role === 'skip-level manager') return { ...e, toId: newManager?.managerId ?? 'hr' };
    return e;
  });
  await db()
    .request.patch({ requestId })
    .set({ escalations })
    .where((a, op) => `${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}`)
    .go()
    .catch(ignoreConditionFailure);
};
