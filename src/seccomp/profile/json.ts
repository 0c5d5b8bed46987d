/**
 * A strict JSON parser (RFC 8259) that keeps integers exact: integer literals
 * outside ±2^53 become bigint, so 64-bit seccomp argument values such as
 * 18446744073709551615 survive. Errors are InputError with line and column.
 * Depth is bounded so hostile input cannot overflow the stack.
 */
import { InputError } from '../../errors.js';

/** A parsed JSON value (integers beyond 2^53 as bigint). */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [k: string]: JsonValue };

const MAX_DEPTH = 512;

/**
 * Parses JSON text.
 * @param file name used in error messages.
 * @throws InputError (code PARSE) naming line and column of the first error.
 */
export function parseJsonExact(text: string, file?: string): JsonValue {
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < i && k < n; k++) {
      if (text.charCodeAt(k) === 10) { line++; col = 1; } else col++;
    }
    throw new InputError(`${msg} (column ${col})`, file === undefined ? { line } : { line, file });
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(start, i); i++; return out; }
      if (c < 0x20) fail('control character in string');
      if (c === 92) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const h = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
            break;
          }
          default: i -= 2; fail('bad escape in string');
        }
        start = i;
        continue;
      }
      i++;
    }
  };
  const num = (): number | bigint => {
    const m = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (r === null || r[0] === '-' || r[0] === '') fail('bad number');
    const s = r![0];
    i += s.length;
    if (r![2] === undefined && r![3] === undefined) {
      const v = Number(s);
      if (Number.isSafeInteger(v)) return v;
      return BigInt(s);
    }
    return Number(s);
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    if (i >= n) fail('unexpected end of input');
    const c = text[i]!;
    if (c === '{') {
      i++;
      const o: { [k: string]: JsonValue } = Object.create(null) as { [k: string]: JsonValue };
      ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        o[k] = value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const v = value(0);
  ws();
  if (i < n) fail('trailing characters after JSON value');
  return v;
}
