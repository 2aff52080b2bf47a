import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { credentials, setCredentials, get, authPath } from './api.js';
import { Home } from './pages/Home.jsx';
import { Task } from './pages/Task.jsx';
import { TaskGroup } from './pages/TaskGroup.jsx';
import { SignIn } from './pages/SignIn.jsx';
import { Index } from './pages/Index.jsx';
import { Pools, Pool } from './pages/Pools.jsx';
import { ErrorBox, Lazy, installListKeys } from './ui.jsx';
import './style.css';

// Hash routes (#/tasks/<id>, #/groups/<id>, #/index/<namespace>, #/create[/<from task id>], #/shell/<task id>/<run>, #/signin) so every page is one URL the server answers with
// index.html, and nothing secret is ever in a path or query.
function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  // #/tasks/<id>/runs/<run>/L<n> links one line of a run's log
  const line = parts[2] === 'runs' && /^L\d+$/.test(parts[4] ?? '') ? { run: Number(parts[3]), line: Number(parts[4].slice(1)) } : null;
  return { page: parts[0] || 'home', id: parts[1], run: parts[2], line };
}

// the create form (ajv, yaml) and the shell (xterm) are chunks of their own, loaded when first opened
const loadCreate = () => import('./pages/CreateTask.jsx').then((m) => m.default);
const loadShell = () => import('./pages/Shell.jsx').then((m) => m.default);

function App() {
  const [r, setR] = useState(route());
  const [creds, setCreds] = useState(credentials());
  const [scopes, setScopes] = useState([]);
  const [scopeError, setScopeError] = useState(null);

  useEffect(() => {
    const on = () => setR(route());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);

  useEffect(() => {
    setScopeError(null);
    if (!creds) { setScopes([]); return; }
    get(authPath('/scopes/current')).then((s) => setScopes(s.scopes ?? []), setScopeError);
  }, [creds]);

  const signIn = (c) => { setCredentials(c); setCreds(c); location.hash = '#/'; };
  const signOut = () => { setCredentials(null); setCreds(null); };

  let page;
  if (r.page === 'tasks' && r.id) page = <Task key={r.id} taskId={r.id} scopes={scopes} linkedRun={r.line?.run} linkedLine={r.line?.line} />;
  else if (r.page === 'groups' && r.id) page = <TaskGroup key={r.id} taskGroupId={r.id} />;
  else if (r.page === 'index') page = <Index key={r.id ?? ''} namespace={r.id ?? ''} />;
  else if (r.page === 'pools' && r.id) page = <Pool key={r.id} workerPoolId={r.id} />;
  else if (r.page === 'pools') page = <Pools />;
  else if (r.page === 'create') page = <Lazy key={`create/${r.id ?? ''}`} load={loadCreate} props={{ fromTaskId: r.id }} />;
  else if (r.page === 'shell' && r.id) page = <Lazy key={`shell/${r.id}/${r.run}`} load={loadShell} props={{ taskId: r.id, runId: Number(r.run ?? 0) }} />;
  else if (r.page === 'signin') page = <SignIn onSignIn={signIn} />;
  else page = <Home />;

  return (
    <>
      <header class="top">
        <a href="#/" class="brand">Berth</a>
        <nav class="row">
          <a href="#/">Home</a>
          <a href="#/index/" data-testid="index-link">Index</a>
          <a href="#/pools" data-testid="pools-link">Pools</a>
          <a href="#/create" data-testid="create-link">Create task</a>
          {creds
            ? <span>signed in as <b data-testid="who">{creds.clientId}</b> <button onClick={signOut} data-testid="sign-out">Sign out</button></span>
            : <a href="#/signin" data-testid="signin-link">Sign in</a>}
        </nav>
      </header>
      <main>
        {scopeError && <ErrorBox error={scopeError} />}
        {page}
      </main>
    </>
  );
}

installListKeys();
render(<App />, document.getElementById('app'));
