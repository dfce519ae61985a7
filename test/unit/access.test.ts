import { describe, expect, it } from 'vitest';
import { canActOn, canRead, groupsOf, principalFrom } from '../../domain/people/access';

describe('principalFrom', () => {
  it('reads the employee and the HR group from HTTP API claims, where groups arrive as "[a b]"', () => {
    expect(principalFrom({ 'custom:employee_id': 'e1', 'cognito:groups': '[staff hr-admin]' })).toEqual({
      employeeId: 'e1',
      hr: true,
    });
  });

  it('reads groups given as an array too', () => {
    expect(principalFrom({ 'custom:employee_id': 'e1', 'cognito:groups': ['hr-admin'] })?.hr).toBe(true);
  });

  it('is no HR admin without the group, however the name looks alike', () => {
    expect(
      principalFrom({ 'custom:employee_id': 'e1', 'cognito:groups': '[hr-admins not-hr-admin]' })?.hr,
    ).toBe(false);
    expect(principalFrom({ 'custom:employee_id': 'e1' })?.hr).toBe(false);
  });

  it('finds no principal in a token that names no employee', () => {
    expect(principalFrom({ 'cognito:groups': '[hr-admin]' })).toBeUndefined();
    expect(principalFrom({ 'custom:employee_id': '' })).toBeUndefined();
    expect(principalFrom(undefined)).toBeUndefined();
  });
});

describe('groupsOf', () => {
  it('splits on spaces and commas and ignores empty groups', () => {
    expect(groupsOf('[a, b  c]')).toEqual(['a', 'b', 'c']);
    expect(groupsOf('[]')).toEqual([]);
    expect(groupsOf(7)).toEqual([]);
  });
});

describe('access rules', () => {
  it('lets the whole reporting line read, but only HR and the direct manager act', () => {
    expect((['hr', 'self', 'direct-manager', 'reporting-line', 'none'] as const).map(canRead)).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect((['hr', 'self', 'direct-manager', 'reporting-line', 'none'] as const).map(canActOn)).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });
});
