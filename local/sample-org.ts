import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsvObjects } from '../domain/people/csv';

/** The demo's organisation: 24 people, three levels of management, two time zones. */
export type Person = {
  employeeId: string;
  name: string;
  email: string;
  managerId?: string;
  title: string;
  level: number;
  department: string;
  timeZone: string;
};

/** The HRIS export the demo imports through the CLI, exactly as HR would. */
export const SAMPLE_ORG_CSV = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sample-org.csv');

/** The demo's competency framework and cycle template, applied through the CLI. */
export const CATALOG_YAML = path.join(path.dirname(fileURLToPath(import.meta.url)), 'catalog.yaml');

export const SAMPLE_ORG: Person[] = parseCsvObjects(readFileSync(SAMPLE_ORG_CSV, 'utf8')).map(
  ({ values: v }) => ({
    employeeId: v.employee_id ?? '',
    name: v.name ?? '',
    email: v.email ?? '',
    ...(v.manager_id ? { managerId: v.manager_id } : {}),
    title: v.job_title ?? '',
    level: Number(v.level),
    department: v.department ?? '',
    timeZone: v.time_zone ?? '',
  }),
);

/** Who answers when: most answer when asked, some after a reminder, and one person never does. */
export type Habit = 'prompt' | 'after-reminder' | 'never';
export const HABITS: Record<string, Habit> = {
  e08: 'never',
  e10: 'after-reminder',
  e15: 'after-reminder',
  e19: 'after-reminder',
  e22: 'after-reminder',
  e05: 'after-reminder',
};
export const habitOf = (employeeId: string): Habit => HABITS[employeeId] ?? 'prompt';
