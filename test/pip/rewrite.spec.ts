// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import fc from 'fast-check';

import {
  cellBody,
  IParseResult,
  IRequirementToken,
  parseCell
} from '../../src/pip/parse';
import { pythonString, rewriteCell } from '../../src/pip/rewrite';

const SUMMARY = ['numpy → apk py3-numpy 2.2.4-r1 (installed in 1.2 s)'];
const PRINT =
  'print("numpy \\u2192 apk py3-numpy 2.2.4-r1 (installed in 1.2 s)")';

/**
 * Rewrite with the requirements whose text is in `routed` sent to apk.
 */
function rewrite(
  source: string,
  routed: string[],
  summary: string[] = SUMMARY
): string {
  const result = parseCell(source);
  return rewriteCell(
    source,
    result,
    token => routed.includes(token.text),
    summary
  );
}

const TABLE: [string, string, string[], string][] = [
  ['the only command', '%pip install numpy', ['numpy'], PRINT],
  [
    'the first command',
    '%pip install numpy\nimport numpy',
    ['numpy'],
    `${PRINT}\nimport numpy`
  ],
  [
    'one of two requirements',
    '%pip install numpy pandas',
    ['numpy'],
    `${PRINT}\n%pip install pandas`
  ],
  [
    'the last requirement',
    '%pip install numpy pandas\n',
    ['pandas'],
    `${PRINT}\n%pip install numpy\n`
  ],
  [
    'options and comment stay',
    '%pip install -q numpy scipy # for science',
    ['numpy'],
    `${PRINT}\n%pip install -q scipy # for science`
  ],
  [
    'quoted requirement',
    "%pip install 'numpy>=1.2,<2' scipy",
    ['numpy>=1.2,<2'],
    `${PRINT}\n%pip install scipy`
  ],
  ['nothing routed', '%pip install numpy', [], `${PRINT}\n%pip install numpy`],
  [
    'a later top-level command leaves an empty line',
    'import os\n%pip install numpy\nimport numpy',
    ['numpy'],
    `${PRINT}\nimport os\n\nimport numpy`
  ],
  [
    'in an if block',
    'if x:\n    %pip install numpy\nimport numpy',
    ['numpy'],
    `${PRINT}\nif x:\n    pass\nimport numpy`
  ],
  [
    'in a for block with tabs',
    'for i in r:\n\t!pip install numpy\n\tprint(i)',
    ['numpy'],
    `${PRINT}\nfor i in r:\n\tpass\n\tprint(i)`
  ],
  [
    'if/else blocks',
    'if x:\n    %pip install numpy\nelse:\n    %pip install numpy==1.0',
    ['numpy', 'numpy==1.0'],
    `${PRINT}\nif x:\n    pass\nelse:\n    pass`
  ],
  [
    'partly routed in a block',
    'if x:\n    %pip install numpy pandas',
    ['numpy'],
    `${PRINT}\nif x:\n    %pip install pandas`
  ],
  [
    'continued command, emptied',
    'x = 1\n%pip install numpy \\\n    pandas\ny = 2',
    ['numpy', 'pandas'],
    `${PRINT}\nx = 1\n\n\ny = 2`
  ],
  [
    'continued command, first word',
    '%pip install numpy \\\n    pandas',
    ['numpy'],
    `${PRINT}\n%pip install \\\n    pandas`
  ],
  [
    'continued command, word on the next line',
    '%pip install numpy \\\n    pandas\n',
    ['pandas'],
    `${PRINT}\n%pip install numpy \\\n    \n`
  ],
  [
    'continued command, word ending the cell',
    '%pip install numpy \\\n    pandas',
    ['pandas'],
    `${PRINT}\n%pip install numpy \\\n    `
  ],
  [
    'continued command, unindented word ending the cell',
    '%pip install numpy \\\npandas',
    ['pandas'],
    `${PRINT}\n%pip install numpy \\\n `
  ],
  [
    'continued command in a block, emptied',
    'if x:\n    %pip install numpy \\\n      pandas\n    y = 1',
    ['numpy', 'pandas'],
    `${PRINT}\nif x:\n    pass\n\n    y = 1`
  ],
  [
    'several commands',
    '%pip install numpy\n!pip install pandas scipy\nimport os\npip3 = 1',
    ['numpy', 'scipy'],
    `${PRINT}\n!pip install pandas\nimport os\npip3 = 1`
  ],
  [
    'the first code is an emptied command, indented cell',
    '  %pip install numpy\n  import numpy',
    ['numpy'],
    `  ${PRINT}\n  import numpy`
  ],
  [
    'an indented cell',
    '  import os\n  %pip install numpy',
    ['numpy'],
    `  ${PRINT}\n  import os\n`
  ],
  [
    'leading blank lines',
    '\n\n%pip install numpy pandas',
    ['numpy'],
    `\n\n${PRINT}\n%pip install pandas`
  ],
  [
    'CRLF',
    'import os\r\n%pip install numpy pandas\r\n',
    ['numpy'],
    `${PRINT}\r\nimport os\r\n%pip install pandas\r\n`
  ],
  [
    '%%capture',
    '%%capture\n%pip install numpy',
    ['numpy'],
    `%%capture\n${PRINT}`
  ],
  [
    '%%capture with other code first',
    '%%capture out\nimport os\n%pip install numpy',
    ['numpy'],
    `%%capture out\n${PRINT}\nimport os\n`
  ],
  [
    '%%time',
    '%%time\n%pip install numpy pandas',
    ['numpy'],
    `%%time\n${PRINT}\n%pip install pandas`
  ],
  ['%%capture with an empty body', '%%capture', [], `%%capture\n${PRINT}`],
  [
    '%%bash',
    '%%bash\npip install numpy',
    ['numpy'],
    '%%bash\npip install numpy'
  ],
  [
    'from __future__',
    'from __future__ import annotations\n%pip install numpy',
    ['numpy'],
    `from __future__ import annotations\n${PRINT}\n`
  ],
  [
    'from __future__ over several lines',
    '"""Doc."""\nfrom __future__ import (annotations,\n    division)\nimport os',
    [],
    `"""Doc."""\nfrom __future__ import (annotations,\n    division)\n${PRINT}\nimport os`
  ],
  [
    'from __future__ at the end',
    'from __future__ import annotations',
    [],
    `from __future__ import annotations\n${PRINT}`
  ],
  ['automagic', 'pip install numpy', ['numpy'], PRINT],
  [
    'automagic, partly routed',
    'pip install numpy pandas\n',
    ['numpy'],
    `${PRINT}\n%pip install pandas\n`
  ],
  [
    'automagic, partly routed, no summary',
    'pip install numpy pandas',
    ['numpy'],
    'pip install pandas'
  ],
  [
    'automagic under %%capture, partly routed',
    '%%capture\n  pip install numpy pandas',
    ['pandas'],
    `%%capture\n  ${PRINT}\n  %pip install numpy`
  ],
  ['automagic, nothing routed', 'pip install numpy', [], 'pip install numpy'],
  [
    'automagic, unroutable',
    'pip install -U numpy',
    ['numpy'],
    'pip install -U numpy'
  ],
  [
    'automagic that cannot run',
    'pip install numpy\nimport numpy',
    ['numpy'],
    `${PRINT}\npip install numpy\nimport numpy`
  ],
  [
    'unroutable command',
    '%pip install -U numpy\nimport numpy',
    ['numpy'],
    `${PRINT}\n%pip install -U numpy\nimport numpy`
  ],
  [
    'hostile shell line',
    '!pip install numpy; rm -rf /',
    ['numpy'],
    `${PRINT}\n!pip install numpy; rm -rf /`
  ],
  [
    'opted-out cell',
    '%pip install numpy  # apk: off',
    ['numpy'],
    `${PRINT}\n%pip install numpy  # apk: off`
  ],
  ['empty cell', '', [], PRINT],
  [
    'lone CR: not understood, not changed',
    'x\r%pip install numpy\ny',
    ['numpy'],
    'x\r%pip install numpy\ny'
  ],
  [
    'NUL: not understood, not changed',
    '%pip install numpy # \0',
    ['numpy'],
    '%pip install numpy # \0'
  ],
  [
    'after __future__, CRLF',
    'from __future__ import annotations\r\nimport os',
    [],
    `from __future__ import annotations\r\n${PRINT}\r\nimport os`
  ],
  [
    'no summary, nothing routed',
    '%pip install numpy',
    [],
    '%pip install numpy'
  ],
  ['no summary, first command emptied', '%pip install numpy', ['numpy'], 'pass']
];

describe('rewriteCell', () => {
  it.each(TABLE)('%s', (_, source, routed, expected) => {
    const summary = _.includes('no summary') ? [] : SUMMARY;
    expect(rewrite(source, routed, summary)).toBe(expected);
  });

  it('accepts a set of tokens', () => {
    const source = '%pip install numpy pandas';
    const result = parseCell(source);
    const routed = new Set([result.commands[0].requirements[1]]);
    expect(rewriteCell(source, result, routed, [])).toBe('%pip install numpy');
  });

  it('ignores tokens that are not the result’s', () => {
    const source = '%pip install numpy pandas';
    const result = parseCell(source);
    const other = parseCell(source).commands[0].requirements[0];
    expect(rewriteCell(source, result, new Set([other]), [])).toBe(source);
  });

  it('ignores a result for another source', () => {
    const stale = parseCell('%pip install numpy pandas');
    const source = '%pip install pandas numpy';
    expect(rewriteCell(source, stale, () => true, [])).toBe(source);
  });

  it('ignores tokens whose text differs', () => {
    const stale = parseCell('%pip install numpy');
    const source = '%pip install scipy';
    expect(rewriteCell(source, stale, () => true, [])).toBe(source);
  });

  it('ignores a result with made-up tokens', () => {
    const source = 'x = 1  # numpy\n%pip install pandas';
    const result = {
      commands: [
        {
          ...parseCell(source).commands[0],
          requirements: [{ text: 'numpy', start: 9, end: 14 }]
        }
      ]
    };
    expect(rewriteCell(source, result, () => true, [])).toBe(source);
  });

  it('returns the source when the predicate throws', () => {
    const source = '%pip install numpy';
    const routed = (): boolean => {
      throw new Error('boom');
    };
    expect(rewriteCell(source, parseCell(source), routed, SUMMARY)).toBe(
      source
    );
  });

  it('prints several summary lines in one call', () => {
    expect(rewrite('x = 1', [], ['a → apk', 'b → pip: -U'])).toBe(
      'print("a \\u2192 apk\\nb \\u2192 pip: -U")\nx = 1'
    );
  });
});

describe('pythonString', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ["it's", '"it\'s"'],
    ['a\nb\r\tc', '"a\\nb\\x0d\\x09c"'],
    ['\0\x7f', '"\\x00\\x7f"'],
    ['é→', '"\\xe9\\u2192"'],
    ['🐍', '"\\U0001f40d"'],
    ['\ud800x', '"\\ufffdx"'],
    ['"); import os; print("', '"\\"); import os; print(\\""'],
    ['\u2028', '"\\u2028"']
  ])('%j', (text, literal) => {
    expect(pythonString(text)).toBe(literal);
  });

  it('is printable ASCII without an unescaped quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), text => {
        const literal = pythonString(text);
        expect(literal).toMatch(/^"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\.)*"$/);
      })
    );
  });
});

/**
 * Cells that look like notebooks with pip commands in them.
 */
const WORDS = [
  'numpy',
  'pandas',
  "'scipy>=1.11'",
  '"requests[socks]"',
  'pyyaml==6.0',
  '-q',
  '--no-deps',
  '-U',
  '--progress-bar off',
  '-r req.txt',
  './local',
  '$X',
  '{y}',
  '; rm -rf /',
  '&& echo',
  '`id`',
  '# comment',
  '# apk: off',
  '\\\n  ',
  '\\\r\n',
  "'open",
  '?',
  'nümpy',
  '\0',
  '\u2028',
  '🐍'
];
const PREFIXES = [
  '%pip install',
  '!pip install',
  '!python -m pip install',
  'pip install',
  '%pip -q install',
  '%pip3 install',
  '!!pip install'
];
const CODE = [
  'import os',
  'x = 1',
  'if x:',
  'for i in range(3):',
  'else:',
  "s = '''",
  "'''",
  'y = (',
  ')',
  'from __future__ import annotations',
  '%%capture',
  '%%time',
  '%%bash',
  '',
  '   ',
  'print("%pip install x")',
  'def f():',
  'pass',
  'pip = 3'
];
const INDENTS = ['', '', '    ', '  ', '\t'];
const BREAKS = ['\n', '\n', '\n', '\r\n', '\r'];

const pipLine = fc
  .tuple(
    fc.constantFrom(...INDENTS),
    fc.constantFrom(...PREFIXES),
    fc.array(fc.constantFrom(...WORDS), { maxLength: 6 })
  )
  .map(([indent, prefix, words]) => `${indent}${prefix} ${words.join(' ')}`);
const codeLine = fc
  .tuple(fc.constantFrom(...INDENTS), fc.constantFrom(...CODE))
  .map(([indent, code]) => indent + code);
const anyLine = fc.string({ unit: 'binary', maxLength: 20 });

const cell = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: pipLine },
        { weight: 4, arbitrary: codeLine },
        { weight: 1, arbitrary: anyLine }
      ),
      { maxLength: 12 }
    ),
    fc.constantFrom(...BREAKS),
    fc.boolean()
  )
  .map(([lines, eol, last]) => lines.join(eol) + (last ? eol : ''));

/**
 * A route decision for each token, seeded.
 */
const routing = fc
  .integer({ min: 0, max: 1000 })
  .map(
    seed => (token: IRequirementToken) => (token.start * 31 + seed) % 3 !== 0
  );

const LINE = /\r\n|\r|\n/;

/**
 * A cell given back as it was, summary and all left out: which happens only
 * under a cell magic that is not ours, or for a bare `pip install` that the
 * summary line would stop.
 */
function expectUntouched(
  source: string,
  result: IParseResult,
  output: string
): void {
  expect(output).toBe(source);
  expect(
    cellBody(source) === null ||
      result.commands.some(c => c.kind === 'automagic')
  ).toBe(true);
}

/**
 * Whether `output` is `input` with some of the removable ranges deleted.
 */
function isInputWithRemovals(
  input: string,
  output: string,
  removable: [number, number][]
): boolean {
  const starts = new Map<number, number[]>();
  for (const [start, end] of removable) {
    starts.set(start, [...(starts.get(start) ?? []), end]);
  }
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (output.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) {
      return known;
    }
    let ok =
      (i === input.length && j === output.length) ||
      (i < input.length &&
        j < output.length &&
        input[i] === output[j] &&
        match(i + 1, j + 1));
    for (const end of starts.get(i) ?? []) {
      ok = ok || match(end, j);
    }
    memo.set(key, ok);
    return ok;
  };
  return match(0, 0);
}

describe('rewriteCell properties', () => {
  it('never introduces code', () => {
    fc.assert(
      fc.property(cell, routing, (source, routed) => {
        const result = parseCell(source);
        const output = rewriteCell(source, result, routed, SUMMARY);
        const inputs = source.split(LINE);
        const outputs = output.split(LINE);
        // Take the summary line out, unless it was written over a command
        // or over the empty end of the cell.
        const printAt = outputs.findIndex(line => line.trim() === PRINT);
        if (printAt === -1) {
          expectUntouched(source, result, output);
          return;
        }
        const replaced = outputs.length === inputs.length;
        if (
          replaced &&
          inputs[printAt] === '' &&
          printAt === inputs.length - 1
        ) {
          outputs[printAt] = '';
        } else if (!replaced) {
          outputs.splice(printAt, 1);
        }
        expect(outputs.length).toBe(inputs.length);

        // Where each input line starts, and what commands cover it.
        const lineStarts: number[] = [0];
        const breaks = /\r\n|\r|\n/g;
        let match: RegExpExecArray | null;
        while ((match = breaks.exec(source)) !== null) {
          lineStarts.push(match.index + match[0].length);
        }
        const lineOf = (offset: number) => {
          let line = 0;
          while (
            line + 1 < lineStarts.length &&
            lineStarts[line + 1] <= offset
          ) {
            line++;
          }
          return line;
        };

        inputs.forEach((input, index) => {
          const out = outputs[index];
          if (out === input) {
            return;
          }
          const command = result.commands.find(
            c => lineOf(c.start) <= index && index <= lineOf(c.end)
          );
          // Only routable commands change.
          expect(command?.routable).toBe(true);
          if (command === undefined) {
            return;
          }
          const first = lineOf(command.start) === index;
          const indent = command.indent;
          // Blank (not code), or `pass` where the command was.
          if (/^[ \t]*$/.test(out) || (first && out === `${indent}pass`)) {
            return;
          }
          if (replaced && index === printAt && first) {
            expect(out).toBe(`${indent}${PRINT}`);
            return;
          }
          // A word, with or without the blanks before it.
          const removable: [number, number][] = [];
          for (const t of command.requirements) {
            if (lineOf(t.start) !== index) {
              continue;
            }
            const end = t.end - lineStarts[index];
            let start = t.start - lineStarts[index];
            removable.push([start, end]);
            while (start > 0 && /[ \t]/.test(input[start - 1])) {
              start--;
            }
            removable.push([start, end]);
          }
          // A bare `pip install` that stays becomes the same `%pip install`.
          const spelled =
            first &&
            command.kind === 'automagic' &&
            out.startsWith(`${indent}%pip`)
              ? `${indent}${out.slice(indent.length + 1)}`
              : out;
          expect(isInputWithRemovals(input, spelled, removable)).toBe(true);
        });
      }),
      { numRuns: 1500 }
    );
  });

  it('leaves unroutable commands byte-identical', () => {
    fc.assert(
      fc.property(cell, routing, (source, routed) => {
        const result = parseCell(source);
        const output = rewriteCell(source, result, routed, SUMMARY);
        let from = 0;
        for (const command of result.commands.filter(c => !c.routable)) {
          const text = source.slice(
            command.start - command.indent.length,
            command.end
          );
          const at = output.indexOf(text, from);
          expect(at).not.toBe(-1);
          from = at + text.length;
        }
      }),
      { numRuns: 1500 }
    );
  });

  it('changes nothing but the summary when nothing is routed', () => {
    fc.assert(
      fc.property(cell, source => {
        const result = parseCell(source);
        expect(rewriteCell(source, result, () => false, [])).toBe(source);
        expect(rewriteCell(source, result, new Set(), [])).toBe(source);
        const output = rewriteCell(source, result, () => false, SUMMARY);
        const at = output.indexOf(PRINT);
        if (at === -1) {
          expectUntouched(source, result, output);
          return;
        }
        let lineStart = at;
        while (lineStart > 0 && /[ \t]/.test(output[lineStart - 1])) {
          lineStart--;
        }
        const after = output.slice(at + PRINT.length);
        const eol = /^(?:\r\n|\r|\n)/.exec(after)?.[0] ?? '';
        const before = /(?:\r\n|\r|\n)$/.exec(output.slice(0, lineStart))?.[0];
        const withoutLine =
          output.slice(0, lineStart) + after.slice(eol.length);
        const withoutTail =
          output.slice(0, lineStart - (before?.length ?? 0)) + after;
        expect([withoutLine, withoutTail]).toContain(source);
      }),
      { numRuns: 1500 }
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.array(fc.string({ unit: 'binary' })),
        routing,
        (source, summary, routed) => {
          rewriteCell(source, parseCell(source), routed, summary);
          rewriteCell(
            '%pip install ' + source,
            parseCell(source),
            routed,
            summary
          );
        }
      )
    );
  });
});
