// Drives a running Berth server with the real taskcluster-client's object helpers: upload then download of a
// small object (dataInline) and a 5 MiB one (putUrl), hashes checked by the client; a finishUpload whose hash
// does not match the data is refused; and downloadArtifact of an artifact of storage type object, created
// through the queue and uploaded with the credentials the queue gives.
// Env: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN (root credentials).
import assert from 'assert';
import crypto from 'crypto';
import {Readable, Writable} from 'stream';
import taskcluster from 'taskcluster-client';

const rootUrl = process.env.TASKCLUSTER_ROOT_URL;
const root = {clientId: process.env.TASKCLUSTER_CLIENT_ID, accessToken: process.env.TASKCLUSTER_ACCESS_TOKEN};
let checks = 0;
const ok = (what) => { checks++; console.log('ok - ' + what); };

// bytes that are not text, so nothing is re-encoded on the way
const bytes = (n, seed) => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed) % 251));

const collector = () => {
  const sink = {chunks: []};
  sink.streamFactory = async () => {
    sink.chunks = []; // a fresh stream for every attempt
    return new Writable({write(chunk, enc, cb) { sink.chunks.push(chunk); cb(); }});
  };
  sink.bytes = () => Buffer.concat(sink.chunks);
  return sink;
};

async function uploadThenDownload(object, name, data, contentType) {
  await taskcluster.upload({
    projectId: 'compat', name, contentType, contentLength: data.length,
    expires: taskcluster.fromNow('1 day'), object, retries: 0,
    streamFactory: async () => Readable.from([data]),
  });
  const meta = await object.object(name);
  assert.strictEqual(meta.projectId, 'compat');
  assert.strictEqual(meta.hashes.sha256, crypto.createHash('sha256').update(data).digest('hex'));
  assert.strictEqual(meta.hashes.sha512, crypto.createHash('sha512').update(data).digest('hex'));
  const sink = collector();
  const gotType = await taskcluster.download({name, object, streamFactory: sink.streamFactory, retries: 0});
  assert.ok(sink.bytes().equals(data), 'downloaded bytes of ' + name + ' differ');
  assert.strictEqual(gotType, contentType);
}

async function main() {
  const object = new taskcluster.Object({rootUrl, credentials: root});
  const prefix = 'compat/' + taskcluster.slugid();

  await uploadThenDownload(object, prefix + '/small.bin', bytes(5000, 7), 'application/octet-stream');
  ok('upload then download of a 5000-byte object (dataInline), hashes verified by the client');

  await uploadThenDownload(object, prefix + '/large.bin', bytes(5 * 1024 * 1024, 3), 'application/x-large');
  // the bytes move through the blob store's own URLs (presigned, on S3) or this server's (local store)
  const expectPrefix = process.env.OBJECT_URL_PREFIX || rootUrl;
  const dl = await object.startDownload(prefix + '/large.bin', {acceptDownloadMethods: {getUrl: true}});
  assert.ok(dl.url.startsWith(expectPrefix), 'getUrl ' + dl.url + ' does not start with ' + expectPrefix);
  const up = await object.createUpload(prefix + '/url-check', {
    projectId: 'compat', uploadId: taskcluster.slugid(), expires: taskcluster.fromNow('1 day'),
    proposedUploadMethods: {putUrl: {contentType: 'text/plain', contentLength: 1}},
  });
  assert.ok(up.uploadMethod.putUrl.url.startsWith(expectPrefix), 'putUrl ' + up.uploadMethod.putUrl.url);
  ok('upload then download of a 5 MiB object (putUrl), hashes verified by the client, URLs under ' + expectPrefix);

  const tampered = prefix + '/tampered.bin';
  const data = bytes(100, 1);
  const uploadId = taskcluster.slugid();
  const res = await object.createUpload(tampered, {
    projectId: 'compat', uploadId, expires: taskcluster.fromNow('1 day'),
    proposedUploadMethods: {dataInline: {contentType: 'text/plain', objectData: data.toString('base64')}},
  });
  assert.strictEqual(res.uploadMethod.dataInline, true);
  const wrong = crypto.createHash('sha256').update(Buffer.concat([data, Buffer.from('x')])).digest('hex');
  try {
    await object.finishUpload(tampered, {projectId: 'compat', uploadId, hashes: {sha256: wrong}});
    assert.fail('a finishUpload with a hash the data does not have should be refused');
  } catch (err) {
    assert.strictEqual(err.statusCode, 400, 'expected 400, got ' + err.statusCode + ' ' + err.message);
    assert.ok(err.message.includes('sha256'), err.message);
  }
  try {
    await taskcluster.download({name: tampered, object, streamFactory: collector().streamFactory, retries: 0});
    assert.fail('an unfinished object should not be downloadable');
  } catch (err) {
    assert.strictEqual(err.statusCode, 404, 'expected 404, got ' + err.statusCode + ' ' + err.message);
  }
  ok('a finishUpload whose sha256 does not match the data -> 400, and the object stays unreadable');

  // an object artifact: the queue hands out credentials for the one object, and downloadArtifact reads it
  const queue = new taskcluster.Queue({rootUrl, credentials: root});
  const taskQueueId = 'compat/o' + Math.floor(Math.random() * 1e9);
  const taskId = taskcluster.slugid();
  await queue.createTask(taskId, {
    taskQueueId,
    created: taskcluster.fromNowJSON(),
    deadline: taskcluster.fromNowJSON('1 hour'),
    payload: {image: 'berth-test/busybox:latest', command: ['true'], maxRunTime: 60},
    metadata: {name: 'object artifact', description: 'object artifact compatibility', owner: 'compat@berth.dev', source: 'https://berth.dev/compat'},
  });
  const claim = await queue.claimWork(taskQueueId, {workerGroup: 'compat', workerId: 'o1', tasks: 1});
  assert.strictEqual(claim.tasks.length, 1);
  const worker = new taskcluster.Queue({rootUrl, credentials: claim.tasks[0].credentials});
  const artifactData = bytes(200000, 5);
  const created = await worker.createArtifact(taskId, 0, 'private/result.bin', {
    storageType: 'object', contentType: 'application/x-result', expires: taskcluster.fromNowJSON('1 day'),
  });
  assert.strictEqual(created.storageType, 'object');
  assert.strictEqual(created.name, 't/' + taskId + '/0/private/result.bin');
  await taskcluster.upload({
    projectId: created.projectId, name: created.name, uploadId: created.uploadId,
    contentType: 'application/x-result', contentLength: artifactData.length, expires: new Date(created.expires),
    object: new taskcluster.Object({rootUrl, credentials: created.credentials}), retries: 0,
    streamFactory: async () => Readable.from([artifactData]),
  });
  await worker.finishArtifact(taskId, 0, 'private/result.bin', {uploadId: created.uploadId});
  for (const runId of [0, undefined]) {
    const sink = collector();
    const contentType = await taskcluster.downloadArtifact({
      taskId, runId, name: 'private/result.bin', queue, streamFactory: sink.streamFactory, retries: 0,
    });
    assert.ok(sink.bytes().equals(artifactData), 'bytes of the object artifact differ');
    assert.strictEqual(contentType, 'application/x-result');
  }
  ok('downloadArtifact of an object artifact uploaded with the run\'s createArtifact credentials, by run and latest');

  try {
    await taskcluster.downloadArtifact({
      taskId, runId: 0, name: 'private/result.bin', queue: new taskcluster.Queue({rootUrl}),
      streamFactory: collector().streamFactory, retries: 0,
    });
    assert.fail('an anonymous download of a private object artifact should be refused');
  } catch (err) {
    assert.strictEqual(err.statusCode, 403, 'expected 403, got ' + err.statusCode + ' ' + err.message);
  }
  ok('downloadArtifact of a private object artifact without credentials -> 403');

  console.log(checks + ' passed, 0 failed');
}

main().catch((err) => {
  console.error('not ok - ' + (err.stack || err));
  process.exit(1);
});
