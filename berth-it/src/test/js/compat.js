// Drives a running Berth server with the real taskcluster-client: Hawk-signed createTask, claimWork
// (and its temporary credentials), reclaim, reportCompleted, status, and a 403 for scopes the creator lacks.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
let checks = 0;
const ok = (what) => { checks++; console.log('ok - ' + what); };

function taskDef(taskQueueId, extra = {}) {
  return {
    taskQueueId,
    created: taskcluster.fromNowJSON(),
    deadline: taskcluster.fromNowJSON('1 hour'),
    payload: {image: 'berth-test/busybox:latest', command: ['true'], maxRunTime: 60},
    metadata: {name: 'compat', description: 'taskcluster-client compatibility', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
    ...extra,
  };
}

async function main() {
  const queue = new taskcluster.Queue({rootUrl, credentials: root});
  const auth = new taskcluster.Auth({rootUrl, credentials: root});
  const taskQueueId = 'compat/w' + Math.floor(Math.random() * 1e9);

  const ping = await queue.ping();
  assert.strictEqual(ping.alive, true);
  ok('ping');

  const taskId = taskcluster.slugid();
  const created = await queue.createTask(taskId, taskDef(taskQueueId));
  assert.strictEqual(created.status.state, 'pending');
  assert.strictEqual(created.status.taskId, taskId);
  ok('createTask with Hawk credentials -> pending');

  const again = await queue.createTask(taskId, (await queue.task(taskId)));
  assert.strictEqual(again.status.taskId, taskId);
  ok('createTask is idempotent for the same definition');

  const claim = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'w1', tasks: 1});
  assert.strictEqual(claim.tasks.length, 1);
  const c = claim.tasks[0];
  assert.strictEqual(c.status.taskId, taskId);
  assert.strictEqual(c.runId, 0);
  assert.strictEqual(c.status.state, 'running');
  assert.ok(c.credentials && c.credentials.certificate, 'claim carries temporary credentials');
  ok('claimWork claims it');

  // The worker acts with the temporary credentials the claim handed out.
  const workerQueue = new taskcluster.Queue({rootUrl, credentials: c.credentials});
  const reclaimed = await workerQueue.reclaimTask(taskId, 0);
  assert.ok(new Date(reclaimed.takenUntil) >= new Date(c.takenUntil));
  ok('reclaimTask with the claim\'s temporary credentials');

  const done = await workerQueue.reportCompleted(taskId, 0);
  assert.strictEqual(done.status.state, 'completed');
  ok('reportCompleted');

  const status = await queue.status(taskId);
  assert.strictEqual(status.status.state, 'completed');
  assert.strictEqual(status.status.runs[0].reasonResolved, 'completed');
  ok('status reads completed');

  // A client that may create tasks on the queue but holds no other scopes.
  const limitedId = 'compat-limited-' + Math.floor(Math.random() * 1e9);
  const limited = await auth.createClient(limitedId, {
    description: 'may create tasks but holds no task scopes',
    expires: taskcluster.fromNowJSON('1 hour'),
    scopes: ['queue:create-task:lowest:' + taskQueueId, 'queue:scheduler-id:-', 'queue:create-task:project:none'],
  });
  const limitedQueue = new taskcluster.Queue({rootUrl, credentials: {clientId: limitedId, accessToken: limited.accessToken}});
  const fine = await limitedQueue.createTask(taskcluster.slugid(), taskDef(taskQueueId));
  assert.strictEqual(fine.status.state, 'pending');
  ok('a limited client creates a task within its scopes');
  try {
    await limitedQueue.createTask(taskcluster.slugid(), taskDef(taskQueueId, {scopes: ['secrets:get:production']}));
    assert.fail('createTask should have been refused');
  } catch (err) {
    assert.strictEqual(err.statusCode, 403, 'expected 403, got ' + err.statusCode + ' ' + err.message);
    ok('createTask with scopes beyond the creator\'s -> 403');
  }

  try {
    await new taskcluster.Queue({rootUrl, credentials: {clientId: limitedId, accessToken: 'wrong-token-wrong-token-wrong-token-wrong-x'}}).createTask(taskcluster.slugid(), taskDef(taskQueueId));
    assert.fail('a bad token should be refused');
  } catch (err) {
    assert.strictEqual(err.statusCode, 401, 'expected 401, got ' + err.statusCode);
    ok('a wrong access token -> 401');
  }

  const current = await auth.currentScopes();
  assert.ok(current.scopes.includes('*'));
  ok('auth.currentScopes for root');

  console.log(checks + ' passed, 0 failed');
}

main().catch((err) => {
  console.error('not ok - ' + (err.stack || err));
  process.exit(1);
});
