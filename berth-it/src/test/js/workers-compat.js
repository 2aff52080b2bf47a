// Drives a running Berth server's worker metadata routes with the real taskcluster-client: declareWorkerType,
// declareProvisioner and declareWorker, their get/list routes, listTaskQueues/getTaskQueue, listPendingTasks and
// listClaimedTasks around a claim, then quarantineWorker: the quarantined worker's claimWork gets no task while
// another worker's does, and once the quarantine is lifted it claims again.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import crypto from 'crypto';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const ok = (what) => console.log('ok - ' + what);

function taskDef(taskQueueId) {
  return {
    taskQueueId, schedulerId: '-', taskGroupId: taskcluster.slugid(),
    created: new Date().toJSON(), deadline: taskcluster.fromNow('1 hour').toJSON(),
    payload: {},
    metadata: {name: 'workers-compat', description: 'worker metadata routes', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
  };
}

/** Every item of a paged listing, one item a page. */
async function all(call, field) {
  const items = [];
  let continuationToken;
  do {
    const page = await call({limit: 1, ...(continuationToken ? {continuationToken} : {})});
    items.push(...page[field]);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return items;
}

async function main() {
  const queue = new taskcluster.Queue({rootUrl, credentials: root});
  const provisionerId = 'wc-' + crypto.randomBytes(6).toString('hex');
  const workerType = 'w' + crypto.randomBytes(6).toString('hex');
  const taskQueueId = `${provisionerId}/${workerType}`;

  const type = await queue.declareWorkerType(provisionerId, workerType, {description: 'compat machines', stability: 'stable'});
  assert.strictEqual(type.taskQueueId, taskQueueId);
  assert.strictEqual(type.description, 'compat machines');
  assert.deepStrictEqual(type.actions, []);
  const prov = await queue.declareProvisioner(provisionerId, {description: 'compat provisioner', stability: 'experimental'});
  assert.strictEqual(prov.description, 'compat provisioner');
  const sick = await queue.declareWorker(provisionerId, workerType, 'compat', 'sick', {expires: taskcluster.fromNow('1 day')});
  assert.strictEqual(sick.workerId, 'sick');
  assert.deepStrictEqual(sick.recentTasks, []);
  ok('declareWorkerType, declareProvisioner, declareWorker');

  assert.strictEqual((await queue.getProvisioner(provisionerId)).stability, 'experimental');
  assert.ok((await all(q => queue.listProvisioners(q), 'provisioners')).some(p => p.provisionerId === provisionerId));
  assert.strictEqual((await queue.getWorkerType(provisionerId, workerType)).stability, 'stable');
  const types = await queue.listWorkerTypes(provisionerId);
  assert.deepStrictEqual(types.workerTypes.map(t => t.workerType), [workerType]);
  assert.strictEqual((await queue.getTaskQueue(taskQueueId)).description, 'compat machines');
  assert.ok((await all(q => queue.listTaskQueues(q), 'taskQueues')).some(t => t.taskQueueId === taskQueueId));
  ok('getProvisioner, listProvisioners (paged), getWorkerType, listWorkerTypes, getTaskQueue, listTaskQueues (paged)');

  const t1 = taskcluster.slugid();
  const t2 = taskcluster.slugid();
  await queue.createTask(t1, taskDef(taskQueueId));
  await queue.createTask(t2, taskDef(taskQueueId));
  const first = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'healthy', tasks: 1});
  assert.deepStrictEqual(first.tasks.map(t => t.status.taskId), [t1]);
  const pending = await queue.listPendingTasks(taskQueueId);
  assert.deepStrictEqual(pending.tasks.map(t => [t.taskId, t.runId]), [[t2, 0]]);
  assert.ok(pending.tasks[0].inserted && pending.tasks[0].task.metadata.name === 'workers-compat');
  const claimed = await queue.listClaimedTasks(taskQueueId);
  assert.deepStrictEqual(claimed.tasks.map(t => [t.taskId, t.workerGroup, t.workerId]), [[t1, 'compat', 'healthy']]);
  ok('listPendingTasks and listClaimedTasks around a claim');

  const workers = await all(q => queue.listWorkers(provisionerId, workerType, q), 'workers');
  assert.deepStrictEqual(workers.map(w => w.workerId), ['healthy', 'sick']);
  assert.deepStrictEqual(workers[0].latestTask, {taskId: t1, runId: 0});
  const healthy = await queue.getWorker(provisionerId, workerType, 'compat', 'healthy');
  assert.deepStrictEqual(healthy.recentTasks, [{taskId: t1, runId: 0}]);
  assert.ok(healthy.firstClaim && healthy.lastDateActive);
  ok('listWorkers (paged) and getWorker show the claim');

  // a short quarantine: the quarantined worker's claimWork is held (as Taskcluster holds it) until it ends, then empty
  const q = await queue.quarantineWorker(provisionerId, workerType, 'compat', 'sick',
    {quarantineUntil: taskcluster.fromNow('4 seconds'), quarantineInfo: 'workers-compat'});
  assert.ok(new Date(q.quarantineUntil) > new Date());
  assert.strictEqual(q.quarantineDetails[0].quarantineInfo, 'workers-compat');
  assert.strictEqual(q.quarantineDetails[0].clientId, root.clientId);
  const held = await queue.listWorkers(provisionerId, workerType, {quarantined: 'true'});
  assert.deepStrictEqual(held.workers.map(w => w.workerId), ['sick']);
  ok('quarantineWorker records until, who and why; listWorkers filters quarantined workers');

  const [sickClaim, healthyClaim] = await Promise.all([
    queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'sick', tasks: 1}),
    new Promise(resolve => setTimeout(resolve, 500))
      .then(() => queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'healthy', tasks: 1})),
  ]);
  assert.deepStrictEqual(sickClaim.tasks, []);
  assert.deepStrictEqual(healthyClaim.tasks.map(t => t.status.taskId), [t2]);
  ok('a quarantined worker gets no task while another worker gets it');

  await queue.quarantineWorker(provisionerId, workerType, 'compat', 'sick', {quarantineUntil: taskcluster.fromNow('1 hour')});
  const lifted = await queue.quarantineWorker(provisionerId, workerType, 'compat', 'sick',
    {quarantineUntil: new Date().toJSON(), quarantineInfo: 'lifted'});
  assert.strictEqual(lifted.quarantineDetails.length, 3);
  const t3 = taskcluster.slugid();
  await queue.createTask(t3, taskDef(taskQueueId));
  const again = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'sick', tasks: 1});
  assert.deepStrictEqual(again.tasks.map(t => t.status.taskId), [t3]);
  ok('lifting the quarantine lets the worker claim again');
}

main().catch(err => { console.log('not ok - ' + (err.stack || err)); process.exit(1); });
