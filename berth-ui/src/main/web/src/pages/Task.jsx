import { useEffect, useState } from 'preact/hooks';
import { get, post, request, queuePath, q, satisfies, credentials, headers, ApiError } from '../api.js';
import { ErrorBox, Time, State, duration } from '../ui.jsx';
import { LiveLog } from './LiveLog.jsx';
import { niceSlug } from '../slugid.js';
import { mayCreate, mayShell, retriggered } from '../tasks.js';

const UNRESOLVED = new Set(['unscheduled', 'pending', 'running']);

function allowed(scopes, action, task, taskId) {
  if (!credentials()) return false;
  return satisfies(scopes, `queue:${action}:${task.schedulerId}/${task.taskGroupId}/${taskId}`)
    || (task.projectId && satisfies(scopes, `queue:${action}-in-project:${task.projectId}`))
    || (satisfies(scopes, `queue:${action}`) && satisfies(scopes, `assume:scheduler-id:${task.schedulerId}/${task.taskGroupId}`));
}

/**
 * Opens an artifact. Public ones are plain links; any other is fetched with this session's Hawk header and
 * handed to the browser as a blob, so no credential ever goes into a URL.
 */
async function signedDownload(e, href, name, setError) {
  if (name.startsWith('public/') || !credentials()) return;
  e.preventDefault();
  try {
    const res = await fetch(href, { headers: headers('GET', href) });
    if (!res.ok) {
      let body = {};
      try { body = await res.json(); } catch { /* not JSON */ }
      throw new ApiError(res.status, body.code ?? `HTTP ${res.status}`, body.message ?? res.statusText);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: name.split('/').pop() });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    setError(err);
  }
}

/** The definition as YAML or JSON; the YAML library is a chunk of its own, loaded when first asked for. */
function Definition({ task }) {
  const [view, setView] = useState('json');
  const [yaml, setYaml] = useState(null);
  useEffect(() => {
    if (view !== 'yaml' || yaml !== null) return;
    import('yaml').then((m) => setYaml(m.stringify(task)), (e) => setYaml(`# cannot load the YAML view: ${e.message}`));
  }, [view]);
  return (
    <section class="card">
      <h2>Definition</h2>
      <div class="row" role="group" aria-label="definition format">
        <button type="button" class={view === 'json' ? 'on' : ''} aria-pressed={view === 'json'} onClick={() => setView('json')} data-testid="view-json">JSON</button>
        <button type="button" class={view === 'yaml' ? 'on' : ''} aria-pressed={view === 'yaml'} onClick={() => setView('yaml')} data-testid="view-yaml">YAML</button>
      </div>
      <pre class="json" data-testid="definition">{view === 'json' ? JSON.stringify(task, null, 2) : (yaml ?? 'loading…')}</pre>
    </section>
  );
}

export function Task({ taskId, scopes, linkedRun, linkedLine }) {
  const [task, setTask] = useState(null);
  const [status, setStatus] = useState(null);
  const [error, setError] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [artifacts, setArtifacts] = useState(null);
  const [runId, setRunId] = useState(linkedRun ?? null);

  const [dependents, setDependents] = useState([]);
  const refresh = () => get(queuePath(`/task/${taskId}/status`)).then((s) => setStatus(s.status), setError);

  useEffect(() => {
    get(queuePath(`/task/${taskId}`)).then(setTask, setError);
    refresh();
    // the first page of dependents is enough to link them; a task with more says so
    get(queuePath(`/task/${taskId}/dependents?limit=100`)).then((d) => setDependents(
      d.tasks.map((t) => t.status.taskId).concat(d.continuationToken ? ['…'] : [])), () => setDependents([]));
  }, [taskId]);

  // the status is polled while the task is unresolved, so runs and state follow what the worker does
  useEffect(() => {
    if (!status || !UNRESOLVED.has(status.state)) return;
    const t = setTimeout(refresh, 2000);
    return () => clearTimeout(t);
  }, [status]);

  const runs = status?.runs ?? [];
  const shownRun = runId ?? (runs.length ? runs.length - 1 : null);
  const run = shownRun === null ? null : runs[shownRun];

  useEffect(() => {
    if (run === null || run === undefined) return;
    get(queuePath(`/task/${taskId}/runs/${shownRun}/artifacts`)).then((a) => setArtifacts(a.artifacts), setError);
  }, [taskId, shownRun, run?.state]);

  async function retrigger() {
    setActionError(null);
    const newId = niceSlug();
    try {
      await request('PUT', queuePath(`/task/${newId}`), retriggered(task));
      location.hash = `#/tasks/${newId}`;
    } catch (e) {
      setActionError(e);
    }
  }

  async function act(action) {
    setActionError(null);
    try {
      const s = await post(queuePath(`/task/${taskId}/${action}`));
      setStatus(s.status);
      setRunId(null);
    } catch (e) {
      setActionError(e);
    }
  }

  return (
    <>
      <section class="card">
        <h1>Task <code data-testid="task-id">{taskId}</code></h1>
        <ErrorBox error={error} />
        {task && <p class="name" data-testid="task-name">{task.metadata?.name}</p>}
        {status && (
          <dl class="facts">
            <dt>state</dt><dd><State state={status.state} /></dd>
            <dt>task queue</dt><dd><code>{status.taskQueueId}</code></dd>
            <dt>task group</dt><dd><a href={`#/groups/${status.taskGroupId}`} data-testid="group-link">{status.taskGroupId}</a></dd>
            <dt>deadline</dt><dd><Time value={status.deadline} /></dd>
            <dt>retries left</dt><dd>{status.retriesLeft}</dd>
            {task?.dependencies?.length > 0 && (
              <>
                <dt>depends on</dt>
                <dd data-testid="dependencies">{task.dependencies.map((d) => <a key={d} href={`#/tasks/${d}`} class="dep">{d}</a>)}</dd>
              </>
            )}
            {dependents.length > 0 && (
              <>
                <dt>dependents</dt>
                <dd data-testid="dependents">{dependents.map((d) => (d === '…' ? <span key={d}>and more</span>
                  : <a key={d} href={`#/tasks/${d}`} class="dep">{d}</a>))}</dd>
              </>
            )}
          </dl>
        )}
        {task && status && (
          <div class="row actions">
            {UNRESOLVED.has(status.state) && allowed(scopes, 'cancel-task', task, taskId)
              && <button type="button" data-testid="cancel" onClick={() => act('cancel')}>Cancel</button>}
            {!UNRESOLVED.has(status.state) && allowed(scopes, 'rerun-task', task, taskId)
              && <button type="button" data-testid="rerun" onClick={() => act('rerun')}>Rerun</button>}
            {mayCreate(scopes, task)
              && <button type="button" data-testid="retrigger" onClick={retrigger}
                   title="create a copy of this task with a new id and times">Retrigger</button>}
            {mayCreate(scopes, task)
              && <a href={`#/create/${taskId}`} class="button" data-testid="edit-create"
                   title="open a copy of this task (new id, times moved) in the create form">Edit and create</a>}
            {task.payload?.features?.interactive && run?.state === 'running' && mayShell(scopes, taskId)
              && <a href={`#/shell/${taskId}/${shownRun}`} class="button" data-testid="shell-link">Shell</a>}
          </div>
        )}
        <ErrorBox error={actionError} />
      </section>

      {runs.length > 0 && (
        <section class="card">
          <h2>Runs</h2>
          <table data-testid="runs">
            <thead><tr><th>run</th><th>state</th><th>reason created</th><th>reason resolved</th><th>worker</th><th>started</th><th>took</th></tr></thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.runId} class={r.runId === shownRun ? 'selected' : ''}>
                  <td data-label="run"><button type="button" class="link" onClick={() => setRunId(r.runId)}>{r.runId}</button></td>
                  <td data-label="state"><State state={r.state} /></td>
                  <td data-label="reason created">{r.reasonCreated}</td>
                  <td data-label="reason resolved">{r.reasonResolved ?? ''}</td>
                  <td data-label="worker">{r.workerGroup ? <code>{r.workerGroup}/{r.workerId}</code> : ''}</td>
                  <td data-label="started"><Time value={r.started} /></td>
                  <td data-label="took">{duration(r.started, r.resolved)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {run && artifacts && (
        <section class="card">
          <h2>Artifacts of run {shownRun}</h2>
          {artifacts.length === 0 ? <p>None yet.</p> : (
            <ul class="artifacts" data-testid="artifacts">
              {artifacts.map((a) => {
                const href = queuePath(`/task/${taskId}/runs/${shownRun}/artifacts/${a.name.split('/').map(q).join('/')}`);
                return (
                  <li key={a.name} data-artifact={a.name}>
                    <a href={href} target="_blank" rel="noopener" onClick={(e) => signedDownload(e, href, a.name, setActionError)}>{a.name}</a>{' '}
                    <a href={href} download={a.name.split('/').pop()} class="small"
                       onClick={(e) => signedDownload(e, href, a.name, setActionError)}>download</a>{' '}
                    <span class="muted">{a.contentType} · {a.storageType}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      )}

      {run && (run.state !== 'pending') && (
        <LiveLog key={`${taskId}/${shownRun}`} taskId={taskId} runId={shownRun} running={run.state === 'running'}
          line={shownRun === linkedRun ? linkedLine : null} />
      )}

      {task && <Definition task={task} />}
    </>
  );
}
