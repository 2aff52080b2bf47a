import { useEffect, useState } from 'preact/hooks';
import { get, queuePath, q, ApiError } from '../api.js';
import { ErrorBox, Time } from '../ui.jsx';

const SLUG = /^[A-Za-z0-9_-]{22}$/;

/** Jump box: a task id, else a task group id, else an index namespace (its indexed task). */
async function resolveJump(text) {
  if (SLUG.test(text)) {
    try { await get(queuePath(`/task/${text}/status`)); return `#/tasks/${text}`; } catch (e) { if (e.status !== 404) throw e; }
    await get(queuePath(`/task-group/${text}`));
    return `#/groups/${text}`;
  }
  const found = await get(`/api/index/v1/task/${q(text)}`);
  return `#/tasks/${found.taskId}`;
}

export function Home() {
  const [queues, setQueues] = useState(null);
  const [error, setError] = useState(null);
  const [jump, setJump] = useState('');
  const [jumpError, setJumpError] = useState(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const all = [];
      let token;
      do {
        const page = await get(queuePath(`/task-queues?limit=1000${token ? `&continuationToken=${q(token)}` : ''}`));
        all.push(...page.taskQueues);
        token = page.continuationToken;
      } while (token);
      if (live) setQueues(all.map((t) => ({ ...t })));
      // counts one queue at a time is fine for the handful a deployment has; each row fills in as it lands
      for (const t of all) {
        try {
          const c = await get(queuePath(`/task-queues/${q(t.taskQueueId)}/counts`));
          if (!live) return;
          setQueues((qs) => qs.map((x) => (x.taskQueueId === t.taskQueueId ? { ...x, ...c } : x)));
        } catch (e) {
          if (live) setQueues((qs) => qs.map((x) => (x.taskQueueId === t.taskQueueId ? { ...x, countsError: e } : x)));
        }
      }
    })().catch((e) => live && setError(e));
    return () => { live = false; };
  }, []);

  async function go(e) {
    e.preventDefault();
    setJumpError(null);
    const text = jump.trim();
    if (!text) return;
    try { location.hash = await resolveJump(text); } catch (err) {
      setJumpError(err.status === 404 ? new ApiError(404, 'ResourceNotFound', `no task, task group or index namespace "${text}"`) : err);
    }
  }

  return (
    <>
      <form class="card jump" onSubmit={go}>
        <label for="jump">Go to a task id, task group id or index namespace</label>
        <div class="row">
          <input id="jump" name="jump" value={jump} onInput={(e) => setJump(e.target.value)} placeholder="fN1xN2y3QmuRRa0aZTm1Lw or project.main.latest" autofocus />
          <button type="submit">Go</button>
        </div>
        <ErrorBox error={jumpError} />
      </form>
      <section class="card">
        <h2>Task queues</h2>
        <ErrorBox error={error} />
        {queues === null && !error && <p>Loading…</p>}
        {queues && queues.length === 0 && <p>No task queue has been used yet.</p>}
        {queues && queues.length > 0 && (
          <table data-testid="queues">
            <thead><tr><th>task queue</th><th class="num">pending</th><th class="num">claimed</th><th>stability</th><th>last active</th></tr></thead>
            <tbody>
              {queues.map((t) => (
                <tr key={t.taskQueueId}>
                  <td data-label="task queue"><code>{t.taskQueueId}</code></td>
                  <td data-label="pending" class="num">{t.countsError ? <span title={t.countsError.message}>?</span> : (t.pendingTasks ?? '…')}</td>
                  <td data-label="claimed" class="num">{t.countsError ? '?' : (t.claimedTasks ?? '…')}</td>
                  <td data-label="stability">{t.stability}</td>
                  <td data-label="last active"><Time value={t.lastDateActive} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
