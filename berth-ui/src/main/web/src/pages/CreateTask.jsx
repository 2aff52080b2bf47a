// The create-task form: a YAML editor checked against the task definition's and docker-worker's payload schemas,
// each problem shown at its line, then createTask under a fresh id. A chunk of its own (yaml and the validators
// load only here). The validators are ajv's standalone code, compiled at build time (src/main/build/validators.mjs) from
// the files the server serves under /schemas/: the page's Content-Security-Policy has no 'unsafe-eval', which ajv
// compiling in the browser would need. The page still reads the served schemas and says so if they differ.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { parseDocument, stringify, LineCounter, isMap, isSeq, isScalar } from 'yaml';
import validateTask, { schema as taskSchema, served as taskServed } from 'generated/task-validator.js';
import validatePayload, { schema as payloadSchema, served as payloadServed } from 'generated/payload-validator.js';
import { get, request, queuePath, credentials } from '../api.js';
import { ErrorBox } from '../ui.jsx';
import { niceSlug } from '../slugid.js';
import { retriggered } from '../tasks.js';

function sample() {
  const now = Date.now();
  const at = (ms) => new Date(now + ms).toISOString();
  return `# a task for a docker worker: edit it, then Create
taskQueueId: local/docker
created: ${at(0)}
deadline: ${at(3600_000)}
expires: ${at(7 * 86400_000)}
metadata:
  name: hello from the web inspector
  description: a task made with the create form
  owner: someone@example.com
  source: ${location.origin}/
payload:
  image: busybox:latest
  command: [sh, -c, 'echo hello; sleep 1']
  maxRunTime: 60
`;
}

const v = { forTask: validateTask, forPayload: validatePayload };

/** The schemas this server serves that differ from the ones the validators were built from (none, normally). */
async function differences() {
  const out = [];
  for (const [path, built] of [[taskServed, taskSchema], [payloadServed, payloadSchema]]) {
    try {
      const served = await get(path);
      if (JSON.stringify(served) !== JSON.stringify(built)) out.push(path);
    } catch (e) {
      if (e.status !== 404) out.push(`${path} (${e.code}: ${e.message})`);
    }
  }
  return out;
}

const pointer = (p) => (p ? p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : []);

/** The line (1-based) of the YAML node at path: the key's line for a mapping entry, the item's for a list item. */
function lineOf(doc, lines, path) {
  let node = doc.contents;
  let line = node?.range ? lines.linePos(node.range[0]).line : 1;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      if (pair.key?.range) line = lines.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (!item) break;
      if (item.range) line = lines.linePos(item.range[0]).line;
      node = item;
    } else break;
  }
  return line;
}

/** Every problem of the text: YAML syntax first; then the schemas' findings, each with its line. */
export function check(text, v) {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    return { value: null, problems: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, path: '', message: e.message.split('\n')[0] })) };
  }
  const value = doc.toJS();
  const problems = [];
  const add = (prefix, errors) => {
    for (const e of errors ?? []) {
      const path = [...prefix, ...pointer(e.instancePath)];
      if (e.params?.additionalProperty) path.push(e.params.additionalProperty);
      const where = `/${path.join('/')}`;
      let message = e.message;
      if (e.params?.additionalProperty) message += ` (${e.params.additionalProperty})`;
      if (e.params?.allowedValues) message += `: ${e.params.allowedValues.join(', ')}`;
      problems.push({ line: lineOf(doc, lines, path), path: where, message });
    }
  };
  if (!v.forTask(value)) add([], v.forTask.errors);
  if (v.forPayload && value && typeof value.payload === 'object' && value.payload !== null && !v.forPayload(value.payload)) {
    add(['payload'], v.forPayload.errors);
  }
  problems.sort((a, b) => a.line - b.line);
  return { value, problems };
}

/** A textarea with line numbers; lines with a problem are marked in the gutter. */
function YamlEditor({ text, onText, problems, editor }) {
  const gutter = useRef(null);
  const count = text.split('\n').length;
  const bad = useMemo(() => new Map(problems.map((p) => [p.line, p.message])), [problems]);
  return (
    <div class="editor">
      <div class="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <div key={i} class={bad.has(i + 1) ? 'bad' : ''} title={bad.get(i + 1)} data-gutter-line={i + 1}>{i + 1}</div>
        ))}
      </div>
      <textarea ref={editor} name="definition" data-testid="yaml-editor" spellcheck={false} aria-label="task definition in YAML"
        value={text} onInput={(e) => onText(e.currentTarget.value)}
        onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop; }} />
    </div>
  );
}

/** Puts the caret on a line of the textarea and scrolls it into view. */
function selectLine(area, text, line) {
  if (!area) return;
  const lines = text.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] ?? '').length);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

export default function CreateTask({ fromTaskId }) {
  const [text, setText] = useState(fromTaskId ? '' : sample());
  const [taskId, setTaskId] = useState(niceSlug());
  const [stale, setStale] = useState([]);
  const [problems, setProblems] = useState([]);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const editor = useRef(null);

  useEffect(() => { differences().then(setStale, () => setStale([])); }, []);
  useEffect(() => {
    if (!fromTaskId) return;
    // edit-and-create: the task's definition as a copy with its times moved to now
    get(queuePath(`/task/${fromTaskId}`)).then((t) => setText(stringify(retriggered(t))), setError);
  }, [fromTaskId]);
  // once checked, the problems follow the text as it is edited
  useEffect(() => {
    if (!checked) return;
    const t = setTimeout(() => setProblems(check(text, v).problems), 250);
    return () => clearTimeout(t);
  }, [text, checked]);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    const { value, problems: found } = check(text, v);
    setChecked(true);
    setProblems(found);
    if (found.length) { selectLine(editor.current, text, found[0].line); return; }
    setBusy(true);
    try {
      await request('PUT', queuePath(`/task/${taskId}`), value);
      const made = taskId;
      setTaskId(niceSlug());
      location.hash = `#/tasks/${made}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card create" onSubmit={submit} data-testid="create-form">
      <h1>{fromTaskId ? <>Edit and create a copy of <a href={`#/tasks/${fromTaskId}`}><code>{fromTaskId}</code></a></> : 'Create a task'}</h1>
      <p>New task id <code data-testid="new-task-id">{taskId}</code>{' '}
        <button type="button" class="link" onClick={() => setTaskId(niceSlug())}>another</button></p>
      {!credentials() && <p class="muted">Not signed in: createTask will answer as it does to the anonymous role.</p>}
      <YamlEditor text={text} onText={setText} problems={problems} editor={editor} />
      {stale.length > 0 && <p class="muted" data-testid="schema-stale">This page was built with other versions of {stale.join(', ')}
        than the server serves: the server checks the task again when it is created.</p>}
      {problems.length > 0 && (
        <ul class="problems" data-testid="schema-errors" aria-live="polite">
          {problems.map((p, i) => (
            <li key={i} data-line={p.line} data-path={p.path}>
              <button type="button" class="link" onClick={() => selectLine(editor.current, text, p.line)}>line {p.line}</button>
              {' '}<code>{p.path}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
      <div class="row actions">
        <button type="submit" data-testid="create-submit" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
        <button type="button" onClick={() => { setChecked(true); setProblems(check(text, v).problems); }}
          data-testid="create-check">Check</button>
        {checked && problems.length === 0 && <span class="muted" data-testid="schema-ok">matches the schemas</span>}
      </div>
    </form>
  );
}
