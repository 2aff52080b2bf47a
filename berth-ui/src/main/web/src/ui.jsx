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
