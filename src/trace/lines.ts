/** Streaming line splitting for trace files (memory bounded by the longest line). */
import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';

/** Splits a stream of chunks into lines (without `\n` / `\r\n`). */
export async function* splitLines(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let rest = '';
  for await (const c of chunks) {
    // a long line spans chunks: search only the new text for its end (linear, not quadratic, in the line length)
    const scanned = rest.length;
    rest += typeof c === 'string' ? c : dec.decode(c, { stream: true });
    let i: number;
    let start = 0;
    let from = scanned;
    while ((i = rest.indexOf('\n', from)) >= 0) {
      from = i + 1;
      yield rest.slice(start, i).replace(/\r$/, '');
      start = i + 1;
    }
    rest = rest.slice(start);
  }
  rest += dec.decode();
  if (rest !== '') yield rest.replace(/\r$/, '');
}

/**
 * Lines of a file, streamed.
 * @throws InputError when the file cannot be opened.
 */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e: NodeJS.ErrnoException) => reject(new InputError(`cannot read trace: ${e.code ?? e.message}`, { file: path })));
  });
  await opened;
  yield* splitLines(stream as AsyncIterable<Uint8Array>);
}

/** Lines of an in-memory text (for tests and small inputs). */
export async function* textLines(text: string): AsyncGenerator<string> {
  yield* splitLines([text][Symbol.iterator]() as unknown as AsyncIterable<string>);
}
