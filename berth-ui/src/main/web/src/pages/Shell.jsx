// An interactive shell in a task's container: @xterm/xterm joined to the server's shell relay
// (/api/berth/v1/shell/<taskId>/<runId>), which passes docker-exec-websocket-server's frames between the browser
// and the run's worker. A chunk of its own (the terminal is loaded only here).
import { useEffect, useRef, useState } from 'preact/hooks';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { get, credentials } from '../api.js';
import { bewit } from '../hawk.js';
import { ErrorBox } from '../ui.jsx';

// docker-exec-websocket-server's message codes (the first byte of each binary frame)
const STDIN = 0, STDOUT = 1, STDERR = 2, RESIZE = 50, RESUME = 100, STOPPED = 200, SHUTDOWN = 201, ERROR = 202;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(code, payload = new Uint8Array(0)) {
  const f = new Uint8Array(payload.length + 1);
  f[0] = code;
  f.set(payload, 1);
  return f;
}

/** Rows then columns, each an unsigned 16-bit little-endian number, as docker-exec-websocket-server reads them. */
const resize = (rows, cols) => frame(RESIZE, new Uint8Array([rows & 0xff, rows >> 8, cols & 0xff, cols >> 8]));

/**
 * The socket's URL on this page's own origin. Browsers cannot set headers on a WebSocket, and the relay reads
 * a bewit (Hawk's signed query) instead: it is signed for this one URL and lives 60 s, only long enough to open
 * the socket (the relay checks it at the upgrade and never again).
 */
export function socketUrl(taskId, runId, creds = credentials()) {
  const path = `/api/berth/v1/shell/${taskId}/${runId}?tty=true`;
  const http = `${location.protocol}//${location.host}${path}`;
  const signed = creds ? `${path}&bewit=${bewit(http, creds, 60)}` : path;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${signed}`;
}

export default function Shell({ taskId, runId }) {
  const box = useRef(null);
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  const [state, setState] = useState('connecting');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    get(`/api/berth/v1/shell/${taskId}/${runId}`).then(setInfo, setError);
  }, [taskId, runId, attempt]);

  useEffect(() => {
    if (!info?.workerConnected) return;
    const term = new Terminal({ cursorBlink: true, convertEol: false, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current);
    // the terminal's size as `stty size` prints it (rows, columns), for whoever checks the resize (WebInspectorIT)
    const showSize = () => { if (box.current) box.current.dataset.size = `${term.rows} ${term.cols}`; };
    fit.fit();
    showSize();
    setState('connecting');
    const ws = new WebSocket(socketUrl(taskId, runId));
    ws.binaryType = 'arraybuffer';
    let ready = false;
    const send = (f) => { if (ws.readyState === WebSocket.OPEN) ws.send(f); };
    ws.onmessage = (m) => {
      if (typeof m.data === 'string') return;
      const bytes = new Uint8Array(m.data);
      const payload = bytes.subarray(1);
      switch (bytes[0]) {
        case STDOUT: case STDERR: term.write(payload); break;
        case RESUME:
          if (!ready) { ready = true; setState('open'); send(resize(term.rows, term.cols)); term.focus(); }
          break;
        case STOPPED: setState(`exited (${payload.length ? payload[0] : '?'})`); term.write(`\r\n[the shell exited with code ${payload[0]}]\r\n`); break;
        case SHUTDOWN: setState('shut down'); term.write('\r\n[the worker shut the session down]\r\n'); break;
        case ERROR: setError({ code: 'ShellError', message: decoder.decode(payload) }); break;
        default: break;
      }
    };
    ws.onclose = (e) => setState((s) => (s === 'open' || s === 'connecting' ? `closed${e.reason ? `: ${e.reason}` : ''}` : s));
    ws.onerror = () => setError((x) => x ?? { code: 'SocketError', message: 'the shell socket failed (the run may have ended)' });
    const input = term.onData((d) => send(frame(STDIN, encoder.encode(d))));
    const binary = term.onBinary((d) => send(frame(STDIN, Uint8Array.from(d, (c) => c.charCodeAt(0)))));
    const resized = term.onResize(({ rows, cols }) => { showSize(); if (ready) send(resize(rows, cols)); });
    const onWindow = () => fit.fit();
    addEventListener('resize', onWindow);
    const observer = new ResizeObserver(onWindow);
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      removeEventListener('resize', onWindow);
      input.dispose(); binary.dispose(); resized.dispose();
      ws.close();
      term.dispose();
    };
  }, [info, taskId, runId]);

  return (
    <section class="card shell">
      <h1>Shell in <a href={`#/tasks/${taskId}`}><code>{taskId}</code></a> run {runId}
        {' '}<span class="muted" data-testid="shell-state">{info && !info.workerConnected ? 'no worker' : state}</span></h1>
      <ErrorBox error={error} />
      {info && !info.workerConnected && (
        <p>No worker serves a shell for this run (it is not running, or its task does not enable
          {' '}<code>features.interactive</code>). <button type="button" onClick={() => setAttempt((a) => a + 1)}>Try again</button></p>
      )}
      <div class="terminal" ref={box} data-testid="terminal" />
    </section>
  );
}
