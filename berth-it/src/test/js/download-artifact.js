// Drives a running Berth server with the real taskcluster-client's downloadArtifact helper, which reads the
// queue's artifact-content answer: s3 (private, needs credentials for the answer, not for the bytes),
// reference (to another artifact of the same server), link (needs the target's scope) and error artifacts.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import {Writable} from 'stream';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
let checks = 0;
const ok = (what) => { checks++; console.log('ok - ' + what); };

// downloadArtifact with a stream collecting the bytes; answers the bytes and the content type
async function download(queue, taskId, runId, name) {
  let chunks;
  const contentType = await taskcluster.downloadArtifact({
    taskId, runId, name, queue, retries: 0,
    streamFactory: async () => {
      chunks = []; // a fresh stream for every attempt
      return new Writable({write(chunk, enc, cb) { chunks.push(chunk); cb(); }});
    },
  });
  return {bytes: Buffer.concat(chunks), contentType};
}

async function main() {
  const queue = new taskcluster.Queue({rootUrl, credentials: root});
  const anonymous = new taskcluster.Queue({rootUrl});
  const taskQueueId = 'compat/d' + Math.floor(Math.random() * 1e9);
  const taskId = taskcluster.slugid();
  await queue.createTask(taskId, {
    taskQueueId,
    created: taskcluster.fromNowJSON(),
    deadline: taskcluster.fromNowJSON('1 hour'),
    payload: {image: 'berth-test/busybox:latest', command: ['true'], maxRunTime: 60},
    metadata: {name: 'download', description: 'downloadArtifact compatibility', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
  });
  const claim = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'd1', tasks: 1});
  assert.strictEqual(claim.tasks.length, 1);
  const worker = new taskcluster.Queue({rootUrl, credentials: claim.tasks[0].credentials});
  const expires = taskcluster.fromNowJSON('1 hour');

  // bytes that are not text, so nothing is re-encoded on the way
  const secret = Buffer.from(Array.from({length: 70000}, (_, i) => (i * 31 + 7) % 256));
  const s3 = async (name, body, contentType) => {
    const created = await worker.createArtifact(taskId, 0, name, {storageType: 's3', contentType, expires});
    const put = await fetch(created.putUrl, {method: 'PUT', body, headers: {'Content-Type': contentType}});
    assert.strictEqual(put.status, 200, 'PUT to putUrl answered ' + put.status);
    await worker.finishArtifact(taskId, 0, name, {});
  };
  await s3('private/out.bin', secret, 'application/octet-stream');
  await s3('public/plain.txt', Buffer.from('plain text'), 'text/plain');

  const viaRun = await download(queue, taskId, 0, 'private/out.bin');
  assert.ok(viaRun.bytes.equals(secret), 'bytes of private/out.bin differ');
  assert.strictEqual(viaRun.contentType, 'application/octet-stream');
  const viaLatest = await download(queue, taskId, undefined, 'private/out.bin');
  assert.ok(viaLatest.bytes.equals(secret));
  ok('downloadArtifact of a private s3 artifact, by run and latest');

  try {
    await download(anonymous, taskId, 0, 'private/out.bin');
    assert.fail('an anonymous download of a private artifact should be refused');
  } catch (err) {
    assert.strictEqual(err.statusCode, 403, 'expected 403, got ' + err.statusCode + ' ' + err.message);
    ok('downloadArtifact of a private artifact without credentials -> 403');
  }

  const plainUrl = rootUrl.replace(/\/$/, '') + '/api/queue/v1/task/' + taskId + '/runs/0/artifacts/public/plain.txt';
  await worker.createArtifact(taskId, 0, 'public/ref', {storageType: 'reference', url: plainUrl, expires});
  const ref = await download(anonymous, taskId, 0, 'public/ref');
  assert.strictEqual(ref.bytes.toString(), 'plain text');
  assert.ok(ref.contentType.startsWith('text/plain'), 'content type ' + ref.contentType);
  ok('downloadArtifact of a reference artifact fetches the referenced URL');

  await worker.createArtifact(taskId, 0, 'public/link', {storageType: 'link', artifact: 'private/out.bin', expires});
  const linked = await download(queue, taskId, undefined, 'public/link');
  assert.ok(linked.bytes.equals(secret));
  ok('downloadArtifact of a link artifact fetches its target');
  try {
    await download(anonymous, taskId, 0, 'public/link');
    assert.fail('a public link to a private artifact should not open it');
  } catch (err) {
    assert.strictEqual(err.statusCode, 403, 'expected 403, got ' + err.statusCode + ' ' + err.message);
    assert.ok(err.message.includes('queue:get-artifact:private/out.bin'), err.message);
    ok('a public link to a private artifact needs the target\'s scope -> 403');
  }

  await worker.createArtifact(taskId, 0, 'public/err', {storageType: 'error', reason: 'file-missing-on-worker', message: 'no such file: out.log', expires});
  try {
    await download(anonymous, taskId, 0, 'public/err');
    assert.fail('an error artifact should throw');
  } catch (err) {
    assert.strictEqual(err.reason, 'file-missing-on-worker', 'reason ' + err.reason + ': ' + err.message);
    assert.strictEqual(err.message, 'no such file: out.log');
    ok('downloadArtifact of an error artifact throws its reason and message');
  }

  console.log(checks + ' passed, 0 failed');
}

main().catch((err) => {
  console.error('not ok - ' + (err.stack || err));
  process.exit(1);
});
