import { useEffect, useState } from 'preact/hooks';
import { get, q } from '../api.js';
import { ErrorBox, Time } from '../ui.jsx';

const WM = '/api/worker-manager/v1';

/** Every page of one worker-manager list. */
async function all(path, key) {
  const out = [];
  let token;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${WM}${path}${sep}limit=1000${token ? `&continuationToken=${q(token)}` : ''}`);
    out.push(...page[key]);
    token = page.continuationToken;
  } while (token);
  return out;
}

/** Worker pools (worker-manager's listWorkerPools) with their capacity and worker counts. */
export function Pools() {
  const [pools, setPools] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { all('/worker-pools', 'workerPools').then(setPools, setError); }, []);
  return (
    <section class="card">
      <h1>Worker pools</h1>
      <ErrorBox error={error} />
      {pools && pools.length === 0 && <p class="muted">No worker pool is defined (see <code>berth pool</code>).</p>}
      {pools && pools.length > 0 && (
        <table data-testid="pools" data-keynav>
          <thead><tr><th>pool</th><th>provider</th><th class="num">capacity</th><th class="num">min–max</th>
            <th class="num">requested</th><th class="num">running</th><th class="num">stopping</th><th>owner</th></tr></thead>
          <tbody>
            {pools.map((p) => (
              <tr key={p.workerPoolId}>
                <td data-label="pool"><a href={`#/pools/${q(p.workerPoolId)}`}>{p.workerPoolId}</a></td>
                <td data-label="provider">{p.providerId}</td>
                <td data-label="capacity" class="num">{p.currentCapacity}</td>
                <td data-label="min–max" class="num">{p.config?.minCapacity ?? 0}–{p.config?.maxCapacity ?? '?'}</td>
                <td data-label="requested" class="num">{p.requestedCount}</td>
                <td data-label="running" class="num">{p.runningCount}</td>
                <td data-label="stopping" class="num">{p.stoppingCount}</td>
                <td data-label="owner">{p.owner}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One pool: its definition, its workers and its last errors. */
export function Pool({ workerPoolId }) {
  const [pool, setPool] = useState(null);
  const [workers, setWorkers] = useState(null);
  const [errors, setErrors] = useState(null);
  const [error, setError] = useState(null);
  const [workersError, setWorkersError] = useState(null);
  const [errorsError, setErrorsError] = useState(null);
  useEffect(() => {
    get(`${WM}/worker-pool/${q(workerPoolId)}`).then(setPool, setError);
    all(`/workers/${q(workerPoolId)}`, 'workers').then(setWorkers, setWorkersError);
    get(`${WM}/worker-pool-errors/${q(workerPoolId)}?limit=20`).then((e) => setErrors(e.workerPoolErrors), setErrorsError);
  }, [workerPoolId]);
  return (
    <>
      <section class="card">
        <h1>Worker pool <code data-testid="pool-id">{workerPoolId}</code></h1>
        <ErrorBox error={error} />
        {pool && (
          <dl class="facts">
            <dt>provider</dt><dd>{pool.providerId}</dd>
            <dt>description</dt><dd>{pool.description}</dd>
            <dt>owner</dt><dd>{pool.owner}</dd>
            <dt>capacity</dt><dd data-testid="pool-capacity">{pool.currentCapacity} (min {pool.config?.minCapacity ?? 0}, max {pool.config?.maxCapacity ?? '?'})</dd>
            <dt>modified</dt><dd><Time value={pool.lastModified} /></dd>
          </dl>
        )}
      </section>
      <section class="card">
        <h2>Workers</h2>
        <ErrorBox error={workersError} />
        {workers && workers.length === 0 && <p class="muted">No workers.</p>}
        {workers && workers.length > 0 && (
          <table data-testid="pool-workers">
            <thead><tr><th>worker</th><th>state</th><th class="num">capacity</th><th>created</th><th>last checked</th></tr></thead>
            <tbody>
              {workers.map((w) => (
                <tr key={`${w.workerGroup}/${w.workerId}`}>
                  <td data-label="worker"><code>{w.workerGroup}/{w.workerId}</code></td><td data-label="state">{w.state}</td><td data-label="capacity" class="num">{w.capacity}</td>
                  <td data-label="created"><Time value={w.created} /></td><td data-label="last checked"><Time value={w.lastChecked} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card">
        <h2>Last errors</h2>
        <ErrorBox error={errorsError} />
        {errors && errors.length === 0 && <p class="muted">None reported.</p>}
        {errors && errors.length > 0 && (
          <table data-testid="pool-errors">
            <thead><tr><th>reported</th><th>kind</th><th>title</th><th>description</th></tr></thead>
            <tbody>
              {errors.map((e) => (
                <tr key={e.errorId}><td data-label="reported"><Time value={e.reported} /></td><td data-label="kind">{e.kind}</td><td data-label="title">{e.title}</td><td data-label="description">{e.description}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {pool && (
        <section class="card">
          <h2>Configuration</h2>
          <pre class="json">{JSON.stringify(pool.config, null, 2)}</pre>
        </section>
      )}
    </>
  );
}
