// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Find pip install commands in the code of a notebook or console cell.
 *
 * Pure and synchronous, with no imports, so that it can run on every cell
 * execution (and in a plain Node benchmark). It mirrors what IPython 9 does
 * with a cell, as read in `IPython/core/inputtransformer2.py`,
 * `IPython/core/magics/packaging.py` and `InteractiveShell.transform_cell`,
 * and checked against a live `InteractiveShell`:
 *
 * - `%pip ARGS` is an escaped line magic, found only at the start of a
 *   logical line (after indentation, outside strings and brackets, not after
 *   a backslash continuation). The name ends at the first space, so
 *   `%pip\tinstall` and `% pip` are other (missing) magics, and `%pip3` does
 *   not exist. The magic runs `python -m pip ARGS` through
 *   `InteractiveShell.system`, that is through `sh -c` after IPython's
 *   `var_expand` (`$name`, `{expr}`), exactly like a `!` line.
 * - `!CMD` runs CMD through the same `system`; `!!CMD` captures the output
 *   and is not treated as an install command.
 * - A bare `pip install …` runs the magic only through automagic, which
 *   IPython applies to single-line cells only (and only when automagic is on
 *   and no variable `pip` shadows it, which the frontend cannot know); in a
 *   longer cell it is a syntax error, so it is reported but never routed.
 * - An escaped line continues over lines that end in a backslash directly
 *   followed by `\n` (not `\r\n`), the pieces joined with a space.
 * - A line whose code ends in `?` asks for help instead of running.
 * - A first line `%%capture …` or `%%time` runs the rest of the cell as a
 *   cell of its own; any other cell magic (`%%bash`, `%%writefile`,
 *   `%%timeit`, …) makes the whole cell someone else's business.
 *
 * - A cell with NUL, a lone surrogate, a lone `\r` (which `tokenize` takes
 *   for a blank, so IPython does not see a new line start) or a line break
 *   that only IPython splits on (`\v`, `\f`, U+2028, …) is not understood.
 *
 * The parser only recognises; it decides nothing about apk. When it is not
 * sure, it leaves the command to pip (`routable: false`) or does not report
 * it at all, and it never throws.
 */

/**
 * A comment that turns the extension off for one cell.
 *
 * #### Notes
 * Matched case-insensitively anywhere in the cell, with any spacing around
 * the colon (`#apk:off`, `# APK: off`), so it also works as a trailing
 * comment: `%pip install numpy  # apk: off`. Such a cell parses to no
 * commands, so pip gets it exactly as written.
 */
export const OPT_OUT_MARKER = '# apk: off';

/**
 * A plain named requirement in a pip install command.
 */
export interface IRequirementToken {
  /**
   * The requirement as pip receives it, after shell quote removal,
   * e.g. `numpy>=1.2,<2` for `'numpy>=1.2,<2'`.
   */
  text: string;
  /**
   * Offset in the cell source of the first character of the shell word,
   * opening quote included.
   */
  start: number;
  /**
   * Offset in the cell source just after the shell word, closing quote
   * included; the word never spans lines.
   */
  end: number;
}

/**
 * One pip install command found in a cell.
 */
export interface IPipCommand {
  /**
   * How it is written: `%pip install` (magic), `!pip install`,
   * `!python -m pip install`, … (shell), or a bare `pip install` (automagic).
   */
  kind: 'magic' | 'shell' | 'automagic';
  /**
   * Zero-based index of the line where the command starts; lines end at
   * `\n`, `\r\n` or `\r`.
   */
  line: number;
  /**
   * Offset in the cell source of the command's first character (`%`, `!` or
   * the `p` of an automagic `pip`), after its indentation.
   */
  start: number;
  /**
   * Offset in the cell source of the end of the command's logical line
   * (continuation lines and trailing comment included, line break excluded).
   */
  end: number;
  /**
   * The whitespace before the command on its line.
   */
  indent: string;
  /**
   * The plain named requirements, in order. Complete and exact only when the
   * command is routable; otherwise informational.
   */
  requirements: IRequirementToken[];
  /**
   * The option words of the command with their values, in order, after shell
   * quote removal, e.g. `['-q', '--progress-bar', 'off']`.
   */
  options: string[];
  /**
   * Whether the requirements may be taken out of this command and installed
   * some other way. When false, the command must reach pip untouched.
   */
  routable: boolean;
  /**
   * Why the command is not routable, in a few words for the user.
   */
  reason?: string;
}

/**
 * The pip install commands of a cell.
 */
export interface IParseResult {
  /**
   * The commands in source order; empty for a cell without any.
   */
  commands: IPipCommand[];
}

/**
 * Find the pip install commands of a cell.
 *
 * @param source The cell's code, as the kernel would receive it.
 *
 * @returns The commands, in source order. Never throws: a cell the parser
 * does not understand yields no commands or unroutable ones.
 */
export function parseCell(source: string): IParseResult {
  const result = { commands: Private.commands(source) };
  if (typeof source === 'string') {
    Private.SOURCES.set(result, source);
  }
  return result;
}

/**
 * The source a result of `parseCell` was parsed from, so that its users
 * need not parse it again; `undefined` for any other object.
 */
export function sourceOf(result: IParseResult): string | undefined {
  return Private.SOURCES.get(result);
}

/**
 * Whether a cell has at least one pip install command.
 *
 * @param source The cell's code.
 *
 * @returns True if and only if `parseCell(source)` returns a command. Cells
 * that do not contain `pip` at all are rejected by a single string search.
 */
export function hasPipCommand(source: string): boolean {
  return parseCell(source).commands.length > 0;
}

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
  if (typeof source !== 'string' || Private.UNSAFE_CHARACTER.test(source)) {
    return null;
  }
  let start = 0;
  let line = 0;
  for (;;) {
    const first = Private.firstNonBlankLine(source, start, line);
    if (first === null) {
      return { start, line };
    }
    if (source.charCodeAt(first.start) !== Private.PERCENT) {
      // Indented `%%` lines are dedented by IPython first; too clever for us.
      if (/^[ \t]*%%/.test(source.slice(first.start, first.start + 64))) {
        return null;
      }
      return { start, line };
    }
    if (source.charCodeAt(first.start + 1) !== Private.PERCENT) {
      return { start, line };
    }
    const text = source.slice(first.start, first.end);
    if (!Private.RUNS_CELL.test(text)) {
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

/**
 * Split (part of) a cell into logical lines.
 *
 * @param source The cell's code.
 * @param start Where to start, at the start of a line.
 * @param line The zero-based index of that line.
 *
 * @returns The logical lines, blank ones included, in order.
 */
export function logicalLines(
  source: string,
  start = 0,
  line = 0
): ILogicalLine[] {
  return Private.logicalLines(source, start, line);
}

/**
 * Implementation details.
 */
namespace Private {
  /**
   * The source of each result of `parseCell`.
   */
  export const SOURCES = new WeakMap<IParseResult, string>();

  /**
   * The pip install commands of a cell; none when unsure.
   */
  export function commands(source: string): IPipCommand[] {
    if (typeof source !== 'string' || !mayHaveCommand(source)) {
      return [];
    }
    if (OPT_OUT.test(source)) {
      return [];
    }
    try {
      return parse(source);
    } catch {
      // A bug here must not break the user's cell: leave it all to pip.
      return [];
    }
  }

  export const PERCENT = 0x25;
  const BANG = 0x21;
  const HASH = 0x23;
  const BACKSLASH = 0x5c;
  const LF = 0x0a;
  const CR = 0x0d;
  const SPACE = 0x20;
  const TAB = 0x09;

  /**
   * The opt-out marker, loosely.
   */
  export const OPT_OUT = /#[ \t]*apk[ \t]*:[ \t]*off\b/i;

  /**
   * Cell magics whose body IPython runs as a cell (`run_cell` for
   * `%%capture`, `transform_cell` for `%%time`). `%%time` refuses arguments;
   * `%%capture` arguments are limited to what cannot fail or expand.
   */
  export const RUNS_CELL =
    /^%%(?:time|capture(?: +(?:--no-stderr|--no-stdout|--no-display|[A-Za-z_][A-Za-z0-9_]*))*) *$/;

  /**
   * A line that could start a command: the only lines worth any work.
   * Over-approximates `parse` (the `m` flag also breaks at U+2028/9).
   */
  const CANDIDATE_LINE = /^[ \t]*(?:%pip |!|pip[ \t])/m;

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
   * Beyond this length a shell word is not a requirement (and regular
   * expressions stay cheap on hostile input).
   */
  const MAX_REQUIREMENT = 500;

  /**
   * The cheap test that keeps cells without pip commands out of the parser.
   */
  export function mayHaveCommand(source: string): boolean {
    return source.indexOf('pip') !== -1 && CANDIDATE_LINE.test(source);
  }

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

  function isBlank(code: number): boolean {
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
   */
  export function logicalLines(
    source: string,
    from: number,
    firstLine: number
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
    return source.charCodeAt(i) === CR && source.charCodeAt(i + 1) === LF
      ? 2
      : 1;
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
  interface ISegment {
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
  function joinContinued(
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
  function toSource(segments: ISegment[], start: number, end: number): number {
    for (const segment of segments) {
      if (start >= segment.joined && end <= segment.joined + segment.length) {
        return segment.source + (start - segment.joined);
      }
    }
    return -1;
  }

  /**
   * A word of a shell command line, after quote removal.
   */
  interface IWord {
    text: string;
    start: number;
    end: number;
  }

  /**
   * Split a command line the way `sh` would, as long as it only uses plain
   * words, quotes and a trailing comment.
   *
   * @returns The words, and the first construct that is more than that.
   */
  export function shellWords(line: string): {
    words: IWord[];
    problem?: string;
  } {
    const words: IWord[] = [];
    let problem: string | undefined;
    const report = (what: string): void => {
      if (problem === undefined) {
        problem = what;
      }
    };
    // IPython's var_expand runs first, on the whole line, comment included:
    // `$name` and `{expression}` can run code.
    const expansion = /[${}]/.exec(line);
    if (expansion !== null) {
      report(`IPython expands \`${expansion[0]}\` before the shell runs`);
    }
    // Escapes and command substitution change the words in ways not worth
    // following.
    const escape = /[\\`]/.exec(line);
    if (escape !== null) {
      report(
        escape[0] === '`'
          ? 'the shell interprets backquotes'
          : 'the shell interprets `\\`'
      );
    }
    const n = line.length;
    let i = 0;
    while (i < n) {
      let code = line.charCodeAt(i);
      if (isBlank(code)) {
        i++;
        continue;
      }
      if (code === HASH) {
        break; // A comment to the end of the line.
      }
      const start = i;
      let text = '';
      while (i < n) {
        code = line.charCodeAt(i);
        if (isBlank(code)) {
          break;
        }
        const char = line[i];
        if (code === 0x27 || code === 0x22) {
          const close = line.indexOf(char, i + 1);
          if (close === -1) {
            report('a quote is not closed');
            return { words, problem };
          }
          text += line.slice(i + 1, close);
          i = close + 1;
          continue;
        }
        if (';&|<>()'.indexOf(char) !== -1) {
          // What follows belongs to another command, or to a redirection.
          report(`the shell interprets \`${char}\``);
          if (i > start) {
            words.push({ text, start, end: i });
          }
          return { words, problem };
        }
        if ('*?[]'.indexOf(char) !== -1) {
          report(`\`${char}\` is a shell wildcard; quote the requirement`);
        } else if (code < 0x20 || code === 0x7f) {
          report('the line has a control character');
        }
        text += char;
        i++;
      }
      words.push({ text, start, end: i });
    }
    return { words, problem };
  }

  /**
   * How pip's install command takes an option, and whether the requirements
   * of a command that uses it may go elsewhere.
   */
  interface IOptionRule {
    /**
     * Whether it takes a value (`--opt V`, `--opt=V`, `-oV`).
     */
    value: boolean;
    /**
     * Whether pip also accepts it before the `install` subcommand.
     */
    general?: boolean;
    /**
     * Why a command with this option must go to pip as a whole; absent when
     * the option does not change what gets installed or where.
     */
    unroutable?: string;
  }

  const SOURCE = 'chooses where packages come from';
  const LOCATION = 'installs somewhere apk does not';
  const BUILD = 'asks for a build of its own';

  /**
   * pip 25's install options (`pip install --help`), by long name.
   * Abbreviated long options (which optparse accepts) are unknown here,
   * and unknown options make a command unroutable.
   */
  const OPTIONS = new Map<string, IOptionRule>(
    Object.entries({
      // Fine: output, caching, network and build details of pip itself.
      '--quiet': { value: false, general: true },
      '--verbose': { value: false, general: true },
      '--no-input': { value: false, general: true },
      '--log': { value: true, general: true },
      '--log-file': { value: true, general: true },
      '--local-log': { value: true, general: true },
      '--proxy': { value: true, general: true },
      '--retries': { value: true, general: true },
      '--resume-retries': { value: true, general: true },
      '--timeout': { value: true, general: true },
      '--exists-action': { value: true, general: true },
      '--trusted-host': { value: true, general: true },
      '--cert': { value: true, general: true },
      '--client-cert': { value: true, general: true },
      '--cache-dir': { value: true, general: true },
      '--no-cache-dir': { value: false, general: true },
      '--disable-pip-version-check': { value: false, general: true },
      '--no-color': { value: false, general: true },
      '--no-python-version-warning': { value: false, general: true },
      '--keyring-provider': { value: true, general: true },
      '--debug': { value: false, general: true },
      '--no-deps': { value: false },
      '--progress-bar': { value: true },
      '--root-user-action': { value: true },
      '--no-warn-script-location': { value: false },
      '--no-warn-conflicts': { value: false },
      '--compile': { value: false },
      '--no-compile': { value: false },
      '--prefer-binary': { value: false },
      '--only-binary': { value: true },
      '--no-build-isolation': { value: false },
      '--use-pep517': { value: false },
      '--no-use-pep517': { value: false },
      '--check-build-dependencies': { value: false },
      '--break-system-packages': { value: false },
      '--no-clean': { value: false },
      // Unroutable: pip must see the whole command.
      '--help': {
        value: false,
        general: true,
        unroutable: 'pip only prints help'
      },
      '--version': {
        value: false,
        general: true,
        unroutable: 'pip only prints its version'
      },
      '--isolated': {
        value: false,
        general: true,
        unroutable: '`--isolated` changes how pip reads its configuration'
      },
      '--require-virtualenv': {
        value: false,
        general: true,
        unroutable: '`--require-virtualenv` makes pip refuse the system Python'
      },
      '--python': {
        value: true,
        general: true,
        unroutable: '`--python` installs for another interpreter'
      },
      '--use-feature': {
        value: true,
        general: true,
        unroutable: '`--use-feature` changes how pip behaves'
      },
      '--use-deprecated': {
        value: true,
        general: true,
        unroutable: '`--use-deprecated` changes how pip behaves'
      },
      '--requirement': {
        value: true,
        unroutable: '`-r` reads requirements from a file'
      },
      '--constraint': {
        value: true,
        unroutable: '`-c` constrains versions from a file'
      },
      '--build-constraint': {
        value: true,
        unroutable: '`--build-constraint` reads a file'
      },
      '--group': {
        value: true,
        unroutable: '`--group` reads requirements from pyproject.toml'
      },
      '--editable': {
        value: true,
        unroutable: '`-e` installs a project in development mode'
      },
      '--src': { value: true, unroutable: '`--src` is for editable installs' },
      '--target': { value: true, unroutable: `\`--target\` ${LOCATION}` },
      '--prefix': { value: true, unroutable: `\`--prefix\` ${LOCATION}` },
      '--root': { value: true, unroutable: `\`--root\` ${LOCATION}` },
      '--user': { value: false, unroutable: `\`--user\` ${LOCATION}` },
      '--platform': {
        value: true,
        unroutable: '`--platform` targets another platform'
      },
      '--python-version': {
        value: true,
        unroutable: '`--python-version` targets another Python'
      },
      '--implementation': {
        value: true,
        unroutable: '`--implementation` targets another Python'
      },
      '--abi': { value: true, unroutable: '`--abi` targets another Python' },
      '--index-url': { value: true, unroutable: `\`--index-url\` ${SOURCE}` },
      '--extra-index-url': {
        value: true,
        unroutable: `\`--extra-index-url\` ${SOURCE}`
      },
      '--no-index': { value: false, unroutable: `\`--no-index\` ${SOURCE}` },
      '--find-links': { value: true, unroutable: `\`--find-links\` ${SOURCE}` },
      '--upgrade': {
        value: false,
        unroutable: '`-U` asks for the newest release, which apk may not have'
      },
      '--upgrade-strategy': {
        value: true,
        unroutable: '`--upgrade-strategy` asks for upgrades'
      },
      '--force-reinstall': {
        value: false,
        unroutable: '`--force-reinstall` asks pip to reinstall'
      },
      '--ignore-installed': {
        value: false,
        unroutable: '`-I` asks pip to install over what is there'
      },
      '--pre': {
        value: false,
        unroutable: '`--pre` accepts pre-releases, which apk does not track'
      },
      '--ignore-requires-python': {
        value: false,
        unroutable: '`--ignore-requires-python` changes what pip would pick'
      },
      '--no-binary': { value: true, unroutable: `\`--no-binary\` ${BUILD}` },
      '--config-settings': { value: true, unroutable: `\`-C\` ${BUILD}` },
      '--global-option': {
        value: true,
        unroutable: `\`--global-option\` ${BUILD}`
      },
      '--require-hashes': {
        value: false,
        unroutable: '`--require-hashes` checks the exact files pip downloads'
      },
      '--dry-run': { value: false, unroutable: '`--dry-run` installs nothing' },
      '--report': {
        value: true,
        unroutable: '`--report` expects pip to install everything'
      }
    })
  );

  /**
   * Short options, as their long names.
   */
  const SHORT = new Map<string, string>(
    Object.entries({
      q: '--quiet',
      v: '--verbose',
      h: '--help',
      V: '--version',
      r: '--requirement',
      c: '--constraint',
      e: '--editable',
      t: '--target',
      i: '--index-url',
      f: '--find-links',
      U: '--upgrade',
      I: '--ignore-installed',
      C: '--config-settings'
    })
  );

  /**
   * The result of reading options and requirements.
   */
  interface IArguments {
    requirements: IWord[];
    options: string[];
    reason?: string;
  }

  /**
   * Read one option word (and its value) at `index`.
   *
   * @returns The index of the next word, and the option's rule, or `null`
   * for an option pip (as known here) does not have.
   */
  function readOption(
    words: IWord[],
    index: number,
    options: string[]
  ): { next: number; rules: IOptionRule[] } | null {
    const word = words[index].text;
    if (word.startsWith('--')) {
      const equals = word.indexOf('=');
      const name = equals === -1 ? word : word.slice(0, equals);
      const rule = OPTIONS.get(name);
      if (rule === undefined || (equals !== -1 && !rule.value)) {
        return null;
      }
      options.push(word);
      if (rule.value && equals === -1) {
        if (index + 1 >= words.length) {
          return null;
        }
        options.push(words[index + 1].text);
        return { next: index + 2, rules: [rule] };
      }
      return { next: index + 1, rules: [rule] };
    }
    // A cluster of short options: `-qU`, `-rfile`, `-r file`.
    if (word.length < 2) {
      return null;
    }
    const rules: IOptionRule[] = [];
    options.push(word);
    for (let i = 1; i < word.length; i++) {
      const long = SHORT.get(word[i]);
      if (long === undefined) {
        return null;
      }
      const rule = OPTIONS.get(long) as IOptionRule;
      rules.push(rule);
      if (rule.value) {
        if (i + 1 < word.length) {
          return { next: index + 1, rules };
        }
        if (index + 1 >= words.length) {
          return null;
        }
        options.push(words[index + 1].text);
        return { next: index + 2, rules };
      }
    }
    return { next: index + 1, rules };
  }

  /**
   * Find `install` after pip's general options.
   *
   * @returns The index of the word after `install`, or -1 if this is not an
   * install command.
   */
  function findInstall(
    words: IWord[],
    index: number,
    args: IArguments
  ): number {
    while (index < words.length) {
      const word = words[index].text;
      if (word === 'install') {
        return index + 1;
      }
      if (!word.startsWith('-') || word === '--') {
        return -1;
      }
      const option = readOption(words, index, args.options);
      if (option === null || option.rules.some(rule => !rule.general)) {
        return -1;
      }
      for (const rule of option.rules) {
        if (rule.unroutable !== undefined && args.reason === undefined) {
          args.reason = rule.unroutable;
        }
      }
      index = option.next;
    }
    return -1;
  }

  /**
   * Read the options and requirements after `install`.
   */
  function readArguments(
    words: IWord[],
    index: number,
    args: IArguments
  ): void {
    let positional = false;
    const fail = (reason: string): void => {
      if (args.reason === undefined) {
        args.reason = reason;
      }
    };
    while (index < words.length) {
      const word = words[index];
      if (!positional && word.text === '--') {
        args.options.push('--');
        positional = true;
        index++;
        continue;
      }
      if (!positional && word.text.startsWith('-')) {
        const option = readOption(words, index, args.options);
        if (option === null) {
          fail(`pip option \`${word.text}\` is not known here`);
          return;
        }
        for (const rule of option.rules) {
          if (rule.unroutable !== undefined) {
            fail(rule.unroutable);
          }
        }
        index = option.next;
        continue;
      }
      const problem = requirementProblem(word.text);
      if (problem === null) {
        args.requirements.push(word);
      } else {
        fail(problem);
      }
      index++;
    }
  }

  const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
  const WS = '[ \\t]*';
  const EXTRAS = `\\[${WS}(?:${NAME}(?:${WS},${WS}${NAME})*)?${WS}\\]`;
  const SPECIFIER = `(?:===|==|!=|<=|>=|~=|<|>)${WS}[A-Za-z0-9_.*+!-]+`;
  const SPECIFIERS = `${SPECIFIER}(?:${WS},${WS}${SPECIFIER})*`;

  /**
   * A PEP 508 named requirement without a URL; group 1 is the name, group 2
   * the markers after `;`.
   */
  const REQUIREMENT = new RegExp(
    `^${WS}(${NAME})${WS}(?:${EXTRAS}${WS})?` +
      `(?:(?:${SPECIFIERS}|\\(${WS}${SPECIFIERS}${WS}\\))${WS})?` +
      '(?:;(.*))?$'
  );

  /**
   * What pip takes for a file name rather than a project name
   * (`is_archive_file`).
   */
  const ARCHIVE =
    /\.(?:whl|zip|tar|tgz|tbz|txz|tlz|tar\.gz|tar\.bz2|tar\.xz|tar\.lz|tar\.lzma)$/i;

  /**
   * Why a word is not a plain named requirement, or null if it is one.
   */
  export function requirementProblem(text: string): string | null {
    if (text.length > MAX_REQUIREMENT) {
      return 'a requirement is too long';
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.indexOf('@') !== -1) {
      return `\`${text}\` is a URL`;
    }
    const match = REQUIREMENT.exec(text);
    if (match === null) {
      return `\`${text}\` is not a plain named requirement`;
    }
    if (ARCHIVE.test(match[1])) {
      return `\`${text}\` is a file`;
    }
    if (match[2] !== undefined && !Markers.valid(match[2])) {
      return `\`${text}\` has markers that are not understood`;
    }
    return null;
  }

  /**
   * Find the commands of a cell (past the cheap checks).
   */
  export function parse(source: string): IPipCommand[] {
    const body = cellBody(source);
    if (body === null) {
      return [];
    }
    const lines = logicalLines(source, body.start, body.line);
    const commands: IPipCommand[] = [];
    for (const logical of lines) {
      const command = readCommand(source, logical);
      if (command === null) {
        continue;
      }
      if (
        command.kind === 'automagic' &&
        !aloneInCell(source, lines, logical)
      ) {
        command.routable = false;
        command.reason = AUTOMAGIC_ALONE;
      }
      commands.push(command);
    }
    // A bare `pip install` that is not the cell's only line is a syntax
    // error: IPython runs nothing of the cell, so nothing is routed either.
    if (commands.some(command => command.reason === AUTOMAGIC_ALONE)) {
      for (const command of commands) {
        if (command.routable) {
          command.routable = false;
          command.reason = CELL_FAILS;
        }
      }
    }
    return commands;
  }

  const AUTOMAGIC_ALONE =
    'a bare `pip install` runs only as the single line of a cell; use `%pip install`';
  const CELL_FAILS =
    'IPython rejects the cell: it has a bare `pip install` among other lines';

  /**
   * Whether a logical line is the whole cell for `transform_cell`'s
   * single-line test: one physical line after leading blank lines, followed
   * by at most one line break.
   */
  function aloneInCell(
    source: string,
    lines: ILogicalLine[],
    logical: ILogicalLine
  ): boolean {
    if (logical.lines > 1 || source.length - logical.end > 2) {
      return false;
    }
    const rest = source.slice(logical.end);
    if (rest !== '' && rest !== '\n' && rest !== '\r\n' && rest !== '\r') {
      return false;
    }
    for (const other of lines) {
      if (other === logical) {
        return true;
      }
      if (other.content !== other.end) {
        return false;
      }
    }
    return false;
  }

  /**
   * Read a logical line as a pip install command, if it is one.
   */
  function readCommand(
    source: string,
    logical: ILogicalLine
  ): IPipCommand | null {
    const at = logical.content;
    const code = source.charCodeAt(at);
    let kind: IPipCommand['kind'];
    let argsStart: number;
    if (code === PERCENT) {
      if (!source.startsWith('pip ', at + 1)) {
        return null;
      }
      kind = 'magic';
      argsStart = at + 5;
    } else if (code === BANG) {
      if (source.charCodeAt(at + 1) === BANG) {
        return null; // `!!` captures the output.
      }
      kind = 'shell';
      argsStart = at + 1;
    } else if (
      source.startsWith('pip', at) &&
      isBlank(source.charCodeAt(at + 3))
    ) {
      kind = 'automagic';
      argsStart = at + 3;
    } else {
      return null;
    }
    if (argsStart > logical.end) {
      return null;
    }
    // An automagic line longer than one physical line never runs as a magic
    // (see `aloneInCell`); read its first line for information only.
    const end =
      kind === 'automagic' && logical.lines > 1
        ? physicalLine(source, at).end
        : logical.end;
    const joined = joinContinued(source, argsStart, end);
    const split = shellWords(joined.text);
    if (helpRequest(joined.text, split.words)) {
      return null;
    }
    const words = split.words;
    let index = 0;
    if (kind === 'shell') {
      index = pipPrefix(words);
      if (index === -1) {
        return null;
      }
    }
    const args: IArguments = { requirements: [], options: [] };
    const afterInstall = findInstall(words, index, args);
    if (afterInstall === -1) {
      return null;
    }
    readArguments(words, afterInstall, args);
    const requirements: IRequirementToken[] = [];
    let reason = split.problem ?? args.reason;
    for (const word of args.requirements) {
      const start = toSource(joined.segments, word.start, word.end);
      if (start === -1) {
        reason = reason ?? 'a requirement is split across lines';
        continue;
      }
      requirements.push({
        text: word.text,
        start,
        end: start + (word.end - word.start)
      });
    }
    if (reason === undefined && requirements.length === 0) {
      reason = 'no requirement to install';
    }
    const command: IPipCommand = {
      kind,
      line: logical.line,
      start: at,
      end: logical.end,
      indent: source.slice(logical.start, at),
      requirements,
      options: args.options,
      routable: reason === undefined
    };
    if (reason !== undefined) {
      command.reason = reason;
    }
    return command;
  }

  const HELP_END = /[\p{L}\p{N}_*\]]\?\??$/u;

  /**
   * Whether IPython's `HelpEnd` takes the line: its code ends with `name?`
   * or `name??`. Any other `?` is an unquoted shell wildcard, which makes
   * the command unroutable anyway.
   */
  function helpRequest(text: string, words: IWord[]): boolean {
    const trimmed = text.replace(/[ \t]+$/, '');
    // `_help_end_re`: a name (or `name[0]`) directly before the `?`.
    if (!HELP_END.test(trimmed)) {
      return false;
    }
    // A `?` in a shell comment ends a comment token, not the code.
    const last = words[words.length - 1];
    return last === undefined || last.end >= trimmed.length;
  }

  /**
   * Where pip's own arguments start in a `!` line, or -1 if it does not run
   * pip: `pip`, `pip3`, `python -m pip`, `python3 -m pip`, and
   * `{sys.executable} -m pip` (recognised, but unroutable as it expands).
   */
  function pipPrefix(words: IWord[]): number {
    if (words.length === 0) {
      return -1;
    }
    const first = words[0].text;
    if (first === 'pip' || first === 'pip3') {
      return 1;
    }
    if (
      (first === 'python' ||
        first === 'python3' ||
        first === '{sys.executable}') &&
      words.length > 2 &&
      words[1].text === '-m' &&
      words[2].text === 'pip'
    ) {
      return 3;
    }
    return -1;
  }

  /**
   * PEP 508 environment markers, checked by a small recursive descent parser.
   */
  namespace Markers {
    const VARIABLES = new Set([
      'python_version',
      'python_full_version',
      'os_name',
      'sys_platform',
      'platform_release',
      'platform_system',
      'platform_version',
      'platform_machine',
      'platform_python_implementation',
      'implementation_name',
      'implementation_version',
      'extra',
      'extras',
      'dependency_groups'
    ]);
    const OPERATORS = new Set([
      '===',
      '==',
      '!=',
      '<=',
      '>=',
      '~=',
      '<',
      '>',
      'in'
    ]);
    const TOKEN =
      /[ \t]*(\(|\)|===|==|!=|<=|>=|~=|<|>|'[^']*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_]*)/y;

    /**
     * Whether `text` is a valid marker expression.
     */
    export function valid(text: string): boolean {
      const tokens: string[] = [];
      let end = 0;
      TOKEN.lastIndex = 0;
      for (;;) {
        const match = TOKEN.exec(text);
        if (match === null) {
          break;
        }
        tokens.push(match[1]);
        end = TOKEN.lastIndex;
      }
      if (!/^[ \t]*$/.test(text.slice(end))) {
        return false;
      }
      const parser = { tokens, index: 0 };
      return or(parser) && parser.index === tokens.length;
    }

    interface IParser {
      tokens: string[];
      index: number;
    }

    function or(parser: IParser): boolean {
      if (!and(parser)) {
        return false;
      }
      while (parser.tokens[parser.index] === 'or') {
        parser.index++;
        if (!and(parser)) {
          return false;
        }
      }
      return true;
    }

    function and(parser: IParser): boolean {
      if (!atom(parser)) {
        return false;
      }
      while (parser.tokens[parser.index] === 'and') {
        parser.index++;
        if (!atom(parser)) {
          return false;
        }
      }
      return true;
    }

    function atom(parser: IParser): boolean {
      if (parser.tokens[parser.index] === '(') {
        parser.index++;
        if (!or(parser) || parser.tokens[parser.index] !== ')') {
          return false;
        }
        parser.index++;
        return true;
      }
      if (!value(parser.tokens[parser.index])) {
        return false;
      }
      parser.index++;
      let operator = parser.tokens[parser.index];
      if (operator === 'not') {
        parser.index++;
        operator = parser.tokens[parser.index] === 'in' ? 'not in' : '';
      }
      if (!OPERATORS.has(operator) && operator !== 'not in') {
        return false;
      }
      parser.index++;
      if (!value(parser.tokens[parser.index])) {
        return false;
      }
      parser.index++;
      return true;
    }

    function value(token: string | undefined): boolean {
      return (
        token !== undefined &&
        (VARIABLES.has(token) || token[0] === "'" || token[0] === '"')
      );
    }
  }
}
