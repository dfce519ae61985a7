import { agreeToDraft, fetchInbox, itemsIn, submitForm } from '../local/people';
import { SAMPLE_ORG } from '../local/sample-org';
import type { LocalStack } from '../local/stack';
import { resetUsage, usage } from './usage';

/*
 * The cost of development plans, on the demo's organisation after its cycle: every employee with a
 * manager gets one plan of four items, due at three, six, nine and twelve months; each item is done
 * on time (when its reminder a week before arrives) and every check-in is answered when asked.
 * Run once under a policy without check-ins, the plans started at once (what an item costs), and
 * once under the default policy, each plan a draft its owner and their manager agree to first, as a
 * plan drafted at a release is (a check-in every four weeks: what a plan costs a year).
 */

const DAY = 86_400_000;
const ITEM_MONTHS = [3, 6, 9, 12];

/** A policy like the default one without check-ins: what the items alone cost. */
const ITEMS_ONLY_POLICY = {
  kind: 'plan-policy',
  id: 'bench-items-only',
  name: 'Items only (bench)',
  checkIns: { everyDays: 0, answerDays: 5 },
};

export type PlanRun = {
  items: number;
  plans: number;
  transitions: number;
  itemTransitions: number;
  invocations: number;
  gbSeconds: number;
  writeUnits: number;
  readUnits: number;
  emails: number;
  maxHistoryEvents: number;
  realSeconds: number;
};

const hrHeaders = (stack: LocalStack) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${stack.devToken('hr-bench', { hr: true })}`,
});

/**
 * Plans for everyone with a manager under the policy, followed until every plan has closed; under the
 * default policy each is a draft both agree to when asked.
 */
export const runPlanYear = async (
  stack: LocalStack,
  policyId: 'development' | 'items-only',
): Promise<PlanRun> => {
  const started = performance.now();
  const api = stack.urls.api;
  if (policyId === 'items-only') {
    const put = await fetch(`${api}/plan-policies/${ITEMS_ONLY_POLICY.id}`, {
      method: 'PUT',
      headers: hrHeaders(stack),
      body: JSON.stringify(ITEMS_ONLY_POLICY),
    });
    if (!put.ok) throw new Error(`the bench policy was refused: ${put.status}`);
  }
  const before = new Set(stack.sfn.list().map((e) => e.executionArn));
  const stats = { ...stack.lambda.stats };
  resetUsage();
  const owners = SAMPLE_ORG.filter((p) => p.managerId);
  const now = stack.clock?.now().getTime() ?? Date.now();
  const planIds: string[] = [];
  for (const owner of owners) {
    const res = await fetch(`${api}/plans`, {
      method: 'POST',
      headers: hrHeaders(stack),
      body: JSON.stringify({
        ownerId: owner.employeeId,
        title: `Growth plan of ${owner.name}`,
        policyId: policyId === 'items-only' ? ITEMS_ONLY_POLICY.id : 'development',
        draft: policyId === 'development',
        items: ITEM_MONTHS.map((m, i) => ({
          kind: 'practice',
          title: `Development action ${i + 1}`,
          dueAt: new Date(now + m * 30 * DAY).toISOString(),
        })),
      }),
    });
    if (res.status !== 201) throw new Error(`a bench plan was refused: ${res.status}`);
    planIds.push(String(((await res.json()) as { planId: string }).planId));
  }
  // Only what arrived since the last look is read: the inbox holds thousands of emails by the end.
  const handled = new Set<string>();
  let since = Math.floor(now / 1000);
  const running = () =>
    stack.sfn.list().filter((e) => !before.has(e.executionArn) && e.status === 'RUNNING').length;
  for (let rounds = 0; rounds < 200_000; rounds++) {
    await stack.settle();
    const fresh = (await fetchInbox(stack.urls.inbox, since)).filter((e) => !handled.has(e.messageId));
    for (const e of fresh) {
      handled.add(e.messageId);
      since = Math.max(since, e.at);
    }
    const answers: Array<Promise<number>> = [];
    for (const { kind, link } of fresh.flatMap(itemsIn)) {
      if (!link) continue;
      // Done on time: when the first reminder, a week before the due date, arrives.
      if (kind === 'action-item.reminder') answers.push(submitForm(link, { choice: 'done' }));
      if (kind === 'check-in.request') answers.push(submitForm(link, { note: 'On track' }));
      // The drafts' items are all practice: no mentor to name.
      if (kind === 'plan-agreement.request') answers.push(agreeToDraft(link, ''));
    }
    await Promise.all(answers);
    if (fresh.length > 0) continue;
    if (running() === 0) break;
    const step = await stack.advance();
    if (step === 'no-timers') break;
  }
  const executions = stack.sfn.list().filter((e) => !before.has(e.executionArn));
  const items = owners.length * ITEM_MONTHS.length;
  return {
    items,
    plans: planIds.length,
    transitions: executions.reduce((s, e) => s + e.transitions, 0),
    itemTransitions: executions
      .filter((e) => e.input.includes('"itemId"'))
      .reduce((s, e) => s + e.transitions, 0),
    invocations: stack.lambda.stats.invocations - stats.invocations,
    gbSeconds: stack.lambda.stats.gbSeconds - stats.gbSeconds,
    writeUnits: usage.dynamoWriteUnits,
    readUnits: usage.dynamoReadUnits,
    emails: usage.emailsSent,
    maxHistoryEvents: Math.max(...executions.map((e) => e.awsHistoryEvents)),
    realSeconds: (performance.now() - started) / 1000,
  };
};
