import { useEffect, useRef, useState } from 'preact/hooks';
import { headers, queuePath, q } from '../api.js';
import { ErrorBox } from '../ui.jsx';
import { AnsiRenderer } from '../ansi.js';

/**
 * A run's log, read as a stream: while the run goes the queue keeps the response open and sends bytes as
 * the worker writes them, so the text grows here without polling. Chunks are appended as text nodes, never
 * re-rendered, so a long log stays cheap.
 */
export function LiveLog({ taskId, runId, running, name = 'public/logs/live.log' }) {
  const pre = useRef(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  const [state, setState] = useState('connecting');
  const [error, setError] = useState(null);
  followRef.current = follow;

  useEffect(() => {
    const abort = new AbortController();
    const path = queuePath(`/task/${taskId}/runs/${runId}/artifacts/${name.split('/').map(q).join('/')}`);
    pre.current.textContent = '';
    const ansi = new AnsiRenderer();
    (async () => {
      // the log artifact appears a moment after the run starts: wait for it while the run is running
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(path, { headers: headers('GET', path), signal: abort.signal });
        if (res.status === 404 && attempt < 60) { setState('waiting for the log'); await new Promise((r) => setTimeout(r, 1000)); continue; }
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
          ansi.append(pre.current, value);
          if (followRef.current) pre.current.scrollTop = pre.current.scrollHeight;
        }
        setState('complete');
        return;
      }
    })().catch((e) => { if (!abort.signal.aborted) { setError(e); setState('failed'); } });
    return () => abort.abort();
  }, [taskId, runId, name]);

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
