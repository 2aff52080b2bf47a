// Hawk request signing (the header scheme Taskcluster clients use), with @noble/hashes' HMAC-SHA256 so it also
// works on plain-HTTP pages, where WebCrypto's subtle API is not available.
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';

function base64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function nonce() {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return base64(b).replace(/[+/=]/g, 'x');
}

/**
 * The Authorization header for one request. credentials: {clientId, accessToken, certificate?};
 * a certificate (temporary credentials) travels in ext as Taskcluster's clients send it.
 */
export function hawkHeader(method, url, credentials, now = Date.now()) {
  const u = new URL(url, location.href);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const ts = Math.floor(now / 1000).toString();
  const n = nonce();
  let ext = '';
  if (credentials.certificate) {
    const cert = typeof credentials.certificate === 'string' ? JSON.parse(credentials.certificate) : credentials.certificate;
    ext = base64(utf8ToBytes(JSON.stringify({ certificate: cert })));
  }
  const normalized = ['hawk.1.header', ts, n, method.toUpperCase(), u.pathname + u.search, u.hostname.toLowerCase(), port, '', ext, '']
    .join('\n');
  const mac = base64(hmac(sha256, utf8ToBytes(credentials.accessToken), utf8ToBytes(normalized)));
  let header = `Hawk id="${credentials.clientId}", ts="${ts}", nonce="${n}", mac="${mac}"`;
  if (ext) header += `, ext="${ext}"`;
  return header;
}

/**
 * A bewit (Hawk's signed query parameter) for a GET of url, valid for ttlSeconds: for the one request a browser
 * cannot put headers on (a WebSocket's upgrade). Temporary credentials' certificate travels in ext, as in headers.
 */
export function bewit(url, credentials, ttlSeconds, now = Date.now()) {
  const u = new URL(url, location.href);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const exp = (Math.floor(now / 1000) + ttlSeconds).toString();
  let ext = '';
  if (credentials.certificate) {
    const cert = typeof credentials.certificate === 'string' ? JSON.parse(credentials.certificate) : credentials.certificate;
    ext = base64(utf8ToBytes(JSON.stringify({ certificate: cert })));
  }
  const normalized = ['hawk.1.bewit', exp, '', 'GET', u.pathname + u.search, u.hostname.toLowerCase(), port, '', ext, ''].join('\n');
  const mac = base64(hmac(sha256, utf8ToBytes(credentials.accessToken), utf8ToBytes(normalized)));
  return base64(utf8ToBytes(`${credentials.clientId}\\${exp}\\${mac}\\${ext}`)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
