/** Names shared by the Cognito user pool (infra) and the API's authorization (domain/auth.ts). */
export const HR_GROUP = 'hr-admin';
export const EMPLOYEE_CLAIM = 'custom:employee_id';
