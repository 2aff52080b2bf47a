// Drives a running Berth server's auth service with the real taskcluster-client: testAuthenticate and
// testAuthenticateGet with the tester credentials, authenticateHawk for a request "another service" received
// (signed by the hawk package the client itself uses), listRoleIds paging and a refused cloud credential route.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import hawk from 'hawk';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const ok = (what) => console.log('ok - ' + what);

async function main() {
  const tester = new taskcluster.Auth({rootUrl, credentials: {clientId: 'tester', accessToken: 'no-secret'}});
  const t = await tester.testAuthenticate({clientScopes: ['test:a*'], requiredScopes: ['test:abc']});
  assert.strictEqual(t.clientId, 'tester');
  assert.deepStrictEqual(t.scopes, ['assume:anonymous', 'test:a*']);
  ok('testAuthenticate with the tester credentials');

  await assert.rejects(tester.testAuthenticate({clientScopes: ['test:a*'], requiredScopes: ['test:b']}),
    err => err.statusCode === 403);
  ok('testAuthenticate: scopes the tester lacks -> 403');

  const narrowed = new taskcluster.Auth({rootUrl, credentials: {clientId: 'tester', accessToken: 'no-secret'},
    authorizedScopes: ['test:x']});
  await assert.rejects(narrowed.testAuthenticate({clientScopes: ['test:*'], requiredScopes: ['test:y']}),
    err => err.statusCode === 403);
  ok('testAuthenticate honours authorizedScopes');

  const temp = taskcluster.createTemporaryCredentials({credentials: {clientId: 'tester', accessToken: 'no-secret'},
    start: new Date(Date.now() - 60000), expiry: taskcluster.fromNow('1 hour'), scopes: ['test:*']});
  const g = await new taskcluster.Auth({rootUrl, credentials: temp}).testAuthenticateGet();
  assert.deepStrictEqual(g.scopes, ['assume:anonymous', 'test:*']);
  ok('testAuthenticateGet with temporary credentials issued by the tester');

  const signedUrl = tester.buildSignedUrl(tester.testAuthenticateGet);
  const res = await fetch(signedUrl);
  assert.strictEqual(res.status, 200);
  assert.strictEqual((await res.json()).clientId, 'tester');
  ok('testAuthenticateGet through a signed URL (bewit)');

  const auth = new taskcluster.Auth({rootUrl, credentials: root});
  const clientId = 'auth-compat/' + taskcluster.slugid();
  const c = await auth.createClient(clientId, {description: 'auth-compat', expires: taskcluster.fromNow('1 day'),
    scopes: ['widget:read']});
  const url = 'https://widgets.example:8443/api/widgets/v1/widget/7?colour=blue';
  const {header} = hawk.client.header(url, 'GET', {credentials: {id: clientId, key: c.accessToken, algorithm: 'sha256'}});
  const parts = {method: 'get', resource: '/api/widgets/v1/widget/7?colour=blue', host: 'widgets.example', port: 8443};
  const good = await auth.authenticateHawk({...parts, authorization: header});
  assert.strictEqual(good.status, 'auth-success', JSON.stringify(good));
  assert.strictEqual(good.clientId, clientId);
  assert.ok(good.scopes.includes('widget:read'));
  ok('authenticateHawk: a header from the hawk package -> auth-success with the scopes');

  const bad = await auth.authenticateHawk({...parts, port: 8444, authorization: header});
  assert.strictEqual(bad.status, 'auth-failed');
  assert.ok(bad.message);
  ok('authenticateHawk: the wrong port -> auth-failed');

  const ids = [];
  let continuationToken;
  do {
    const page = await auth.listRoleIds({limit: 1, ...(continuationToken ? {continuationToken} : {})});
    ids.push(...page.roleIds);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  assert.ok(ids.includes('anonymous'));
  ok('listRoleIds paged one at a time: ' + ids.length + ' roles');

  await assert.rejects(auth.sentryDSN('proj'), err => err.statusCode === 400 && /does not broker/.test(err.message));
  ok('sentryDSN -> 400 saying Berth does not broker cloud credentials');
  await auth.deleteClient(clientId);
}

main().catch(err => { console.log('not ok - ' + (err.stack || err)); process.exit(1); });
