// Renders a log's SGR colour codes (bold, the 8 colours and their bright forms) as spans; every other escape
// sequence is dropped. Stateful across chunks: a colour set in one chunk goes on in the next, and an escape
// split between two chunks is kept until it is whole.
const ESC = /\x1b\[([0-9;?]*)([A-Za-z])/g;

export class AnsiRenderer {
  constructor() {
    this.fg = null;
    this.bold = false;
    this.carry = '';
  }

  /** Appends text (one chunk of the log) to el, or through out(text, className) when given. */
  append(el, chunk, out) {
    this.out = out;
    let text = this.carry + chunk;
    this.carry = '';
    const partial = text.lastIndexOf('\x1b');
    if (partial >= 0 && !/^\x1b\[[0-9;?]*[A-Za-z]/.test(text.slice(partial))) {
      this.carry = text.slice(partial);
      text = text.slice(0, partial);
    }
    let at = 0;
    for (const m of text.matchAll(ESC)) {
      this.emit(el, text.slice(at, m.index));
      at = m.index + m[0].length;
      if (m[2] === 'm') this.sgr(m[1]);
    }
    this.emit(el, text.slice(at));
  }

  sgr(params) {
    for (const p of (params || '0').split(';').map(Number)) {
      if (p === 0) { this.fg = null; this.bold = false; }
      else if (p === 1) this.bold = true;
      else if (p === 22) this.bold = false;
      else if (p === 39) this.fg = null;
      else if (p >= 30 && p <= 37) this.fg = p;
      else if (p >= 90 && p <= 97) { this.fg = p - 60; this.bold = true; }
    }
  }

  emit(el, text) {
    if (!text) return;
    const cls = [this.fg !== null ? `fg-${this.fg}` : '', this.bold ? 'ansi-1' : ''].join(' ').trim();
    if (this.out) { this.out(text, cls); return; }
    if (!cls) {
      el.appendChild(document.createTextNode(text));
      return;
    }
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    el.appendChild(span);
  }
}
