// The queue's many-task routes through the real taskcluster-client: `tasks` and `statuses` of 100 tasks,
// then a group of 50 tasks that a Berth worker is running, sealed (no task joins it any more) and canceled
// (every unresolved task ends exception/canceled).
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials),
// BERTH_TASK_QUEUE (the queue a worker serves), BERTH_TASK_GROUP (the group id to use).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const credentials = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const workerQueue = process.env.BERTH_TASK_QUEUE;
const groupId = process.env.BERTH_TASK_GROUP;
const queue = new taskcluster.Queue({rootUrl, credentials});
const ok = (what) => console.log('ok - ' + what);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function shellTask(taskQueueId, taskGroupId, script) {
  return {
    taskQueueId,
    taskGroupId,
    created: taskcluster.fromNowJSON(),
    deadline: taskcluster.fromNowJSON('1 hour'),
    payload: {image: 'berth-test/busybox:latest', command: ['sh', '-c', script], maxRunTime: 600},
    metadata: {name: 'group', description: 'task-group compatibility', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
  };
}

// Every page of a many-task route, as a caller that follows continuationToken does.
async function allPages(call, taskIds, field) {
  const out = [];
  let continuationToken;
  do {
    const page = await call({taskIds}, continuationToken ? {continuationToken} : {});
    out.push(...page[field]);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return out;
}

async function createAll(taskQueueId, taskGroupId, count, script) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const taskId = taskcluster.slugid();
    await queue.createTask(taskId, shellTask(taskQueueId, taskGroupId, script));
    ids.push(taskId);
  }
  return ids;
}

async function manyTasks() {
  // a queue no worker serves, so all 100 stay pending
  const idleQueue = workerQueue + '-idle';
  const ids = await createAll(idleQueue, taskcluster.slugid(), 100, 'true');
  const statuses = await allPages(queue.statuses.bind(queue), ids, 'statuses');
  assert.deepStrictEqual(statuses.map((s) => s.taskId).sort(), [...ids].sort());
  assert.ok(statuses.every((s) => s.status.state === 'pending' && s.status.taskQueueId === idleQueue));
  ok('statuses of 100 tasks');
  const tasks = await allPages(queue.tasks.bind(queue), ids, 'tasks');
  assert.deepStrictEqual(tasks.map((t) => t.taskId).sort(), [...ids].sort());
  assert.ok(tasks.every((t) => t.task.payload.command[2] === 'true'));
  ok('tasks of 100 tasks');
}

async function sealAndCancel() {
  const ids = await createAll(workerQueue, groupId, 50, 'echo started; sleep 600');
  const group = await queue.getTaskGroup(groupId);
  assert.strictEqual(group.taskGroupId, groupId);
  assert.ok(!group.sealed, 'a new group is not sealed');
  ok('getTaskGroup of an open group');

  // wait until the worker runs some of them
  let running = [];
  for (let i = 0; i < 240 && running.length === 0; i++) {
    const statuses = await allPages(queue.statuses.bind(queue), ids, 'statuses');
    running = statuses.filter((s) => s.status.state === 'running').map((s) => s.taskId);
    if (running.length === 0) await sleep(500);
  }
  assert.ok(running.length > 0, 'the worker started some of the group\'s tasks within 2 minutes');
  ok('the worker runs ' + running.length + ' of the group\'s tasks');

  const sealed = await queue.sealTaskGroup(groupId);
  assert.strictEqual(sealed.taskGroupId, groupId);
  assert.ok(sealed.sealed, 'sealTaskGroup answers with the seal time');
  await assert.rejects(queue.createTask(taskcluster.slugid(), shellTask(workerQueue, groupId, 'true')),
    (err) => err.statusCode === 409);
  ok('no task joins a sealed group (409)');

  const canceled = await queue.cancelTaskGroup(groupId);
  assert.strictEqual(canceled.taskGroupId, groupId);
  assert.strictEqual(canceled.taskGroupSize, 50);
  ok('cancelTaskGroup canceled ' + canceled.cancelledCount + ' tasks');

  const statuses = await allPages(queue.statuses.bind(queue), ids, 'statuses');
  const notCanceled = statuses.filter((s) => {
    const last = s.status.runs[s.status.runs.length - 1];
    return s.status.state !== 'exception' || !last || last.reasonResolved !== 'canceled';
  });
  assert.deepStrictEqual(notCanceled.map((s) => s.taskId + ' ' + s.status.state), []);
  for (const taskId of running) {
    const run0 = statuses.find((s) => s.taskId === taskId).status.runs[0];
    assert.ok(run0.workerId, 'a run that was running names its worker');
  }
  ok('every task of the group is exception/canceled');
  // the Java side checks that the worker stops the containers of the canceled runs
  console.log('running: ' + running.join(' '));
}

async function main() {
  await manyTasks();
  await sealAndCancel();
}

main().catch((err) => {
  console.log('not ok - ' + (err.stack || err));
  process.exit(1);
});
