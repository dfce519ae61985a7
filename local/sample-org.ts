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

const OSLO = 'Europe/Oslo';
const NEW_YORK = 'America/New_York';

const p = (
  employeeId: string,
  name: string,
  title: string,
  level: number,
  department: string,
  timeZone: string,
  managerId?: string,
): Person => ({
  employeeId,
  name,
  email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`,
  title,
  level,
  department,
  timeZone,
  ...(managerId ? { managerId } : {}),
});

export const SAMPLE_ORG: Person[] = [
  p('e01', 'Amara Okafor', 'Chief Executive Officer', 1, 'Leadership', OSLO),
  p('e02', 'Henrik Dahl', 'VP Engineering', 2, 'Engineering', OSLO, 'e01'),
  p('e03', 'Grace Liu', 'VP Customer', 2, 'Customer', NEW_YORK, 'e01'),
  p('e04', 'Ingrid Berg', 'Engineering Manager, Platform', 3, 'Engineering', OSLO, 'e02'),
  p('e05', 'Lars Nilsen', 'Engineering Manager, Mobile', 3, 'Engineering', OSLO, 'e02'),
  p('e06', 'Maria Santos', 'Support Manager', 3, 'Customer', NEW_YORK, 'e03'),
  p('e07', 'David Kim', 'Customer Success Manager', 3, 'Customer', NEW_YORK, 'e03'),
  p('e08', 'Victor Hale', 'Research Lead', 3, 'Customer', NEW_YORK, 'e03'),
  p('e09', 'Sofie Andersen', 'Senior Engineer', 4, 'Engineering', OSLO, 'e04'),
  p('e10', 'Ola Haugen', 'Engineer', 4, 'Engineering', OSLO, 'e04'),
  p('e11', 'Emma Johansen', 'Engineer', 4, 'Engineering', OSLO, 'e04'),
  p('e12', 'Noah Larsen', 'Site Reliability Engineer', 4, 'Engineering', OSLO, 'e04'),
  p('e13', 'Nora Eriksen', 'Senior iOS Engineer', 4, 'Engineering', OSLO, 'e05'),
  p('e14', 'Jakob Solberg', 'Android Engineer', 4, 'Engineering', OSLO, 'e05'),
  p('e15', 'Ella Moe', 'Mobile Engineer', 4, 'Engineering', OSLO, 'e05'),
  p('e16', "Liam O'Brien", 'QA Engineer', 4, 'Engineering', OSLO, 'e05'),
  p('e17', 'Olivia Brown', 'Support Specialist', 4, 'Customer', NEW_YORK, 'e06'),
  p('e18', 'James Wilson', 'Support Specialist', 4, 'Customer', NEW_YORK, 'e06'),
  p('e19', 'Ava Martinez', 'Support Engineer', 4, 'Customer', NEW_YORK, 'e06'),
  p('e20', 'Lucas Garcia', 'Support Specialist', 4, 'Customer', NEW_YORK, 'e06'),
  p('e21', 'Mia Johnson', 'Customer Success Specialist', 4, 'Customer', NEW_YORK, 'e07'),
  p('e22', 'Ethan Davis', 'Account Manager', 4, 'Customer', NEW_YORK, 'e07'),
  p('e23', 'Isabella Lee', 'Onboarding Specialist', 4, 'Customer', NEW_YORK, 'e07'),
  p('e24', 'Samuel Clark', 'User Researcher', 4, 'Customer', NEW_YORK, 'e08'),
];

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
