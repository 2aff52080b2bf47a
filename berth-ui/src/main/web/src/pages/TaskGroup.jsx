import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, queuePath, q } from '../api.js';
import { ErrorBox, State, duration } from '../ui.jsx';

const ROW = 32; // px: fixed row height, so the window of rows shown is plain arithmetic
const UNRESOLVED = new Set(['unscheduled', 'pending', 'running']);
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
    let timer;
    // the first read shows each page as it lands; later reads (while tasks are unresolved) replace the list
    // at once, at an interval that grows with the group so a large one costs the server little
    async function read(first) {
      const all = [];
      let token;
      let limit = first ? 200 : 1000; // a small first page shows rows at once
      do {
        const page = await get(queuePath(`/task-group/${taskGroupId}/list?limit=${limit}${token ? `&continuationToken=${q(token)}` : ''}`));
        if (!live) return;
        const more = page.tasks.map(row);
        all.push(...more);
        if (first) {
          setRows((r) => r.concat(more));
          // marks for the benchmark (WebInspectorIT reads them): first rows painted, every page read
          if (all.length === more.length) requestAnimationFrame(() => performance.mark('berth:group-first-rows'));
        }
        token = page.continuationToken;
        limit = 1000;
      } while (token);
      if (!first) setRows(all);
      else requestAnimationFrame(() => performance.mark('berth:group-all-rows'));
      setLoading(false);
      setError(null);
      if (all.some((r) => UNRESOLVED.has(r.state))) {
        timer = setTimeout(() => again(), Math.max(5000, (all.length / 1000) * 3000));
      }
    }
    function again() {
      if (document.hidden) { timer = setTimeout(again, 2000); return; }
      read(false).catch((e) => live && setError(e));
    }
    read(true).catch((e) => { if (live) { setError(e); setLoading(false); } });
    return () => { live = false; clearTimeout(timer); };
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
