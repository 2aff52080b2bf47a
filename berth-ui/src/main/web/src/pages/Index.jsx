import { useEffect, useState } from 'preact/hooks';
import { get, q } from '../api.js';
import { ErrorBox, Time } from '../ui.jsx';

const INDEX = '/api/index/v1';

/** One list of the index API (namespaces or tasks) under a namespace, page by page. */
function usePaged(kind, namespace) {
  const [items, setItems] = useState([]);
  const [token, setToken] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function more(from) {
    setBusy(true);
    try {
      const page = await get(`${INDEX}/${kind}/${q(namespace)}?limit=100${from ? `&continuationToken=${q(from)}` : ''}`);
      setItems((xs) => xs.concat(page[kind]));
      setToken(page.continuationToken ?? null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => { setItems([]); setToken(null); setError(null); more(null); }, [namespace]);
  return { items, token, error, busy, more };
}

/** The index: the namespaces under one namespace (listNamespaces) and the tasks indexed right at it (listTasks). */
export function Index({ namespace = '' }) {
  const spaces = usePaged('namespaces', namespace);
  const tasks = usePaged('tasks', namespace);
  const parts = namespace ? namespace.split('.') : [];
  return (
    <section class="card">
      <h1>Index <nav class="crumbs" aria-label="namespace" data-testid="crumbs">
        <a href="#/index/">(root)</a>
        {parts.map((p, i) => <span key={i}> . <a href={`#/index/${parts.slice(0, i + 1).join('.')}`}>{p}</a></span>)}
      </nav></h1>
      <h2>Namespaces</h2>
      <ErrorBox error={spaces.error} />
      {spaces.items.length === 0 && !spaces.busy && !spaces.error && <p class="muted">None below this one.</p>}
      <ul data-testid="namespaces" data-keynav>
        {spaces.items.map((n) => <li key={n.namespace}><a href={`#/index/${n.namespace}`}>{n.name}</a></li>)}
      </ul>
      {spaces.token && <button type="button" onClick={() => spaces.more(spaces.token)} disabled={spaces.busy}>More namespaces</button>}
      <h2>Tasks</h2>
      <ErrorBox error={tasks.error} />
      {tasks.items.length === 0 && !tasks.busy && !tasks.error && <p class="muted">No task is indexed at this namespace.</p>}
      {tasks.items.length > 0 && (
        <table data-testid="indexed-tasks" data-keynav>
          <thead><tr><th>namespace</th><th>task</th><th class="num">rank</th><th>expires</th></tr></thead>
          <tbody>
            {tasks.items.map((t) => (
              <tr key={t.namespace}>
                <td data-label="namespace"><code>{t.namespace}</code></td>
                <td data-label="task"><a href={`#/tasks/${t.taskId}`}>{t.taskId}</a></td>
                <td data-label="rank" class="num">{t.rank}</td>
                <td data-label="expires"><Time value={t.expires} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tasks.token && <button type="button" onClick={() => tasks.more(tasks.token)} disabled={tasks.busy}>More tasks</button>}
    </section>
  );
}
