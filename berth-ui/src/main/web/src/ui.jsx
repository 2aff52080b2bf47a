import { useEffect, useState } from 'preact/hooks';
// Small shared pieces: API errors as they came, timestamps in the viewer's zone with UTC on hover.
export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid="error">
      <b>{error.code ?? 'Error'}</b> {error.status ? `(${error.status})` : ''}: <span>{error.message}</span>
    </div>
  );
}

export function Time({ value }) {
  if (!value) return <span>–</span>;
  const d = new Date(value);
  return <time dateTime={value} title={d.toISOString()}>{d.toLocaleString()}</time>;
}

export function duration(from, to) {
  if (!from) return '';
  const ms = (to ? new Date(to) : new Date()) - new Date(from);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function State({ state }) {
  return <span class={`state state-${state}`} data-testid="state">{state}</span>;
}

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const NEXT = new Set(['j', 'ArrowDown']);
const PREVIOUS = new Set(['k', 'ArrowUp']);

/**
 * j/k (or the arrows) move the focus through the links of a list marked data-keynav (the one holding the focus,
 * else the first on the page); Enter opens the focused link, as a link does. Typing in a field is left alone, and
 * a list with its own keys (the task group's rows) stops the event itself.
 */
export function installListKeys() {
  addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || TYPING.has(e.target.tagName) || e.target.isContentEditable) return;
    const step = NEXT.has(e.key) ? 1 : PREVIOUS.has(e.key) ? -1 : 0;
    if (!step) return;
    const list = e.target.closest?.('[data-keynav]') ?? document.querySelector('[data-keynav]');
    if (!list) return;
    const links = [...list.querySelectorAll('a[href]')];
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    e.preventDefault();
  });
}

/** A page whose code is a chunk of its own (the terminal, the schema validator), loaded when first shown. */
export function Lazy({ load, props }) {
  const [Page, setPage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { load().then((C) => setPage(() => C), setError); }, []);
  if (error) return <ErrorBox error={{ code: 'LoadError', message: `cannot load this page: ${error.message}` }} />;
  return Page ? <Page {...props} /> : <p class="muted">Loading…</p>;
}
