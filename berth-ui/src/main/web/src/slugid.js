// A new task id as Taskcluster's clients make one: a v4 UUID in URL-safe base64 without padding, its first
// bit clear ("nice": never starts with '-').
export function niceSlug() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  b[0] &= 0x7f;
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
