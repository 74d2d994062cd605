// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * pip's install options and the reader of its arguments: which options take a
 * value, which send the requirements somewhere apk cannot go, and which words
 * are plain named requirements (PEP 508, checked by a small grammar).
 */

import type { IWord } from './words.js';

/**
 * Beyond this length a shell word is not a requirement (and regular
 * expressions stay cheap on hostile input).
 */
const MAX_REQUIREMENT = 500;

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
export interface IInstallArguments {
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
export function findInstall(
  words: IWord[],
  index: number,
  args: IInstallArguments
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
export function readArguments(
  words: IWord[],
  index: number,
  args: IInstallArguments
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
