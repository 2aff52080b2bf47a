import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, queuePath, q } from '../api.js';
import { ErrorBox, State, duration } from '../ui.jsx';

const ROW = 32; // px: fixed row height, so the window of rows shown is plain arithmetic
const STATES = ['unscheduled', 'pending', 'running', 'completed', 'failed', 'exception'];

function row(item) {
  const runs = item.status.runs ?? [];
  const last = runs[runs.length - 1];
  return {
    taskId: item.status.taskId,
    state: item.status.state,
    name: item.task?.metadata?.name ?? '',
    took: last ? duration(last.started, last.resolved) : '',
  };
}

/**
 * Every task of a group, read page by page through the continuation token (the first page shows at once,
 * the rest fill in behind it). Only the rows in view are rendered, so 10,000 tasks cost what 30 do.
 */
export function TaskGroup({ taskGroupId }) {
  const [rows, setRows] = useState([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef(null);

  useEffect(() => {
    let live = true;
    (async () => {
      let token;
      let limit = 200; // a small first page shows rows at once; the rest come in pages of 1000
      do {
        const page = await get(queuePath(`/task-group/${taskGroupId}/list?limit=${limit}${token ? `&continuationToken=${q(token)}` : ''}`));
        limit = 1000;
        if (!live) return;
        const more = page.tasks.map(row);
        setRows((r) => r.concat(more));
        token = page.continuationToken;
      } while (token);
    })().catch((e) => live && setError(e)).finally(() => live && setLoading(false));
    return () => { live = false; };
  }, [taskGroupId]);

  useEffect(() => {
    const measure = () => box.current && setHeight(box.current.clientHeight);
    measure();
    addEventListener('resize', measure);
    return () => removeEventListener('resize', measure);
  }, []);

  const counts = useMemo(() => {
    const c = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const r of rows) c[r.state] = (c[r.state] ?? 0) + 1;
    return c;
  }, [rows]);
  const shown = useMemo(() => (filter ? rows.filter((r) => r.state === filter) : rows), [rows, filter]);

  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const last = Math.min(shown.length, Math.ceil((top + height) / ROW) + 10);
  const visible = shown.slice(first, last);

  return (
    <section class="card">
      <h1>Task group <code>{taskGroupId}</code></h1>
      <ErrorBox error={error} />
      <div class="row counts" role="group" aria-label="filter by state">
        <button type="button" class={filter === '' ? 'on' : ''} onClick={() => setFilter('')} data-testid="filter-all">
          all <b data-testid="count-all">{rows.length}</b>{loading ? '…' : ''}
        </button>
        {STATES.map((s) => (
          <button type="button" key={s} class={filter === s ? 'on' : ''} onClick={() => setFilter(s)} data-testid={`filter-${s}`}>
            {s} <b data-testid={`count-${s}`}>{counts[s]}</b>
          </button>
        ))}
      </div>
      <div class="grid-head"><span>state</span><span>name</span><span>task id</span><span>took</span></div>
      <div class="grid" ref={box} data-testid="group-rows" tabindex="0"
           onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
        <div style={{ height: `${shown.length * ROW}px`, position: 'relative' }}>
          {visible.map((r, i) => (
            <a class="grid-row" key={r.taskId} href={`#/tasks/${r.taskId}`} data-testid="group-row"
               style={{ top: `${(first + i) * ROW}px`, height: `${ROW}px` }}>
              <State state={r.state} /><span class="name">{r.name}</span><code>{r.taskId}</code><span>{r.took}</span>
            </a>
          ))}
        </div>
      </div>
      <p class="muted">{shown.length} shown{loading ? ', loading more…' : ''}</p>
    </section>
  );
}
