// Berth's index service through the real taskcluster-client's Index class: insertTask, findTask, listNamespaces,
// listTasks (paged), findTasksAtIndex, findArtifactFromTask (signed URL, redirect followed), deleteTask, a
// 403 for a client without the scope, and a task indexed under its index route when it completes.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const credentials = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const index = new taskcluster.Index({rootUrl, credentials});
const queue = new taskcluster.Queue({rootUrl, credentials});
const auth = new taskcluster.Auth({rootUrl, credentials});
const ok = (what) => console.log('ok - ' + what);
const ns = 'compat' + taskcluster.slugid().replace(/[^a-zA-Z0-9]/g, '').toLowerCase();

async function main() {
  const taskId = taskcluster.slugid();
  const expires = taskcluster.fromNowJSON('2 days');
  const inserted = await index.insertTask(`${ns}.app.v1.latest`, {taskId, rank: 5, data: {revision: 'abc'}, expires});
  assert.strictEqual(inserted.namespace, `${ns}.app.v1.latest`);
  const found = await index.findTask(`${ns}.app.v1.latest`);
  assert.strictEqual(found.taskId, taskId);
  assert.strictEqual(found.rank, 5);
  assert.deepStrictEqual(found.data, {revision: 'abc'});
  ok('insertTask then findTask');

  const lower = await index.insertTask(`${ns}.app.v1.latest`, {taskId: taskcluster.slugid(), rank: 4, data: {}, expires});
  assert.strictEqual(lower.taskId, taskId, 'a lower rank keeps the stored entry');
  ok('a lower rank is answered with the stored entry');

  const rootSpaces = await index.listNamespaces('', {});
  assert.ok(rootSpaces.namespaces.some((n) => n.name === ns));
  const spaces = await index.listNamespaces(`${ns}.app`, {});
  assert.deepStrictEqual(spaces.namespaces.map((n) => n.namespace), [`${ns}.app.v1`]);
  ok('listNamespaces at the root and below');

  for (let i = 0; i < 7; i++) {
    await index.insertTask(`${ns}.many.t${i}`, {taskId: taskcluster.slugid(), rank: i, data: {}, expires});
  }
  const names = [];
  let continuationToken;
  do {
    const page = await index.listTasks(`${ns}.many`, continuationToken ? {limit: 3, continuationToken} : {limit: 3});
    assert.ok(page.tasks.length <= 3);
    names.push(...page.tasks.map((t) => t.namespace));
    continuationToken = page.continuationToken;
  } while (continuationToken);
  assert.deepStrictEqual(names, [0, 1, 2, 3, 4, 5, 6].map((i) => `${ns}.many.t${i}`));
  ok('listTasks paged by 3');

  const at = await index.findTasksAtIndex({indexes: [`${ns}.many.t1`, `${ns}.nothing`, `${ns}.app.v1.latest`]});
  assert.deepStrictEqual(at.tasks.map((t) => t.namespace), [`${ns}.many.t1`, `${ns}.app.v1.latest`]);
  ok('findTasksAtIndex');

  // a task with an index route, run and completed through the queue, is indexed when it completes
  const taskQueueId = 'compat/i' + Math.floor(Math.random() * 1e9);
  const built = taskcluster.slugid();
  await queue.createTask(built, {
    taskQueueId, created: taskcluster.fromNowJSON(), deadline: taskcluster.fromNowJSON('1 hour'),
    routes: [`index.${ns}.build.latest`], extra: {index: {rank: 42, data: {by: 'route'}}},
    payload: {}, metadata: {name: 'index', description: 'index compat', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
  });
  const claim = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'w1', tasks: 1});
  assert.strictEqual(claim.tasks.length, 1);
  const worker = new taskcluster.Queue({rootUrl, credentials: claim.tasks[0].credentials});
  const art = await worker.createArtifact(built, 0, 'private/result.txt', {storageType: 's3', contentType: 'text/plain', expires});
  const put = await fetch(art.putUrl, {method: 'PUT', body: 'built bytes', headers: {'content-type': 'text/plain'}});
  assert.strictEqual(put.status, 200);
  await worker.finishArtifact(built, 0, 'private/result.txt', {});
  await worker.reportCompleted(built, 0);
  const byRoute = await index.findTask(`${ns}.build.latest`);
  assert.strictEqual(byRoute.taskId, built);
  assert.strictEqual(byRoute.rank, 42);
  assert.deepStrictEqual(byRoute.data, {by: 'route'});
  ok('a completed task is indexed under its index route');

  const signed = index.buildSignedUrl(index.findArtifactFromTask, `${ns}.build.latest`, 'private/result.txt');
  const got = await fetch(signed);
  assert.strictEqual(got.status, 200, 'the signed findArtifactFromTask URL leads to the bytes');
  assert.strictEqual(await got.text(), 'built bytes');
  ok('findArtifactFromTask through a signed URL');

  const limitedId = `compat/${ns}-reader`;
  const limited = await auth.createClient(limitedId, {
    description: 'index compat reader', expires: taskcluster.fromNowJSON('1 hour'), scopes: [`index:find-task:${ns}.*`],
  });
  const reader = new taskcluster.Index({rootUrl, credentials: {clientId: limitedId, accessToken: limited.accessToken}});
  await assert.rejects(reader.insertTask(`${ns}.app.v2`, {taskId, rank: 0, data: {}, expires}),
    (err) => err.statusCode === 403 && /index:insert-task:/.test(err.message));
  ok('insertTask without the scope is 403 naming it');

  await index.deleteTask(`${ns}.app.v1.latest`);
  await assert.rejects(index.findTask(`${ns}.app.v1.latest`), (err) => err.statusCode === 404);
  ok('deleteTask');
}

main().catch((err) => {
  console.log('not ok - ' + (err.stack || err));
  process.exit(1);
});
