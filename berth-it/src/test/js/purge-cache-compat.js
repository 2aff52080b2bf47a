// Drives a running Berth server's purge-cache service with the real taskcluster-client: purgeCache as a
// person holding only purge-cache:<workerPoolId>:<cacheName>, purgeRequests (with since) as a worker holding
// only purge-cache:purge-requests::<workerPoolId>, allPurgeRequests paged, and the scope refusals.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const ok = (what) => console.log('ok - ' + what);

async function clientWith(auth, scopes) {
  const clientId = 'purge-compat/' + taskcluster.slugid();
  const c = await auth.createClient(clientId, {description: 'purge-cache-compat', expires: taskcluster.fromNow('1 day'), scopes});
  return {clientId, accessToken: c.accessToken};
}

async function main() {
  const auth = new taskcluster.Auth({rootUrl, credentials: root});
  const pool = 'compat/w' + taskcluster.slugid().replace(/[^A-Za-z0-9]/g, '').slice(0, 10).toLowerCase();

  const pc = new taskcluster.PurgeCache({rootUrl});
  assert.strictEqual((await pc.ping()).alive, true);
  ok('ping');

  const person = new taskcluster.PurgeCache({rootUrl, credentials: await clientWith(auth, ['purge-cache:' + pool + ':objdir'])});
  await person.purgeCache(pool, {cacheName: 'objdir'});
  ok('purgeCache with purge-cache:<workerPoolId>:<cacheName>');
  await assert.rejects(person.purgeCache(pool, {cacheName: 'other'}), err => err.statusCode === 403);
  ok('purgeCache of another cache -> 403');

  const worker = new taskcluster.PurgeCache({rootUrl,
    credentials: await clientWith(auth, ['purge-cache:purge-requests::' + pool])});
  const {requests} = await worker.purgeRequests(pool);
  assert.strictEqual(requests.length, 1, JSON.stringify(requests));
  const [provisionerId, workerType] = pool.split('/');
  assert.deepStrictEqual(Object.keys(requests[0]).sort(), ['before', 'cacheName', 'provisionerId', 'workerType']);
  assert.strictEqual(requests[0].provisionerId, provisionerId);
  assert.strictEqual(requests[0].workerType, workerType);
  assert.strictEqual(requests[0].cacheName, 'objdir');
  assert.ok(!isNaN(Date.parse(requests[0].before)));
  ok('purgeRequests for the worker pool');

  const later = new Date(Date.parse(requests[0].before) + 1).toJSON();
  assert.strictEqual((await worker.purgeRequests(pool, {since: later})).requests.length, 0);
  assert.strictEqual((await worker.purgeRequests(pool, {since: requests[0].before})).requests.length, 1);
  ok('purgeRequests since');
  await assert.rejects(worker.purgeRequests('compat/elsewhere'), err => err.statusCode === 403);
  ok('purgeRequests of another pool -> 403');

  const admin = new taskcluster.PurgeCache({rootUrl, credentials: root});
  await admin.purgeCache(pool, {cacheName: 'second'});
  const seen = [];
  let continuationToken;
  do {
    const page = await admin.allPurgeRequests({limit: 1, ...(continuationToken ? {continuationToken} : {})});
    seen.push(...page.requests.filter(r => r.provisionerId + '/' + r.workerType === pool).map(r => r.cacheName));
    continuationToken = page.continuationToken;
  } while (continuationToken);
  assert.deepStrictEqual(seen, ['objdir', 'second']);
  ok('allPurgeRequests paged one at a time');
}

main().catch(err => { console.log('not ok - ' + (err.stack || err)); process.exit(1); });
