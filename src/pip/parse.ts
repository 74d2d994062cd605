// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Find pip install commands in the code of a notebook or console cell.
 *
 * Pure and synchronous, importing nothing outside this folder, so that it can
 * run on every cell execution (and in a plain Node benchmark). It mirrors what IPython 9 does
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
 *
 * Its parts: IPython's logical lines (`lines.ts`), shell words (`words.ts`),
 * pip's options and arguments (`options.ts`) and, here, the recognition of
 * the commands. Relative imports name their `.js` file, so that the emitted
 * modules also run in plain Node (`bench/pip-parse.mjs`).
 */

import {
  BANG,
  cellBody,
  type ILogicalLine,
  isBlank,
  joinContinued,
  logicalLines,
  PERCENT,
  physicalLine,
  toSource
} from './lines.js';
import {
  findInstall,
  type IInstallArguments,
  readArguments
} from './options.js';
import { type IWord, shellWords } from './words.js';

export { cellBody, type ILogicalLine, logicalLines } from './lines.js';

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

  /**
   * The opt-out marker, loosely.
   */
  export const OPT_OUT = /#[ \t]*apk[ \t]*:[ \t]*off\b/i;

  /**
   * A line that could start a command: the only lines worth any work.
   * Over-approximates `parse` (the `m` flag also breaks at U+2028/9).
   */
  const CANDIDATE_LINE = /^[ \t]*(?:%pip |!|pip[ \t])/m;

  /**
   * The cheap test that keeps cells without pip commands out of the parser.
   */
  export function mayHaveCommand(source: string): boolean {
    return source.indexOf('pip') !== -1 && CANDIDATE_LINE.test(source);
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
    const args: IInstallArguments = { requirements: [], options: [] };
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
}
