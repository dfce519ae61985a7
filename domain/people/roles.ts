/** Names shared by the Cognito user pool (infra) and the API's authorization (domain/people/access.ts). */
export const HR_GROUP = 'hr-admin';
export const EMPLOYEE_CLAIM = 'custom:employee_id';
