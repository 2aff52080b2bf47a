import { useState } from 'preact/hooks';
import { get, authPath, ApiError } from '../api.js';
import { ErrorBox } from '../ui.jsx';

// Credentials are checked against auth's currentScopes before they are kept (in sessionStorage only).
export function SignIn({ onSignIn }) {
  const [clientId, setClientId] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [certificate, setCertificate] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    const c = { clientId: clientId.trim(), accessToken: accessToken.trim() };
    if (certificate.trim()) {
      try { c.certificate = JSON.parse(certificate); } catch (err) {
        setError(new ApiError(0, 'InvalidCertificate', `certificate is not JSON: ${err.message}`));
        return;
      }
    }
    setBusy(true);
    try {
      await get(authPath('/scopes/current'), c);
      onSignIn(c);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card signin" onSubmit={submit}>
      <h1>Sign in</h1>
      <p>Your credentials stay in this browser tab (session storage) and sign each request with Hawk.</p>
      <label>Client ID <input name="clientId" value={clientId} onInput={(e) => setClientId(e.target.value)} required autocomplete="username" /></label>
      <label>Access token <input name="accessToken" type="password" value={accessToken} onInput={(e) => setAccessToken(e.target.value)} required autocomplete="current-password" /></label>
      <label>Certificate (temporary credentials only) <textarea name="certificate" rows="3" value={certificate} onInput={(e) => setCertificate(e.target.value)} /></label>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>Sign in</button>
    </form>
  );
}
