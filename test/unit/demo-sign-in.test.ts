import { describe, expect, it } from 'vitest';
import { signInLines } from '../../local/demo';
import { SAMPLE_ORG } from '../../local/sample-org';

describe('the demo left running', () => {
  it('says where the app is and names everyone one can sign in as, managers marked', () => {
    const lines = signInLines('http://localhost:4000', SAMPLE_ORG);

    expect(lines[0]).toContain('http://localhost:4000/');
    const named = lines.slice(2).join(' ');
    for (const person of SAMPLE_ORG) expect(named).toContain(person.name);
    const managerIds = new Set(SAMPLE_ORG.flatMap((p) => (p.managerId ? [p.managerId] : [])));
    const manager = SAMPLE_ORG.find((p) => managerIds.has(p.employeeId));
    const report = SAMPLE_ORG.find((p) => !managerIds.has(p.employeeId));
    expect(named).toContain(`${manager?.name} (manager)`);
    expect(named).not.toContain(`${report?.name} (manager)`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(102);
  });
});
