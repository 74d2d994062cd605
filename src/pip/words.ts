// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Shell words: a command line split as `sh -c` splits it, after quote
 * removal, with where each word came from.
 */

import { HASH, isBlank } from './lines.js';

/**
 * A word of a shell command line, after quote removal.
 */
export interface IWord {
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
