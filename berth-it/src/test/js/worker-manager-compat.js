// Drives a running Berth server's worker-manager service with the real taskcluster-client: a docker pool created,
// read, updated, listed (paged) and deleted; its workers created, listed, counted and removed; an error reported by
// a worker holding only its own assume: scopes, listed and counted; registration refused with the reason; and the
// scope and config refusals. Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const ok = (what) => console.log('ok - ' + what);

async function clientWith(auth, scopes) {
  const clientId = 'wm-compat/' + taskcluster.slugid();
  const c = await auth.createClient(clientId, {description: 'worker-manager-compat', expires: taskcluster.fromNow('1 day'), scopes});
  return {clientId, accessToken: c.accessToken};
}

const definition = (maxCapacity) => ({
  providerId: 'docker',
  description: 'worker-manager-compat pool',
  owner: 'ops@example.com',
  emailOnError: false,
  config: {dockerHosts: ['unix:///var/run/docker.sock'], image: 'berth/worker:latest', maxCapacity, idleTimeout: 60},
});

async function main() {
  const auth = new taskcluster.Auth({rootUrl, credentials: root});
  const suffix = taskcluster.slugid().replace(/[^A-Za-z0-9]/g, '').slice(0, 10).toLowerCase();
  const pool = 'compat/wm' + suffix;
  const [provisionerId, workerType] = pool.split('/');

  const wmAnon = new taskcluster.WorkerManager({rootUrl});
  assert.strictEqual((await wmAnon.ping()).alive, true);
  ok('ping');

  const manager = new taskcluster.WorkerManager({rootUrl, credentials: await clientWith(auth,
    ['worker-manager:manage-worker-pool:compat/*', 'worker-manager:provider:docker', 'worker-manager:get-worker-pool:compat/*',
      'worker-manager:list-worker-pools', 'worker-manager:list-providers'])});
  const {providers} = await manager.listProviders();
  assert.deepStrictEqual(providers, [{providerId: 'docker', providerType: 'docker'}]);
  ok('listProviders answers docker');

  const created = await manager.createWorkerPool(pool, definition(3));
  assert.strictEqual(created.workerPoolId, pool);
  assert.strictEqual(created.providerId, 'docker');
  assert.strictEqual(created.config.maxCapacity, 3);
  assert.strictEqual(created.currentCapacity, 0);
  assert.ok(!isNaN(Date.parse(created.created)));
  ok('createWorkerPool');
  await assert.rejects(manager.createWorkerPool(pool, definition(3)), err => err.statusCode === 409);
  ok('createWorkerPool again -> 409');
  const badConfig = definition(1);
  badConfig.config.hostConfig = {privileged: true};
  await assert.rejects(manager.createWorkerPool('compat/bad' + suffix, badConfig),
    err => err.statusCode === 400 && /privileged/.test(err.message));
  ok('createWorkerPool with a hostConfig field off the whitelist -> 400 naming it');
  const noProvider = new taskcluster.WorkerManager({rootUrl, credentials: await clientWith(auth,
    ['worker-manager:manage-worker-pool:' + pool])});
  await assert.rejects(noProvider.updateWorkerPool(pool, definition(5)),
    err => err.statusCode === 403 && /worker-manager:provider:docker/.test(err.message));
  ok('updateWorkerPool without worker-manager:provider:docker -> 403');

  const read = await manager.workerPool(pool);
  const {workerPoolId, providerId, description, config, owner, emailOnError, created: c2, lastModified} = read;
  const updated = await manager.updateWorkerPool(pool,
    {workerPoolId, providerId, description, owner, emailOnError, created: c2, lastModified, config: {...config, maxCapacity: 5}});
  assert.strictEqual(updated.config.maxCapacity, 5);
  assert.strictEqual((await manager.workerPool(pool)).config.maxCapacity, 5);
  ok('workerPool read back, changed and written with updateWorkerPool');

  await manager.createWorkerPool(pool + '-b', definition(1));
  const seen = [];
  let continuationToken;
  do {
    const page = await manager.listWorkerPools({limit: 1, ...(continuationToken ? {continuationToken} : {})});
    seen.push(...page.workerPools.map(p => p.workerPoolId).filter(id => id.startsWith(pool)));
    continuationToken = page.continuationToken;
  } while (continuationToken);
  assert.deepStrictEqual(seen, [pool, pool + '-b']);
  ok('listWorkerPools paged one at a time');

  const expires = taskcluster.fromNow('1 hour');
  const w = await new taskcluster.WorkerManager({rootUrl, credentials: root}).createWorker(pool, 'local', 'w1', {expires});
  assert.strictEqual(w.state, 'requested');
  assert.strictEqual(w.capacity, 1);
  const admin = new taskcluster.WorkerManager({rootUrl, credentials: root});
  await admin.createWorker(pool, 'local', 'w2', {expires, capacity: 2});
  const stats = await admin.workerPoolStats(pool);
  assert.strictEqual(stats.launchConfigStats[0].requestedCount, 2);
  assert.strictEqual(stats.launchConfigStats[0].requestedCapacity, 3);
  const all = await admin.listWorkerPoolsStats();
  assert.strictEqual(all.workerPoolsStats.find(s => s.workerPoolId === pool).requestedCapacity, 3);
  ok('createWorker; workerPoolStats and listWorkerPoolsStats count them');

  const listed = await admin.listWorkersForWorkerPool(pool);
  assert.deepStrictEqual(listed.workers.map(x => x.workerId), ['w1', 'w2']);
  assert.strictEqual((await admin.listWorkersForWorkerGroup(pool, 'local', {limit: 1})).workers.length, 1);
  assert.strictEqual((await admin.worker(pool, 'local', 'w2')).capacity, 2);
  assert.strictEqual((await admin.listWorkers(provisionerId, workerType)).workers.length, 2);
  const asQueue = await admin.getWorker(provisionerId, workerType, 'local', 'w1');
  assert.strictEqual(asQueue.state, 'requested');
  assert.deepStrictEqual(asQueue.recentTasks, []);
  assert.deepStrictEqual((await admin.listWorkerPoolLaunchConfigs(pool)).workerPoolLaunchConfigs, []);
  ok('listWorkersForWorkerPool, listWorkersForWorkerGroup, worker, listWorkers, getWorker, listWorkerPoolLaunchConfigs');

  const updatedWorker = await admin.updateWorker(pool, 'local', 'w2', {expires, capacity: 4});
  assert.strictEqual(updatedWorker.capacity, 4);
  await admin.removeWorker(pool, 'local', 'w1');
  assert.strictEqual((await admin.worker(pool, 'local', 'w1')).state, 'stopping');
  ok('updateWorker; removeWorker marks it stopping');

  const workerCreds = await clientWith(auth, ['assume:worker-pool:' + pool, 'assume:worker-id:local/w2']);
  const asWorker = new taskcluster.WorkerManager({rootUrl, credentials: workerCreds});
  const report = {workerGroup: 'local', workerId: 'w2', kind: 'worker-error', title: 'engine away',
    description: 'cannot reach the Docker engine', extra: {attempt: 1}};
  const e = await asWorker.reportWorkerError(pool, report);
  assert.strictEqual(e.extra.workerId, 'w2');
  await assert.rejects(asWorker.reportWorkerError(pool, {...report, workerId: 'w1'}), err => err.statusCode === 403);
  const {workerPoolErrors} = await admin.listWorkerPoolErrors(pool);
  assert.deepStrictEqual(workerPoolErrors.map(x => x.errorId), [e.errorId]);
  const errorStats = await admin.workerPoolErrorStats({workerPoolId: pool});
  assert.strictEqual(errorStats.totals.total, 1);
  assert.strictEqual(errorStats.totals.code['worker-error'], 1);
  ok('reportWorkerError as the worker itself; listWorkerPoolErrors; workerPoolErrorStats');

  await assert.rejects(wmAnon.registerWorker({workerPoolId: pool, providerId: 'docker', workerGroup: 'local', workerId: 'w2',
    workerIdentityProof: {}}), err => err.statusCode === 400 && /provisioner/.test(err.message));
  ok('registerWorker -> 400 saying the provisioner gives docker workers their credentials');

  const deleted = await manager.deleteWorkerPool(pool);
  assert.strictEqual(deleted.providerId, 'null-provider');
  assert.strictEqual((await admin.worker(pool, 'local', 'w2')).state, 'stopping');
  await assert.rejects(admin.createWorker(pool, 'local', 'w3', {expires}), err => err.statusCode === 409);
  await manager.deleteWorkerPool(pool + '-b');
  ok('deleteWorkerPool marks it null-provider and its workers stop');
}

main().catch(err => { console.log('not ok - ' + (err.stack || err)); process.exit(1); });
