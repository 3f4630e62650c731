import { MATRIX, PURPOSE_INFO, type Permission } from '../kernel/permissions.js';

/** The OpenAPI description line of a /v1 operation: its permission and the purposes holding it (from the matrix). */
export function permissionDoc(permission: Permission, text?: string): string {
  const holders = MATRIX[permission].map((p) => `${PURPOSE_INFO[p].label} (\`${p}\`)`).join(', ');
  const line = `**Permission:** \`${permission}\` — held by keys with purpose ${holders}. Other keys get 403 \`permission_denied\`.`;
  return text ? `${text}\n\n${line}` : line;
}

/** The security requirement of every key-authenticated /v1 operation. */
export const KEY_SECURITY: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKeyHeader: [] }];

/** Route options for a /v1 operation: permission in config plus the documented description. */
export function v1Route(permission: Permission, tags: string[], summary: string, description?: string) {
  return {
    config: { permission },
    schema: { tags, summary, description: permissionDoc(permission, description), security: KEY_SECURITY },
  };
}
