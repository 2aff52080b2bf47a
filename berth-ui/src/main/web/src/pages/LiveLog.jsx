import { useEffect, useRef, useState } from 'preact/hooks';
import { headers, queuePath, q } from '../api.js';
import { ErrorBox } from '../ui.jsx';
import { AnsiRenderer } from '../ansi.js';

/**
 * A run's log, read as a stream: while the run goes the queue keeps the response open and sends bytes as
 * the worker writes them, so the text grows here without polling. Chunks are appended as text nodes, never
 * re-rendered, so a long log stays cheap.
 */
/**
 * Writes log text as numbered lines: each line a div with a link to itself (#/tasks/<id>/runs/<run>/L<n>), the
 * line being written kept open across chunks.
 */
function lineWriter(el, taskId, runId) {
  let n = 0;
  let line = null;
  function open() {
    n += 1;
    line = document.createElement('div');
    line.className = 'ln';
    line.id = `L${n}`;
    const a = document.createElement('a');
    a.className = 'lnum';
    a.href = `#/tasks/${taskId}/runs/${runId}/L${n}`;
    a.textContent = String(n);
    a.tabIndex = -1;
    line.appendChild(a);
    el.appendChild(line);
  }
  return (text, cls) => {
    const parts = text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) {
        // a newline ends the line (an empty one too); the next text opens another
        if (!line) open();
        line = null;
      }
      if (!part) return;
      if (!line) open();
      if (cls) {
        const span = document.createElement('span');
        span.className = cls;
        span.textContent = part;
        line.appendChild(span);
      } else {
        line.appendChild(document.createTextNode(part));
      }
    });
  };
}

export function LiveLog({ taskId, runId, running, line, name = 'public/logs/live.log' }) {
  const pre = useRef(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  const [state, setState] = useState('connecting');
  const [error, setError] = useState(null);
  followRef.current = follow;
  const runningRef = useRef(running);
  runningRef.current = running;

  useEffect(() => {
    const abort = new AbortController();
    const path = queuePath(`/task/${taskId}/runs/${runId}/artifacts/${name.split('/').map(q).join('/')}`);
    pre.current.textContent = '';
    const ansi = new AnsiRenderer();
    const write = lineWriter(pre.current, taskId, runId);
    (async () => {
      // the log artifact appears a moment after the run starts: wait for it while the run is running
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(path, { headers: headers('GET', path), signal: abort.signal });
        if (res.status === 404 && runningRef.current && attempt < 120) { setState('waiting for the log'); await new Promise((r) => setTimeout(r, 1000)); continue; }
        if (!res.ok) {
          let body = {};
          try { body = await res.json(); } catch { /* not JSON */ }
          throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { status: res.status, code: body.code });
        }
        setState(res.headers.get('X-Berth-Live') ? 'live' : 'complete');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          ansi.append(pre.current, value, write);
          if (line) show(line);
          else if (followRef.current) pre.current.scrollTop = pre.current.scrollHeight;
        }
        setState('complete');
        return;
      }
    })().catch((e) => { if (!abort.signal.aborted) { setError(e); setState('failed'); } });
    return () => abort.abort();
  }, [taskId, runId, name]);

  // a linked line: highlighted and scrolled to once it has arrived (following stops there)
  function show(n) {
    const el = pre.current?.querySelector(`#L${n}`);
    if (!el || el.classList.contains('target')) return;
    el.classList.add('target');
    el.scrollIntoView({ block: 'center' });
    setFollow(false);
  }
  useEffect(() => { if (line) show(line); }, [line]);

  return (
    <section class="card">
      <h2>Log <small data-testid="log-state">{state}</small></h2>
      <div class="row">
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow</label>
        <button type="button" onClick={() => { pre.current.scrollTop = pre.current.scrollHeight; }}>Jump to end</button>
      </div>
      <ErrorBox error={error} />
      <pre class="log" ref={pre} data-testid="log" tabindex="0" />
    </section>
  );
}
