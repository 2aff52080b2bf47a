// What a signed-in person may do with a task, and the copy of a task that retrigger and edit-and-create start from.
import { satisfies, credentials } from './api.js';

const PRIORITIES = ['highest', 'very-high', 'high', 'medium', 'low', 'very-low', 'lowest'];

/** What createTask asks of a copy of task (its scopes, routes, project, scheduler and a priority scope). */
export function mayCreate(scopes, task) {
  if (!credentials()) return false;
  const ok = (s) => satisfies(scopes, s);
  const level = PRIORITIES.indexOf(task.priority ?? 'lowest');
  return (task.scopes ?? []).every(ok) && (task.routes ?? []).every((r) => ok(`queue:route:${r}`))
    && ok(`queue:create-task:project:${task.projectId ?? 'none'}`) && ok(`queue:scheduler-id:${task.schedulerId ?? '-'}`)
    && PRIORITIES.slice(0, level + 1).some((p) => ok(`queue:create-task:${p}:${task.taskQueueId}`));
}

/** A copy of task to create under a new id: the same definition, its times moved to now. */
/** May the signed-in person open a task's shell? The server's relay accepts either scope. */
export function mayShell(scopes, taskId) {
  return satisfies(scopes, 'queue:get-artifact:private/docker-worker/shell.html')
    || satisfies(scopes, `berth:shell:${taskId}`);
}

export function retriggered(task) {
  const now = Date.now();
  const created = new Date(task.created).getTime();
  const copy = structuredClone(task);
  delete copy.provisionerId;
  delete copy.workerType;
  copy.created = new Date(now).toISOString();
  copy.deadline = new Date(now + (new Date(task.deadline).getTime() - created)).toISOString();
  copy.expires = new Date(now + (new Date(task.expires).getTime() - created)).toISOString();
  return copy;
}

