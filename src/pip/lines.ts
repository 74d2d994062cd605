// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * IPython's logical lines: where a cell's lines start and end as IPython's
 * `make_tokens_by_line` sees them (bracketed, string and backslash
 * continuations of Python lines; backslash continuations of escaped `%…` and
 * `!…` lines), and where its body starts after the cell magics that run it as
 * a cell of its own (`%%capture`, `%%time`).
 *
 * - An escaped line continues over lines that end in a backslash directly
 *   followed by `\n` (not `\r\n`), the pieces joined with a space.
 * - A cell with NUL, a lone surrogate, a lone `\r` (which `tokenize` takes
 *   for a blank, so IPython does not see a new line start) or a line break
 *   that only IPython splits on (`\v`, `\f`, U+2028, …) is not understood.
 */

/**
 * Where the Python code of a cell starts, after the cell magics that run it
 * as a cell of its own.
 *
 * @param source The cell's code.
 *
 * @returns The offset and zero-based line of the body, or `null` when a cell
 * magic hands the body to something other than IPython's cell runner
 * (`%%bash`, `%%writefile`, …) or the parser cannot tell: the cell has NUL,
 * a lone surrogate, a lone `\r` or a line break that only IPython splits on
 * (`\v`, `\f`, U+2028, …).
 *
 * #### Notes
 * Only `%%capture [--no-stderr] [--no-stdout] [--no-display] [name]` and
 * `%%time` (nothing after it), starting the first non-blank line at column 0,
 * are followed; they may be chained.
 */
export function cellBody(
  source: string
): { start: number; line: number } | null {
  if (typeof source !== 'string' || UNSAFE_CHARACTER.test(source)) {
    return null;
  }
  let start = 0;
  let line = 0;
  for (;;) {
    const first = firstNonBlankLine(source, start, line);
    if (first === null) {
      return { start, line };
    }
    if (source.charCodeAt(first.start) !== PERCENT) {
      // Indented `%%` lines are dedented by IPython first; too clever for us.
      if (/^[ \t]*%%/.test(source.slice(first.start, first.start + 64))) {
        return null;
      }
      return { start, line };
    }
    if (source.charCodeAt(first.start + 1) !== PERCENT) {
      return { start, line };
    }
    const text = source.slice(first.start, first.end);
    if (!RUNS_CELL.test(text)) {
      return null;
    }
    start = first.next;
    line = first.line + 1;
    if (first.next === first.end) {
      // The cell magic is the last line: its body is empty.
      return { start, line };
    }
  }
}

/**
 * A logical line of a cell: a line of Python with its bracketed, string and
 * backslash continuations, or an escaped IPython line (`%…`, `!…`) with its
 * backslash continuations, as IPython's `make_tokens_by_line` sees them.
 */
export interface ILogicalLine {
  /**
   * Offset of the start of its first physical line.
   */
  start: number;
  /**
   * Offset after its indentation.
   */
  content: number;
  /**
   * Offset of the end of its last physical line, before the line break.
   */
  end: number;
  /**
   * Offset after the line break of its last physical line.
   */
  next: number;
  /**
   * Zero-based index of its first physical line.
   */
  line: number;
  /**
   * Number of physical lines.
   */
  lines: number;
}

export const PERCENT = 0x25;
export const BANG = 0x21;
export const HASH = 0x23;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Cell magics whose body IPython runs as a cell (`run_cell` for
 * `%%capture`, `transform_cell` for `%%time`). `%%time` refuses arguments;
 * `%%capture` arguments are limited to what cannot fail or expand.
 */
export const RUNS_CELL =
  /^%%(?:time|capture(?: +(?:--no-stderr|--no-stdout|--no-display|[A-Za-z_][A-Za-z0-9_]*))*) *$/;

/**
 * What makes a cell's lines uncertain: characters that IPython's
 * `str.splitlines` treats as line breaks but Python's tokenizer does not
 * (and a lone `\r`, which `tokenize` takes for a blank, so that IPython
 * does not see the next line start), NUL (which Python refuses) and lone
 * surrogates (which cannot be encoded).
 */
export const UNSAFE_CHARACTER =
  // eslint-disable-next-line no-control-regex -- finding them is its job
  /[\0\v\f\x1c-\x1e\x85\u2028\u2029]|\r(?!\n)|[\uD800-\uDFFF]/u;

/**
 * Characters that end a line for Python's tokenizer.
 */
const LINE_BREAK = /\r\n?|\n/g;

/**
 * Characters that matter when scanning Python code, by code.
 */
const PYTHON_SPECIAL = new Uint8Array(128);
for (const char of '\n\r#\'"\\()[]{}') {
  PYTHON_SPECIAL[char.charCodeAt(0)] = 1;
}

/**
 * Characters that matter inside a Python string.
 */
const STRING_SPECIAL = /['"\\\n\r]/g;

/**
 * The first line at or after `start` that is not blank (spaces and tabs).
 */
export function firstNonBlankLine(
  source: string,
  start: number,
  line: number
): { start: number; end: number; next: number; line: number } | null {
  let pos = start;
  while (pos < source.length) {
    const { end, next } = physicalLine(source, pos);
    let i = pos;
    while (i < end && isBlank(source.charCodeAt(i))) {
      i++;
    }
    if (i < end) {
      return { start: pos, end, next, line };
    }
    pos = next;
    line++;
  }
  return null;
}

/**
 * The physical line starting at `pos`: its end and the start of the next.
 */
export function physicalLine(
  source: string,
  pos: number
): { end: number; next: number } {
  LINE_BREAK.lastIndex = pos;
  const match = LINE_BREAK.exec(source);
  if (match === null) {
    return { end: source.length, next: source.length };
  }
  return { end: match.index, next: match.index + match[0].length };
}

export function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

function isEscape(code: number): boolean {
  // IPython's ESCAPE_SINGLES: these lines are rewritten before Python sees
  // them, so their strings and brackets do not count.
  return (
    code === PERCENT ||
    code === BANG ||
    code === 0x3f /* ? */ ||
    code === 0x2c /* , */ ||
    code === 0x3b /* ; */ ||
    code === 0x2f /* / */
  );
}

/**
 * Split a range of a cell into logical lines the way IPython's
 * `make_tokens_by_line` does, well enough to know where a line starts
 * outside strings and brackets.
 *
 * @param source The cell's code.
 * @param from Where to start, at the start of a line.
 * @param firstLine The zero-based index of that line.
 * @returns The logical lines, blank ones included, in order.
 */
export function logicalLines(
  source: string,
  from = 0,
  firstLine = 0
): ILogicalLine[] {
  const result: ILogicalLine[] = [];
  const n = source.length;
  let pos = from;
  let line = firstLine;
  while (pos < n) {
    let content = pos;
    while (content < n && isBlank(source.charCodeAt(content))) {
      content++;
    }
    const scanned = isEscape(source.charCodeAt(content))
      ? scanEscaped(source, content)
      : scanPython(source, content);
    result.push({
      start: pos,
      content,
      end: scanned.end,
      next: scanned.next,
      line,
      lines: scanned.lines
    });
    line += scanned.lines;
    pos = scanned.next;
  }
  return result;
}

interface IScanned {
  end: number;
  next: number;
  lines: number;
}

/**
 * An escaped line: to the end of the line, continued while the line ends
 * with a backslash directly followed by `\n` (`find_end_of_continued_line`;
 * before `\r\n` the backslash stays in the command and makes it
 * unroutable).
 */
function scanEscaped(source: string, pos: number): IScanned {
  let lines = 1;
  for (;;) {
    const { end, next } = physicalLine(source, pos);
    const backslash = end > pos && source.charCodeAt(end - 1) === BACKSLASH;
    if (backslash && next === end + 1 && source.charCodeAt(end) === LF) {
      if (next >= source.length) {
        return { end, next, lines };
      }
      pos = next;
      lines++;
      continue;
    }
    return { end, next, lines };
  }
}

/**
 * A line of Python: to the first line break outside brackets, strings and
 * backslash continuations. Unbalanced closing brackets are ignored and an
 * unterminated single-quoted string ends with its line, as in IPython.
 */
function scanPython(source: string, pos: number): IScanned {
  const n = source.length;
  let depth = 0;
  let lines = 1;
  let i = pos;
  while (i < n) {
    const code = source.charCodeAt(i);
    if (code > 0x7d || PYTHON_SPECIAL[code] === 0) {
      i++; // Most characters: a table look-up, cheaper than a search.
    } else if (code === LF || code === CR) {
      const next = i + breakLength(source, i);
      if (depth === 0) {
        return { end: i, next, lines };
      }
      lines++;
      i = next;
    } else if (code === HASH) {
      i = physicalLine(source, i).end;
    } else if (code === BACKSLASH) {
      const after = source.charCodeAt(i + 1);
      if (after === LF || after === CR) {
        lines++;
        i = i + 1 + breakLength(source, i + 1);
      } else {
        i++;
      }
    } else if (code === 0x27 || code === 0x22) {
      const skipped = skipString(source, i);
      lines += skipped.lines;
      i = skipped.next;
    } else if (code === 0x28 || code === 0x5b || code === 0x7b) {
      depth++;
      i++;
    } else {
      if (depth > 0) {
        depth--;
      }
      i++;
    }
  }
  return { end: n, next: n, lines };
}

function breakLength(source: string, i: number): number {
  return source.charCodeAt(i) === CR && source.charCodeAt(i + 1) === LF ? 2 : 1;
}

/**
 * Skip a string literal opening at `pos` (any prefix already passed).
 *
 * @returns Where scanning goes on and how many line breaks were passed.
 */
function skipString(
  source: string,
  pos: number
): { next: number; lines: number } {
  const quote = source.charCodeAt(pos);
  const triple =
    source.charCodeAt(pos + 1) === quote &&
    source.charCodeAt(pos + 2) === quote;
  let i = pos + (triple ? 3 : 1);
  let lines = 0;
  for (;;) {
    STRING_SPECIAL.lastIndex = i;
    const match = STRING_SPECIAL.exec(source);
    if (match === null) {
      return { next: source.length, lines };
    }
    i = match.index;
    const code = source.charCodeAt(i);
    if (code === BACKSLASH) {
      const after = source.charCodeAt(i + 1);
      if (after === LF || after === CR) {
        lines++;
        i = i + 1 + breakLength(source, i + 1);
      } else {
        i += 2;
      }
    } else if (code === LF || code === CR) {
      if (!triple) {
        // Unterminated: the line break is the scanner's again.
        return { next: i, lines };
      }
      lines++;
      i += breakLength(source, i);
    } else if (code !== quote) {
      i++;
    } else if (!triple) {
      return { next: i + 1, lines };
    } else if (
      source.charCodeAt(i + 1) === quote &&
      source.charCodeAt(i + 2) === quote
    ) {
      return { next: i + 3, lines };
    } else {
      i++;
    }
  }
}

/**
 * A piece of the joined text of a command and where it comes from.
 */
export interface ISegment {
  /**
   * Offset in the joined text.
   */
  joined: number;
  /**
   * Offset in the source.
   */
  source: number;
  /**
   * Length.
   */
  length: number;
}

/**
 * The text IPython hands over for an escaped line (`assemble_continued_line`):
 * physical lines without their final backslash, joined by a space, the last
 * one right-stripped.
 */
export function joinContinued(
  source: string,
  from: number,
  end: number
): { text: string; segments: ISegment[] } {
  const segments: ISegment[] = [];
  let text = '';
  let pos = from;
  for (;;) {
    const line = physicalLine(source, pos);
    if (line.end >= end) {
      let last = end;
      while (last > pos && isBlank(source.charCodeAt(last - 1))) {
        last--;
      }
      segments.push({ joined: text.length, source: pos, length: last - pos });
      text += source.slice(pos, last);
      return { text, segments };
    }
    // A continued line: drop the backslash, join with a space.
    segments.push({
      joined: text.length,
      source: pos,
      length: line.end - 1 - pos
    });
    text += source.slice(pos, line.end - 1) + ' ';
    pos = line.next;
  }
}

/**
 * Where a range of the joined text is in the source, or -1 if it does not
 * lie within one physical line.
 */
export function toSource(
  segments: ISegment[],
  start: number,
  end: number
): number {
  for (const segment of segments) {
    if (start >= segment.joined && end <= segment.joined + segment.length) {
      return segment.source + (start - segment.joined);
    }
  }
  return -1;
}
