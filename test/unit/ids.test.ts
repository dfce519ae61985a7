import { describe, expect, it } from 'vitest';
import { executionName, stableId } from '../../domain/platform/ids';

describe('stableId', () => {
  it('derives the same id from the same parts, so a retried step creates the same record', () => {
    expect(stableId('cycle', 'idem-key-1')).toBe(stableId('cycle', 'idem-key-1'));
  });

  it('derives different ids from different parts', () => {
    expect(stableId('cycle', 'idem-key-1')).not.toBe(stableId('cycle', 'idem-key-2'));
    expect(stableId('cycle', 'idem-key-1')).not.toBe(stableId('plan', 'idem-key-1'));
  });

  it('keeps the boundary between parts, so ("ab", "c") and ("a", "bc") differ', () => {
    expect(stableId('ab', 'c')).not.toBe(stableId('a', 'bc'));
  });

  it('is 22 URL-safe characters', () => {
    expect(stableId('anything')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('executionName', () => {
  const ALLOWED = /^[A-Za-z0-9_-]{1,80}$/;

  it('keeps a short name readable, joining its parts with a double dash', () => {
    expect(executionName('cycle', 'c-42')).toBe('cycle--c-42');
  });

  it('replaces characters Step Functions does not allow', () => {
    // Act
    const name = executionName('cycle', 'Q1 review: Åse/Ødegård', 'emp.ada@example.com');

    // Assess
    expect(name).toMatch(ALLOWED);
    expect(name).toBe('cycle--Q1_review___se__deg_rd--emp_ada_example_com');
  });

  it('shortens a long name to at most 80 allowed characters', () => {
    // Act
    const name = executionName('a-very-long-cycle-identifier-'.repeat(4), 'employee with spaces'.repeat(3));

    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(ALLOWED);
  });

  it('keeps a name of exactly 80 characters and shortens one of 81', () => {
    // Prepare
    const eighty = 'x'.repeat(80);

    // Act / Assess
    expect(executionName(eighty)).toBe(eighty);
    expect(executionName(`${eighty}y`).length).toBeLessThanOrEqual(80);
  });

  it('keeps long names that share a prefix apart', () => {
    // Prepare
    const prefix = 'x'.repeat(70);

    // Act
    const first = executionName(prefix, 'employee-1');
    const second = executionName(prefix, 'employee-2');

    // Assess
    expect(first).not.toBe(second);
    expect(executionName(prefix, 'employee-1')).toBe(first);
  });
});
