import type { Lifecycle } from '@drehscheibe/domain';

/**
 * The lifecycle as the Markdown tables of docs/integration.md: per status
 * and role the steps that role may take, then per step who takes it and who
 * holds the ticket afterwards. Generated, so docs and GET /v1/lifecycle
 * cannot disagree (test/tooling/lifecycle-docs.test.ts).
 */
export function lifecycleMarkdown(lifecycle: Lifecycle): string {
  const roles = [...new Set(lifecycle.entries.map((e) => e.role))];
  const statuses = [...new Set(lifecycle.entries.map((e) => e.status))];
  const cell = (status: string, role: string) => {
    const entry = lifecycle.entries.find((e) => e.status === status && e.role === role)!;
    return entry.steps.map((s) => `${s.action}: \`${s.operationId}\` → ${s.to}`).join('<br>') || '—';
  };
  const byStatus = [
    `| status | ${roles.join(' | ')} |`,
    `| --- | ${roles.map(() => '---').join(' | ')} |`,
    ...statuses.map((status) => `| ${status} | ${roles.map((role) => cell(status, role)).join(' | ')} |`),
  ];
  const steps = [
    '| step | operation | from | to | taken by | holds the ticket afterwards |',
    '| --- | --- | --- | --- | --- | --- |',
    ...lifecycle.steps.map((s) => `| ${s.action} | \`${s.operationId}\` | ${s.from.join(', ')} | ${s.to} | ${s.by} | ${s.assigneeAfter} |`),
  ];
  return [...byStatus, '', ...steps].join('\n');
}
