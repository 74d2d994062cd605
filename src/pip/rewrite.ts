// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The code actually sent to the kernel for a cell with pip install commands.
 *
 * Pure and synchronous, with no JupyterLab imports. The rewrite only ever
 * deletes requirement words that were installed another way, turns a command
 * with nothing left into a blank line (at the top level) or `pass` (inside a
 * block), and adds one `print("…")` of the summary; everything else, and every
 * unroutable command, is sent byte for byte. Line numbers are kept: a removed
 * command leaves its lines behind, so only the summary line (when it is not
 * written over an emptied first command) shifts the rest by one.
 */

import { cellBody, ILogicalLine, logicalLines } from './lines';
import {
  IParseResult,
  IPipCommand,
  IRequirementToken,
  parseCell,
  sourceOf
} from './parse';

/**
 * Which requirement tokens are routed to apk: a set of them, or a test.
 */
export type RoutedTokens =
  ReadonlySet<IRequirementToken> | ((token: IRequirementToken) => boolean);

/**
 * Rewrite a cell so that pip no longer sees the requirements installed with
 * apk, and the kernel prints a summary first.
 *
 * @param source The cell's code, as given to `parseCell`.
 * @param result What `parseCell(source)` returned.
 * @param routed The requirement tokens of `result` installed another way,
 * as a set of those token objects or a predicate on them.
 * @param summary Lines to print before anything else runs, e.g.
 * `numpy → apk py3-numpy 2.2.4-r1 (installed in 1.2 s)`; none, no print.
 *
 * @returns The code to send. Never throws: on any inconsistency the source
 * comes back unchanged.
 *
 * #### Notes
 * Only tokens of routable commands are removed, and only where the source
 * still has them (the cell is parsed again and tokens are matched by
 * position and text). A word is removed with the blanks before it (on a
 * continuation line, the line's own indentation stays). A command left
 * without requirements disappears: its lines become empty at the cell's top
 * level, or its first line becomes `pass` with the same indentation inside a
 * block (an `if`, `for`, …) and as the cell's first line when no summary
 * takes its place (IPython dedents a cell by its first line).
 *
 * The summary is one `print` of an ASCII-only Python string literal (lines
 * joined by `\n`), on a line of its own before the first line of code, with
 * that line's indentation, after any `from __future__ import` lines (which
 * must come first), or written over the first command when that command is
 * emptied. After a first-line
 * `%%capture` or `%%time` it goes into the body: with `%%capture` the summary
 * is captured with the rest of the output, as the user asked for that cell.
 * Under any other cell magic (`%%bash`, `%%timeit`, …), or in a cell that
 * `cellBody` does not understand (NUL, lone `\r`, U+2028, …), nothing is
 * added. A bare `pip install` that is the only line of the cell keeps that
 * status only if nothing is added: when it keeps requirements and a summary
 * line is added, it is spelled `%pip install` (the magic automagic would have
 * run); when nothing of it is routed, the summary is left out.
 */
export function rewriteCell(
  source: string,
  result: IParseResult,
  routed: RoutedTokens,
  summary: string[]
): string {
  try {
    return Private.rewrite(source, result, routed, summary);
  } catch {
    return source;
  }
}

/**
 * A Python string literal for any text, made of printable ASCII only.
 *
 * @param text The text; lone surrogates become U+FFFD.
 *
 * @returns A double-quoted literal that evaluates to the text.
 */
export function pythonString(text: string): string {
  let literal = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '\\' || char === '"') {
      literal += '\\' + char;
    } else if (code === 0x0a) {
      literal += '\\n';
    } else if (code >= 0x20 && code < 0x7f) {
      literal += char;
    } else if (code < 0x100) {
      literal += '\\x' + Private.hex(code, 2);
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // Python could hold it, but printing it would raise.
      literal += '\\ufffd';
    } else if (code < 0x10000) {
      literal += '\\u' + Private.hex(code, 4);
    } else {
      literal += '\\U' + Private.hex(code, 8);
    }
  }
  return literal + '"';
}

/**
 * Implementation details.
 */
namespace Private {
  /**
   * A replacement of `source.slice(start, end)`.
   */
  interface IEdit {
    start: number;
    end: number;
    text: string;
  }

  const FUTURE = /^from[ \t]+__future__[ \t]+import\b/;

  export function hex(code: number, width: number): string {
    return code.toString(16).padStart(width, '0');
  }

  export function rewrite(
    source: string,
    result: IParseResult,
    routed: RoutedTokens,
    summary: string[]
  ): string {
    const body = cellBody(source);
    if (body === null) {
      return source;
    }
    const isRouted = routedTokens(result, routed);
    const lines = logicalLines(source, body.start, body.line);
    const first = lines.find(line => line.content !== line.end);
    const base = first ? source.slice(first.start, first.content) : '';
    const print =
      summary.length > 0 ? `print(${pythonString(summary.join('\n'))})` : '';
    let printed = print === '';
    const edits: IEdit[] = [];
    // IPython applies automagic only to a cell of one line: a bare
    // `pip install` that stays must then be spelled `%pip install`, or get
    // no summary line at all.
    const commands =
      sourceOf(result) === source
        ? result.commands
        : parseCell(source).commands;
    const automagic = loneAutomagic(source, first, commands);

    for (const command of commands) {
      if (!command.routable) {
        continue;
      }
      const taken = command.requirements.filter(isRouted);
      if (taken.length === 0) {
        continue;
      }
      if (taken.length < command.requirements.length) {
        for (const token of taken) {
          edits.push(removeWord(source, token));
        }
        if (command === automagic && !printed) {
          // Not an insertion: the summary goes in first at this offset.
          edits.push({
            start: command.start,
            end: command.start + 3,
            text: '%pip'
          });
        }
        continue;
      }
      const breaks = lineBreaks(source, command);
      const isFirst = first !== undefined && first.content === command.start;
      if (isFirst && !printed) {
        // The first code of the cell: the summary takes its place.
        edits.push({
          start: command.start,
          end: command.end,
          text: print + breaks
        });
        printed = true;
      } else if (!isFirst && command.indent === base) {
        // Top level: nothing needs a statement here. (The first line stays
        // code, because IPython dedents the cell by its indentation.)
        const lineStart = command.start - command.indent.length;
        edits.push({ start: lineStart, end: command.end, text: breaks });
      } else {
        edits.push({
          start: command.start,
          end: command.end,
          text: 'pass' + breaks
        });
      }
    }

    if (!printed) {
      if (automagic !== undefined && edits.length === 0) {
        return source; // Nothing to say that would not stop the command.
      }
      edits.push(insertPrint(source, body.start, lines, first, base, print));
    }
    return apply(source, edits);
  }

  /**
   * The routed test for tokens of a fresh parse: same position, same text,
   * and routed as the caller's token.
   */
  function routedTokens(
    result: IParseResult,
    routed: RoutedTokens
  ): (token: IRequirementToken) => boolean {
    const known = new Map<string, IRequirementToken>();
    for (const command of result?.commands ?? []) {
      for (const token of command.requirements ?? []) {
        known.set(`${token.start}:${token.end}`, token);
      }
    }
    const test =
      typeof routed === 'function'
        ? routed
        : (token: IRequirementToken) => routed.has(token);
    return (token: IRequirementToken) => {
      const theirs = known.get(`${token.start}:${token.end}`);
      return (
        theirs !== undefined &&
        theirs.text === token.text &&
        test(theirs) === true
      );
    };
  }

  /**
   * Remove a requirement word and the blanks before it on its line.
   */
  function removeWord(source: string, token: IRequirementToken): IEdit {
    let start = token.start;
    while (start > 0) {
      const code = source.charCodeAt(start - 1);
      if (code !== 0x20 && code !== 0x09) {
        break;
      }
      start--;
    }
    const previous = source.charCodeAt(start - 1);
    if (start === 0 || previous === 0x0a || previous === 0x0d) {
      // First on a continuation line: keep the line's blanks, or one blank
      // when the cell ends there. IPython drops an empty last line and would
      // then pass the continuation's backslash on to the shell.
      if (start === token.start && token.end === source.length) {
        return { start: token.start, end: token.end, text: ' ' };
      }
      return { start: token.start, end: token.end, text: '' };
    }
    return { start, end: token.end, text: '' };
  }

  /**
   * The routable bare `pip install` that is the one line of the cell (body),
   * if any, or `undefined`.
   */
  function loneAutomagic(
    source: string,
    first: ILogicalLine | undefined,
    commands: IPipCommand[]
  ): IPipCommand | undefined {
    if (
      first === undefined ||
      first.lines > 1 ||
      source.length - first.end > 2 ||
      !/^(?:\r\n|\r|\n)?$/.test(source.slice(first.end))
    ) {
      return undefined;
    }
    return commands.find(
      command => command.kind === 'automagic' && command.start === first.content
    );
  }

  /**
   * The line breaks inside a command (its backslash continuations), kept so
   * that the lines after it keep their numbers.
   */
  function lineBreaks(source: string, command: IPipCommand): string {
    const found = source.slice(command.start, command.end).match(/\r\n|\r|\n/g);
    return found === null ? '' : found.join('');
  }

  /**
   * Insert the summary line before the first code of the body, or after the
   * last `from __future__ import`.
   */
  function insertPrint(
    source: string,
    bodyStart: number,
    lines: ILogicalLine[],
    first: ILogicalLine | undefined,
    base: string,
    print: string
  ): IEdit {
    let at = first === undefined ? bodyStart : first.start;
    for (const line of lines) {
      const indent = source.slice(line.start, line.content);
      if (
        indent === base &&
        FUTURE.test(source.slice(line.content, line.end))
      ) {
        at = line.next;
      }
    }
    const eol = /\r\n|\r|\n/.exec(source)?.[0] ?? '\n';
    if (at < source.length) {
      return { start: at, end: at, text: base + print + eol };
    }
    const lastBreak = /(?:\r\n|\r|\n)$/.test(source);
    const before = source.length > 0 && !lastBreak ? eol : '';
    return { start: at, end: at, text: before + base + print };
  }

  /**
   * Apply edits that do not overlap.
   */
  function apply(source: string, edits: IEdit[]): string {
    edits.sort((a, b) => a.start - b.start || a.end - b.end);
    let output = '';
    let pos = 0;
    for (const edit of edits) {
      if (edit.start < pos) {
        return source; // Overlapping edits: something is wrong, change nothing.
      }
      output += source.slice(pos, edit.start) + edit.text;
      pos = edit.end;
    }
    return output + source.slice(pos);
  }
}
