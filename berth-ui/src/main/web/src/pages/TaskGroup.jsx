import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, queuePath, q } from '../api.js';
import { ErrorBox, State, duration } from '../ui.jsx';

const ROW = 32; // px: fixed row height, so the window of rows shown is plain arithmetic
const UNRESOLVED = new Set(['unscheduled', 'pending', 'running']);
const STATES = ['unscheduled', 'pending', 'running', 'completed', 'failed', 'exception'];
/** How often the page re-reads while tasks are unresolved, and (for reruns and late additions) when none is. */
const BUSY_MS = 3000;
const QUIET_MS = 30000;

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

const listUrl = (taskGroupId, token, limit) =>
  queuePath(`/task-group/${taskGroupId}/list?limit=${limit}${token ? `&continuationToken=${q(token)}` : ''}`);

/**
 * Re-reads one page of the group in place: from the continuation token it was first read with, up to its own
 * last task (or, for the last page, to the end, so tasks added later show up). The page keeps its bounds, so
 * tasks added inside its range join it and its neighbours are untouched.
 */
async function rereadPage(taskGroupId, pages, k) {
  const page = pages[k];
  const last = page.ids[page.ids.length - 1];
  const nextFirst = pages[k + 1]?.ids[0];
  const out = [];
  let token = page.token;
  for (;;) {
    const got = await get(listUrl(taskGroupId, token, Math.min(1000, page.ids.length + 100)));
    for (const item of got.tasks) {
      const r = row(item);
      if (nextFirst !== undefined && r.taskId === nextFirst) return out;
      out.push(r);
      if (nextFirst !== undefined && r.taskId === last) return out;
    }
    token = got.continuationToken;
    if (!token) return out;
  }
}

/**
 * Every task of a group, read page by page through the continuation token (the first page shows at once,
 * the rest fill in behind it). Only the rows in view are rendered, so 10,000 tasks cost what 30 do.
 *
 * Live updates: the server has no change feed to follow, so the page re-reads only pages of the group it read
 * first, each from its own continuation token: every few seconds the pages in view, and one more page in turn
 * among those still holding unresolved tasks (so the counts of a large group catch up too). That is at most two
 * requests a round whatever the group's size, where re-reading the whole group would be ten for 10,000 tasks.
 */
export function TaskGroup({ taskGroupId }) {
  const [rows, setRows] = useState([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [cursor, setCursor] = useState(-1);
  const box = useRef(null);
  const pagesRef = useRef([]);
  const inView = useRef([]);

  useEffect(() => {
    let live = true;
    let timer;
    let turn = 0;
    const pages = [];
    pagesRef.current = pages;
    const publish = () => setRows(pages.flatMap((p) => p.rows));

    async function first() {
      let token;
      let limit = 200; // a small first page shows rows at once
      do {
        const got = await get(listUrl(taskGroupId, token, limit));
        if (!live) return;
        const more = got.tasks.map(row);
        if (more.length || pages.length === 0) {
          pages.push({ token, rows: more, get ids() { return this.rows.map((r) => r.taskId); } });
          publish();
        }
        // marks for the benchmark (bench/ui, WebInspectorIT read them): first rows painted, every page read
        if (pages.length === 1) requestAnimationFrame(() => performance.mark('berth:group-first-rows'));
        token = got.continuationToken;
        limit = 1000;
      } while (token);
      requestAnimationFrame(() => performance.mark('berth:group-all-rows'));
      setLoading(false);
      setError(null);
      schedule();
    }

    function schedule() {
      const busy = pages.some((p) => p.rows.some((r) => UNRESOLVED.has(r.state)));
      timer = setTimeout(round, busy ? BUSY_MS : QUIET_MS);
    }

    async function round() {
      if (!live) return;
      if (document.hidden) { timer = setTimeout(round, 2000); return; }
      const wanted = new Set(inView.current.filter((k) => k < pages.length));
      const unresolved = pages.map((p, k) => k).filter((k) => pages[k].rows.some((r) => UNRESOLVED.has(r.state)));
      const pool = unresolved.length ? unresolved : pages.map((p, k) => k);
      if (pool.length) wanted.add(pool[turn++ % pool.length]);
      try {
        for (const k of wanted) {
          const fresh = await rereadPage(taskGroupId, pages, k);
          if (!live) return;
          pages[k].rows = fresh;
        }
        publish();
        setError(null);
      } catch (e) {
        if (live) setError(e);
      }
      if (live) schedule();
    }

    first().catch((e) => { if (live) { setError(e); setLoading(false); } });
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

  // which of the first read's pages hold the rows in view (the live update re-reads those)
  useEffect(() => {
    const ids = new Set(visible.map((r) => r.taskId));
    inView.current = pagesRef.current.map((p, k) => k).filter((k) => pagesRef.current[k].rows.some((r) => ids.has(r.taskId)));
  }, [first, last, shown]);

  function moveTo(i) {
    const n = Math.max(0, Math.min(shown.length - 1, i));
    setCursor(n);
    const el = box.current;
    if (!el) return;
    if (n * ROW < el.scrollTop) el.scrollTop = n * ROW;
    else if ((n + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (n + 1) * ROW - el.clientHeight;
    setTop(el.scrollTop);
  }

  // j/k or the arrows move the cursor, PageUp/PageDown a screenful, Home/End to the ends, Enter opens the task
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || !shown.length) return;
    const page = Math.max(1, Math.floor(height / ROW) - 1);
    const at = cursor < 0 ? -1 : Math.min(cursor, shown.length - 1);
    const moves = { j: at + 1, ArrowDown: at + 1, k: at - 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page,
      Home: 0, End: shown.length - 1 };
    if (e.key in moves) moveTo(moves[e.key]);
    else if (e.key === 'Enter' && at >= 0) location.hash = `#/tasks/${shown[at].taskId}`;
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  return (
    <section class="card">
      <h1>Task group <code>{taskGroupId}</code></h1>
      <ErrorBox error={error} />
      <div class="row counts" role="group" aria-label="filter by state">
        <button type="button" class={filter === '' ? 'on' : ''} onClick={() => { setFilter(''); setCursor(-1); }} data-testid="filter-all">
          all <b data-testid="count-all">{rows.length}</b>{loading ? '…' : ''}
        </button>
        {STATES.map((s) => (
          <button type="button" key={s} class={filter === s ? 'on' : ''} onClick={() => { setFilter(s); setCursor(-1); }} data-testid={`filter-${s}`}>
            {s} <b data-testid={`count-${s}`}>{counts[s]}</b>
          </button>
        ))}
      </div>
      <div class="grid-head"><span>state</span><span>name</span><span>task id</span><span>took</span></div>
      <div class="grid" ref={box} data-testid="group-rows" tabindex="0" role="listbox" aria-label="tasks (j/k or arrows to move, Enter to open)"
           aria-activedescendant={cursor >= 0 && shown[cursor] ? `row-${shown[cursor].taskId}` : undefined}
           onKeyDown={onKey} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
        <div style={{ height: `${shown.length * ROW}px`, position: 'relative' }}>
          {visible.map((r, i) => (
            <a class={`grid-row${first + i === cursor ? ' cursor' : ''}`} key={r.taskId} href={`#/tasks/${r.taskId}`} data-testid="group-row"
               id={`row-${r.taskId}`} role="option" aria-selected={first + i === cursor} tabindex="-1"
               style={{ top: `${(first + i) * ROW}px`, height: `${ROW}px` }}>
              <State state={r.state} /><span class="name">{r.name}</span><code>{r.taskId}</code><span>{r.took}</span>
            </a>
          ))}
        </div>
      </div>
      <p class="muted">{shown.length} shown{loading ? ', loading more…' : ''} · keys: j/k or ↑/↓ to move, Enter to open</p>
    </section>
  );
}
