import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordDeliveryProblem } from '../../domain/mail/bounces';
import { pseudonymise } from '../../domain/people/pseudonymise';
import { db } from '../../domain/platform/table';
import { adasGoal, employee } from '../support/fixtures';
import { removeInterloper, runBeforeSending } from '../support/interloper';
import { type ApiCall, apiAs, hrApi, startTestStack, type TestStack } from '../support/local-stack';

/*
 * HR writes that meet another write on DynamoDB Local: each employee write is made on condition that
 * the record is as it was read, so two edits from one revision give one 200 and one 409, and a
 * bounce flag or an edit that lands between an import's read and its write is kept, the import
 * answering 409 for that person. The other write is made to land in that window by running it just
 * before the SDK sends the first write of the person named.
 */

const START = new Date('2027-06-01T08:00:00Z');

let stack: TestStack;
const api: ApiCall = (...args) => hrApi(stack)(...args);

const stored = async (employeeId: string) =>
  (await db().employee.get({ employeeId }).go({ consistent: true })).data;

type Input = { Item?: Record<string, unknown> };

/**
 * Runs `between` once, just before the first PutItem of `employeeId`'s record is sent: the other
 * write lands after the writer read the record and before it writes it.
 */
const writeBetween = (employeeId: string, between: () => Promise<unknown>) =>
  runBeforeSending((input) => {
    const { Item } = input as Input;
    const entity = Item?.__edb_e__ as { S?: string } | string | undefined;
    const id = Item?.employeeId as { S?: string } | string | undefined;
    return (
      (typeof entity === 'string' ? entity : entity?.S) === 'employee' &&
      (typeof id === 'string' ? id : id?.S) === employeeId
    );
  }, between);

beforeAll(async () => {
  stack = await startTestStack(START);
  const org = [
    employee('ceo'),
    employee('ada', { managerId: 'ceo' }),
    employee('lars', { managerId: 'ceo' }),
  ];
  expect((await api('PUT', '/employees', { employees: org })).status).toBe(200);
});

afterEach(() => {
  removeInterloper();
});

afterAll(async () => {
  await stack?.dispose();
});

describe('concurrent HR writes of employees', () => {
  it('two edits made from one revision: one is written, the other answers 409 and writes nothing', async () => {
    const read = await api('GET', '/employees/ada');
    const revision = (read.body.employee as { revision: number }).revision;
    expect(revision).toBe(1);
    const edits = await Promise.all(
      ['Staff Engineer', 'Principal Engineer'].map((title) =>
        api('PUT', '/employees', { employees: [employee('ada', { managerId: 'ceo', title, revision })] }),
      ),
    );
    expect(edits.map((e) => e.status).sort()).toEqual([200, 409]);
    const refused = edits.find((e) => e.status === 409)?.body ?? {};
    expect(refused).toMatchObject({ title: 'Conflict', employeeIds: ['ada'] });
    const winner = edits.findIndex((e) => e.status === 200);
    expect(await stored('ada')).toMatchObject({
      title: ['Staff Engineer', 'Principal Engineer'][winner],
      revision: 2,
    });
  });

  it('an edit from a revision no longer stored answers 409 naming the person, nothing written', async () => {
    const before = await stored('ada');
    const stale = await api('PUT', '/employees', {
      employees: [employee('lars', { managerId: 'ceo', title: 'Lead' }), employee('ada', { revision: 1 })],
    });
    expect(stale.status).toBe(409);
    expect(stale.body.employeeIds).toEqual(['ada']);
    expect(String(stale.body.detail)).toMatch(/Nothing was written/);
    expect(await stored('ada')).toEqual(before);
    expect((await stored('lars'))?.title).toBe('Engineer');
  });

  it('a bounce flagged between an edit’s read and its write is kept: the edit answers 409', async () => {
    await db()
      .outbox.put({
        key: 'race-bounce',
        kind: 'self-assessment.request',
        toId: 'lars',
        messageId: 'msg-race-1',
        status: 'sent',
        createdAt: START.toISOString(),
      })
      .go();
    writeBetween('lars', () =>
      recordDeliveryProblem({
        type: 'bounce',
        bounceType: 'Permanent',
        messageId: 'msg-race-1',
        recipients: ['lars@example.com'],
        at: START.toISOString(),
      }),
    );
    const edit = await api('PUT', '/employees', {
      employees: [employee('lars', { managerId: 'ceo', title: 'Lead' })],
    });
    expect(edit.status).toBe(409);
    expect(edit.body).toMatchObject({ employeeIds: ['lars'], upserted: 0 });
    expect(await stored('lars')).toMatchObject({
      title: 'Engineer',
      emailProblem: { type: 'bounce', messageId: 'msg-race-1' },
    });
    // Sent again, it is made from the record with the flag, and keeps it: the address is the same.
    const again = await api('PUT', '/employees', {
      employees: [employee('lars', { managerId: 'ceo', title: 'Lead' })],
    });
    expect(again.status).toBe(200);
    expect(await stored('lars')).toMatchObject({ title: 'Lead', emailProblem: { type: 'bounce' } });
  });

  it('an import that meets an edit answers 409 for that person, writes the rest, and writes them when run again', async () => {
    const rows = [
      { employee_id: 'ceo', name: 'Person ceo', email: 'ceo@example.com', job_title: 'CEO' },
      { employee_id: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', job_title: 'Engineer II' },
      { employee_id: 'lars', name: 'Person lars', email: 'lars@example.com', job_title: 'Lead' },
    ].map((r, i) => ({ ...r, manager_id: i === 0 ? '' : 'ceo', level: 3, time_zone: 'UTC' }));
    writeBetween('ada', () =>
      apiAs(stack, 'hr-other', { hr: true })('PUT', '/employees', {
        employees: [employee('ada', { managerId: 'ceo', title: 'Architect' })],
      }),
    );
    const imported = await api('POST', '/org/import', { mode: 'partial', rows });
    expect(imported.status).toBe(409);
    expect(imported.body).toMatchObject({ applied: true, conflicts: ['ada'] });
    expect(await stored('ada')).toMatchObject({ name: 'Person ada', title: 'Architect' });
    expect((await stored('ceo'))?.title).toBe('CEO');
    const again = await api('POST', '/org/import', { mode: 'partial', rows });
    expect(again.status).toBe(200);
    expect(await stored('ada')).toMatchObject({ name: 'Ada Lovelace', title: 'Engineer II' });
  });

  it('a leaver imported back as active while being pseudonymised keeps their name and goals: the pseudonymisation is refused', async () => {
    // Stored before revisions were counted: the first write moves it past the revision read as 1.
    await db()
      .employee.put({ ...employee('ivar', { status: 'left' }), leftAt: '2024-01-02T00:00:00.000Z' })
      .go();
    await db()
      .goal.put(adasGoal({ goalId: 'ivar-goal', ownerId: 'ivar', title: 'Ship the parser' }))
      .go();
    writeBetween('ivar', () =>
      api('PUT', '/employees', { employees: [employee('ivar', { name: 'Ivar Aasen', status: 'active' })] }),
    );
    const result = await pseudonymise('ivar', 'hr-test');
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/run it again/) });
    expect(await stored('ivar')).toMatchObject({ name: 'Ivar Aasen', status: 'active' });
    expect((await stored('ivar'))?.pseudonymisedAt).toBeUndefined();
    expect((await stored('ivar'))?.revision).toBe(2);
    const goal = (await db().goal.get({ goalId: 'ivar-goal' }).go({ consistent: true })).data;
    expect(goal?.title).toBe('Ship the parser');
  });
});

describe('concurrent saves of an aspiration', () => {
  const save = (level: number, revision?: number) =>
    apiAs(stack, 'ada')('PUT', '/employees/ada/aspiration', {
      level,
      ...(revision ? { revision } : {}),
    });

  it('two saves made from one revision: one is written, the other answers 409 with the aspiration as it is', async () => {
    expect((await save(4)).status).toBe(200);
    const saves = await Promise.all([save(5, 1), save(6, 1)]);
    expect(saves.map((s) => s.status).sort()).toEqual([200, 409]);
    const refused = saves.find((s) => s.status === 409)?.body ?? {};
    const won = saves.find((s) => s.status === 200)?.body.aspiration as { level: number };
    expect(refused).toMatchObject({ aspiration: { level: won.level, revision: 2 } });
    const now = (await db().aspiration.get({ employeeId: 'ada' }).go({ consistent: true })).data;
    expect(now).toMatchObject({ level: won.level, revision: 2 });
  });
});
