// Drives a running Berth server's audit history with the real taskcluster-client: a client created, updated,
// given a new access token, disabled, enabled, deleted and created again, and a role created, updated and
// deleted, each by a known client; getEntityHistory (paged) and listAuditHistory show who did what and when,
// and a caller without the scopes gets 403.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
const ok = (what) => console.log('ok - ' + what);
const FIELDS = ['actionType', 'clientId', 'created', 'entityId', 'entityType'];

/** Every entry of an entity's history, two per page, each checked to carry exactly Taskcluster's fields. */
async function history(auth, entityType, entityId) {
  const all = [];
  let continuationToken;
  do {
    const page = await auth.getEntityHistory(entityType, entityId, {limit: 2, ...(continuationToken ? {continuationToken} : {})});
    for (const e of page.auditHistory) {
      assert.deepStrictEqual(Object.keys(e).sort(), FIELDS);
      assert.strictEqual(e.entityType, entityType);
      assert.strictEqual(e.entityId, entityId);
      assert.ok(!Number.isNaN(Date.parse(e.created)), e.created);
    }
    all.push(...page.auditHistory);
    continuationToken = page.continuationToken;
    if (continuationToken) assert.strictEqual(page.auditHistory.length, 2);
  } while (continuationToken);
  for (let i = 1; i < all.length; i++) assert.ok(Date.parse(all[i - 1].created) <= Date.parse(all[i].created));
  return all;
}

const who = (entries) => entries.map(e => e.clientId + ' ' + e.actionType);

async function main() {
  const auth = new taskcluster.Auth({rootUrl, credentials: root});
  const run = taskcluster.slugid();
  const adminId = `audit-compat/${run}/admin`;
  const subjectId = `audit-compat/${run}/subject`;
  const roleId = `audit-compat:${run}`;
  const admin = await auth.createClient(adminId, {description: 'audit-compat admin', expires: taskcluster.fromNow('1 day'),
    scopes: [`auth:update-client:audit-compat/${run}/*`, `auth:disable-client:audit-compat/${run}/*`,
      `auth:enable-client:audit-compat/${run}/*`, `auth:create-role:audit-compat:${run}`,
      `auth:update-role:audit-compat:${run}`, `auth:delete-role:audit-compat:${run}`, 'widget:*']});
  const asAdmin = new taskcluster.Auth({rootUrl, credentials: {clientId: adminId, accessToken: admin.accessToken}});
  const tokens = [admin.accessToken];

  const subject = await auth.createClient(subjectId, {description: 'audit-compat subject', expires: taskcluster.fromNow('1 day'),
    scopes: [`auth:reset-access-token:${subjectId}`]});
  tokens.push(subject.accessToken);
  await asAdmin.updateClient(subjectId, {description: 'changed', expires: taskcluster.fromNow('2 days'),
    scopes: [`auth:reset-access-token:${subjectId}`]});
  const asSubject = new taskcluster.Auth({rootUrl, credentials: {clientId: subjectId, accessToken: subject.accessToken}});
  tokens.push((await asSubject.resetAccessToken(subjectId)).accessToken);
  await asAdmin.disableClient(subjectId);
  await asAdmin.enableClient(subjectId);
  await auth.deleteClient(subjectId);
  const lives = await history(auth, 'client', subjectId);
  assert.deepStrictEqual(who(lives), [`${root.clientId} created`, `${adminId} updated`, `${subjectId} access token reset`,
    `${adminId} client disabled`, `${adminId} client enabled`, `${root.clientId} deleted`]);
  ok('getEntityHistory of a client: created, updated, reset, disabled, enabled, deleted, each by its client');

  const again = await auth.createClient(subjectId, {description: 'again', expires: taskcluster.fromNow('1 day'), scopes: []});
  tokens.push(again.accessToken);
  const whole = await history(auth, 'client', subjectId);
  assert.deepStrictEqual(who(whole), [...who(lives), `${root.clientId} created`]);
  ok('a client deleted and created again shows its whole history');

  await asAdmin.createRole(roleId, {description: 'audit-compat role', scopes: ['widget:read']});
  await asAdmin.updateRole(roleId, {description: 'audit-compat role', scopes: ['widget:read', 'widget:write']});
  await asAdmin.deleteRole(roleId);
  assert.deepStrictEqual(who(await history(auth, 'role', roleId)), [`${adminId} created`, `${adminId} updated`, `${adminId} deleted`]);
  ok('getEntityHistory of a role: created, updated, deleted');

  const did = await auth.listAuditHistory(adminId);
  assert.deepStrictEqual(did.auditHistory.map(e => `${e.actionType} ${e.entityType} ${e.entityId}`), [
    `updated client ${subjectId}`, `client disabled client ${subjectId}`, `client enabled client ${subjectId}`,
    `created role ${roleId}`, `updated role ${roleId}`, `deleted role ${roleId}`]);
  ok('listAuditHistory: what one client did');

  const everything = JSON.stringify([whole, did]);
  for (const t of tokens) assert.ok(!everything.includes(t), 'an access token in the audit history');
  ok('no access token in any audit answer');

  await assert.rejects(asAdmin.getEntityHistory('client', subjectId), err => err.statusCode === 403
    && /auth:audit-history:client/.test(err.message));
  await assert.rejects(asAdmin.listAuditHistory(subjectId), err => err.statusCode === 403
    && /auth:client-audit-history:/.test(err.message));
  ok('without the scopes: 403 naming them');

  await auth.deleteClient(subjectId);
  await auth.deleteClient(adminId);
}

main().catch(err => { console.log('not ok - ' + (err.stack || err)); process.exit(1); });
