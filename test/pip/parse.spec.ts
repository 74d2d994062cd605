// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import fc from 'fast-check';

import {
  cellBody,
  hasPipCommand,
  IParseResult,
  logicalLines,
  OPT_OUT_MARKER,
  parseCell
} from '../../src/pip/parse';

/**
 * One line per command: `kind@line ✓ req | req` for a routable command,
 * `kind@line ✗ reason` otherwise.
 */
function summarise(result: IParseResult): string[] {
  return result.commands.map(command =>
    command.routable
      ? `${command.kind}@${command.line} ✓ ${command.requirements
          .map(token => token.text)
          .join(' | ')}`
      : `${command.kind}@${command.line} ✗ ${command.reason}`
  );
}

/**
 * What a shell word's source reads as after removing simple quotes.
 */
function unquote(word: string): string {
  return word.replace(/'([^']*)'|"([^"]*)"/g, (_, a, b) => a ?? b);
}

const OK = (kind: string, line: number, ...requirements: string[]) =>
  `${kind}@${line} ✓ ${requirements.join(' | ')}`;
const NO = (kind: string, line: number, reason: string) =>
  `${kind}@${line} ✗ ${reason}`;

const TABLE: [string, string, string[]][] = [
  // The forms IPython runs.
  ['%pip', '%pip install numpy', [OK('magic', 0, 'numpy')]],
  [
    'two requirements',
    '%pip install numpy pandas',
    [OK('magic', 0, 'numpy', 'pandas')]
  ],
  ['spaces after install', '%pip  install   numpy', [OK('magic', 0, 'numpy')]],
  ['!pip', '!pip install numpy', [OK('shell', 0, 'numpy')]],
  ['!pip3', '!pip3 install numpy', [OK('shell', 0, 'numpy')]],
  ['!python -m pip', '!python -m pip install numpy', [OK('shell', 0, 'numpy')]],
  [
    '!python3 -m pip',
    '!python3 -m pip install numpy',
    [OK('shell', 0, 'numpy')]
  ],
  ['space after !', '! pip install numpy', [OK('shell', 0, 'numpy')]],
  ['quoted program', "!'pip' install numpy", [OK('shell', 0, 'numpy')]],
  ['automagic', 'pip install numpy', [OK('automagic', 0, 'numpy')]],
  ['automagic, indented', '  pip install numpy', [OK('automagic', 0, 'numpy')]],
  ['automagic, tab', 'pip\tinstall numpy', [OK('automagic', 0, 'numpy')]],
  ['automagic, newline', 'pip install numpy\n', [OK('automagic', 0, 'numpy')]],
  ['automagic, CRLF', 'pip install numpy\r\n', [OK('automagic', 0, 'numpy')]],
  [
    'automagic after blank lines',
    '\n  \npip install numpy\n',
    [OK('automagic', 2, 'numpy')]
  ],
  [
    'automagic, comment',
    'pip install numpy # arrays',
    [OK('automagic', 0, 'numpy')]
  ],
  // Not commands, as IPython sees them.
  ['%pip3 is no magic', '%pip3 install numpy', []],
  ['% pip is no magic', '% pip install numpy', []],
  ['%pip<tab> is no magic', '%pip\tinstall numpy', []],
  ['%pip alone', '%pip', []],
  ['%pip list', '%pip list', []],
  ['%pip uninstall', '%pip uninstall -y numpy', []],
  ['%pip show install', '%pip show install', []],
  ['%%pip', '%%pip install numpy', []],
  ['!! captures', '!!pip install numpy', []],
  ['!pip3.11', '!pip3.11 install numpy', []],
  ['!python3.12 -m pip', '!python3.12 -m pip install numpy', []],
  ['!conda', '!conda install numpy', []],
  ['!echo', '!echo pip install numpy', []],
  ['!sudo', '!sudo pip install numpy', []],
  ['!echo; pip', '!echo; pip install numpy', []],
  ['pipinstall', 'pipinstall numpy', []],
  ['pip.main', "pip.main(['install', 'numpy'])", []],
  ['pip variable', 'pip = 3', []],
  ['pip list', 'pip list', []],
  ['pip alone with comment', 'pip  # install numpy', []],
  ['comment', '# %pip install numpy', []],
  ['string', 'print("%pip install numpy")', []],
  ['one-line if', 'if x: %pip install numpy', []],
  ['magic assignment', 'x = %pip install numpy', []],
  ['system assignment', 'x = !pip install numpy', []],
  ['help', '%pip install numpy?', []],
  ['help ??', '%pip install numpy??', []],
  ['help on !', '!pip install numpy?', []],
  ['help on automagic', 'pip install numpy?', []],
  // Python structure: only logical line starts count.
  ['triple-quoted string', "s = '''\n%pip install numpy\n'''", []],
  ['triple double quotes', 's = """\n!pip install numpy\n"""', []],
  ['prefixed string', "s = rb'''\n%pip install numpy\n'''", []],
  ['inside brackets', 'x = (1,\n%pip install numpy\n)', []],
  [
    'after brackets',
    'x = [\n  1]\n%pip install numpy',
    [OK('magic', 2, 'numpy')]
  ],
  ['after a backslash', 'x = 1 + \\\n%pip install numpy', []],
  ['string continuation', "x = 'a\\\n%pip install numpy'", []],
  [
    'after a closed string',
    "s = '''x'''\n%pip install numpy",
    [OK('magic', 1, 'numpy')]
  ],
  [
    'escaped quote',
    "s = 'it\\'s'\n%pip install numpy",
    [OK('magic', 1, 'numpy')]
  ],
  ['f-string', 'x = f"{y}"\n%pip install numpy', [OK('magic', 1, 'numpy')]],
  [
    'comment with quote',
    "# it's\n%pip install numpy",
    [OK('magic', 1, 'numpy')]
  ],
  ['unbalanced closer', 'x)\n%pip install numpy', [OK('magic', 1, 'numpy')]],
  [
    'unterminated string',
    "x = 'abc\n%pip install numpy",
    [OK('magic', 1, 'numpy')]
  ],
  [
    'after an escaped line with a quote',
    "!echo '''\n%pip install numpy",
    [OK('magic', 1, 'numpy')]
  ],
  [
    'after an escaped line with a bracket',
    '!echo (\n%pip install numpy',
    [OK('magic', 1, 'numpy')]
  ],
  [
    'in an if block',
    'if x:\n    %pip install numpy',
    [OK('magic', 1, 'numpy')]
  ],
  [
    'in a for block, tab',
    'for p in ps:\n\t!pip install numpy',
    [OK('shell', 1, 'numpy')]
  ],
  ['CRLF lines', 'x = 1\r\n%pip install numpy\r\n', [OK('magic', 1, 'numpy')]],
  ['lone CR lines', 'x = 1\r%pip install numpy', []],
  ['CR lines after a command', '%pip install numpy\rimport numpy', []],
  // Continuations.
  [
    'continued',
    '%pip install numpy \\\n    pandas',
    [OK('magic', 0, 'numpy', 'pandas')]
  ],
  ['continued twice', '%pip install \\\n a \\\n b', [OK('magic', 0, 'a', 'b')]],
  [
    'continued, blank line',
    '%pip install a \\\n\nimport a',
    [OK('magic', 0, 'a')]
  ],
  [
    'continuation splits a word',
    '%pip install numpy\\\n>=1.0',
    [NO('magic', 0, 'the shell interprets `>`')]
  ],
  [
    'continuation in quotes',
    "%pip install 'numpy\\\n>=1'",
    [NO('magic', 0, 'a requirement is split across lines')]
  ],
  [
    'backslash before CRLF',
    '%pip install numpy \\\r\n pandas',
    [NO('magic', 0, 'the shell interprets `\\`')]
  ],
  [
    'backslash at the end',
    '%pip install numpy \\',
    [NO('magic', 0, 'the shell interprets `\\`')]
  ],
  [
    'comment swallows continuation',
    '%pip install a # c \\\n b',
    [OK('magic', 0, 'a')]
  ],
  // Quoting and requirement syntax.
  [
    'single quotes',
    "%pip install 'numpy>=1.2,<2'",
    [OK('magic', 0, 'numpy>=1.2,<2')]
  ],
  [
    'double quotes',
    '%pip install "numpy>=1.2,<2"',
    [OK('magic', 0, 'numpy>=1.2,<2')]
  ],
  ['partly quoted', "%pip install nu'mpy'", [OK('magic', 0, 'numpy')]],
  ['==', '%pip install numpy==1.26.4', [OK('magic', 0, 'numpy==1.26.4')]],
  ['~=', '%pip install numpy~=1.26', [OK('magic', 0, 'numpy~=1.26')]],
  ['!=', '%pip install numpy!=1.0', [OK('magic', 0, 'numpy!=1.0')]],
  [
    '===',
    "%pip install 'numpy===1.0+local'",
    [OK('magic', 0, 'numpy===1.0+local')]
  ],
  [
    'quoted wildcard version',
    "%pip install 'numpy==1.*'",
    [OK('magic', 0, 'numpy==1.*')]
  ],
  [
    'quoted extras',
    "%pip install 'pandas[excel]'",
    [OK('magic', 0, 'pandas[excel]')]
  ],
  [
    'extras and version',
    '%pip install "requests[socks, security]>=2"',
    [OK('magic', 0, 'requests[socks, security]>=2')]
  ],
  [
    'markers',
    `%pip install "numpy; python_version >= '3.8'"`,
    [OK('magic', 0, "numpy; python_version >= '3.8'")]
  ],
  [
    'markers with and/or',
    `%pip install "numpy>=1; (python_version >= '3.8' and sys_platform == 'linux') or extra == 'x'"`,
    [
      OK(
        'magic',
        0,
        "numpy>=1; (python_version >= '3.8' and sys_platform == 'linux') or extra == 'x'"
      )
    ]
  ],
  [
    'markers with not in',
    `%pip install "numpy; 'linux' not in sys_platform"`,
    [OK('magic', 0, "numpy; 'linux' not in sys_platform")]
  ],
  [
    'bad markers',
    `%pip install "numpy; bogus >= '1'"`,
    [
      NO(
        'magic',
        0,
        "`numpy; bogus >= '1'` has markers that are not understood"
      )
    ]
  ],
  [
    'parenthesised version',
    "%pip install 'numpy (>=1.0)'",
    [OK('magic', 0, 'numpy (>=1.0)')]
  ],
  [
    'dotted and dashed names',
    '%pip install zope.interface typing-extensions',
    [OK('magic', 0, 'zope.interface', 'typing-extensions')]
  ],
  [
    'mixed case',
    '%pip install NumPy==1.26.4 PyYAML',
    [OK('magic', 0, 'NumPy==1.26.4', 'PyYAML')]
  ],
  ['duplicate', '%pip install numpy numpy', [OK('magic', 0, 'numpy', 'numpy')]],
  [
    'unquoted >',
    '%pip install numpy>=1.2',
    [NO('magic', 0, 'the shell interprets `>`')]
  ],
  [
    'unquoted <',
    '%pip install numpy<2',
    [NO('magic', 0, 'the shell interprets `<`')]
  ],
  [
    'unquoted wildcard',
    '%pip install numpy==1.*',
    [NO('magic', 0, '`*` is a shell wildcard; quote the requirement')]
  ],
  [
    'unquoted extras',
    '%pip install pandas[excel]',
    [NO('magic', 0, '`[` is a shell wildcard; quote the requirement')]
  ],
  [
    'unquoted markers',
    "%pip install numpy;python_version>'3'",
    [NO('magic', 0, 'the shell interprets `;`')]
  ],
  [
    'unclosed quote',
    "%pip install 'numpy",
    [NO('magic', 0, 'a quote is not closed')]
  ],
  [
    'empty word',
    "%pip install ''",
    [NO('magic', 0, '`` is not a plain named requirement')]
  ],
  [
    'unicode name',
    '%pip install nümpy',
    [NO('magic', 0, '`nümpy` is not a plain named requirement')]
  ],
  [
    'egg fragment',
    '%pip install numpy#egg',
    [NO('magic', 0, '`numpy#egg` is not a plain named requirement')]
  ],
  [
    'no requirement',
    '%pip install',
    [NO('magic', 0, 'no requirement to install')]
  ],
  [
    'only options',
    '%pip install -q',
    [NO('magic', 0, 'no requirement to install')]
  ],
  // Paths and URLs.
  [
    'relative path',
    '%pip install ./mypkg',
    [NO('magic', 0, '`./mypkg` is not a plain named requirement')]
  ],
  [
    'dot',
    '%pip install .',
    [NO('magic', 0, '`.` is not a plain named requirement')]
  ],
  [
    'absolute wheel',
    '%pip install /tmp/x-1.0-py3-none-any.whl',
    [
      NO(
        'magic',
        0,
        '`/tmp/x-1.0-py3-none-any.whl` is not a plain named requirement'
      )
    ]
  ],
  [
    'bare wheel name',
    '%pip install x-1.0-py3-none-any.whl',
    [NO('magic', 0, '`x-1.0-py3-none-any.whl` is a file')]
  ],
  [
    'sdist',
    '%pip install foo-1.0.tar.gz',
    [NO('magic', 0, '`foo-1.0.tar.gz` is a file')]
  ],
  [
    'URL',
    '%pip install https://example.org/x.tar.gz',
    [NO('magic', 0, '`https://example.org/x.tar.gz` is a URL')]
  ],
  [
    'VCS URL',
    '%pip install git+https://github.com/a/b',
    [NO('magic', 0, '`git+https://github.com/a/b` is a URL')]
  ],
  [
    'direct reference',
    "%pip install 'pkg @ https://x.org/p.whl'",
    [NO('magic', 0, '`pkg @ https://x.org/p.whl` is a URL')]
  ],
  [
    'a path next to a name',
    '%pip install numpy ./mypkg',
    [NO('magic', 0, '`./mypkg` is not a plain named requirement')]
  ],
  // Options that are fine.
  ['-q', '%pip install -q numpy', [OK('magic', 0, 'numpy')]],
  ['-qq and -vvv', '%pip install -qq -vvv numpy', [OK('magic', 0, 'numpy')]],
  ['general option first', '%pip -q install numpy', [OK('magic', 0, 'numpy')]],
  [
    'general option with value first',
    '!pip --log /tmp/l install numpy',
    [OK('shell', 0, 'numpy')]
  ],
  ['--no-deps', '%pip install --no-deps numpy', [OK('magic', 0, 'numpy')]],
  [
    'option after requirement',
    '%pip install numpy --quiet',
    [OK('magic', 0, 'numpy')]
  ],
  [
    'option value is no requirement',
    '%pip install --progress-bar off numpy',
    [OK('magic', 0, 'numpy')]
  ],
  [
    '--opt=value',
    '%pip install --progress-bar=off numpy',
    [OK('magic', 0, 'numpy')]
  ],
  [
    'cache options',
    '%pip install --no-cache-dir --disable-pip-version-check numpy',
    [OK('magic', 0, 'numpy')]
  ],
  [
    '--only-binary',
    '%pip install --only-binary :all: numpy',
    [OK('magic', 0, 'numpy')]
  ],
  [
    '--break-system-packages',
    '%pip install --break-system-packages numpy',
    [OK('magic', 0, 'numpy')]
  ],
  ['--', '%pip install -- numpy', [OK('magic', 0, 'numpy')]],
  // Options that are not.
  [
    '-r',
    '%pip install -r requirements.txt',
    [NO('magic', 0, '`-r` reads requirements from a file')]
  ],
  [
    '-rFILE',
    '%pip install -rrequirements.txt',
    [NO('magic', 0, '`-r` reads requirements from a file')]
  ],
  [
    '--requirement=',
    '%pip install --requirement=r.txt',
    [NO('magic', 0, '`-r` reads requirements from a file')]
  ],
  [
    '-c',
    '%pip install -c c.txt numpy',
    [NO('magic', 0, '`-c` constrains versions from a file')]
  ],
  [
    '-e',
    '%pip install -e .',
    [NO('magic', 0, '`-e` installs a project in development mode')]
  ],
  [
    '--index-url',
    '%pip install --index-url https://x.org/simple numpy',
    [NO('magic', 0, '`--index-url` chooses where packages come from')]
  ],
  [
    '-i',
    '%pip install -i https://x.org/simple numpy',
    [NO('magic', 0, '`--index-url` chooses where packages come from')]
  ],
  [
    '--extra-index-url=',
    '%pip install --extra-index-url=https://x.org numpy',
    [NO('magic', 0, '`--extra-index-url` chooses where packages come from')]
  ],
  [
    '--no-index',
    '%pip install --no-index -f /wheels numpy',
    [NO('magic', 0, '`--no-index` chooses where packages come from')]
  ],
  [
    '--target',
    '%pip install --target /tmp/t numpy',
    [NO('magic', 0, '`--target` installs somewhere apk does not')]
  ],
  [
    '-tDIR',
    '%pip install -t/tmp/t numpy',
    [NO('magic', 0, '`--target` installs somewhere apk does not')]
  ],
  [
    '--prefix',
    '%pip install --prefix /opt numpy',
    [NO('magic', 0, '`--prefix` installs somewhere apk does not')]
  ],
  [
    '--root',
    '%pip install --root / numpy',
    [NO('magic', 0, '`--root` installs somewhere apk does not')]
  ],
  [
    '--user',
    '%pip install --user numpy',
    [NO('magic', 0, '`--user` installs somewhere apk does not')]
  ],
  [
    '--no-binary',
    '%pip install --no-binary :all: numpy',
    [NO('magic', 0, '`--no-binary` asks for a build of its own')]
  ],
  [
    '-C',
    '%pip install -C x=y numpy',
    [NO('magic', 0, '`-C` asks for a build of its own')]
  ],
  [
    '--pre',
    '%pip install --pre numpy',
    [NO('magic', 0, '`--pre` accepts pre-releases, which apk does not track')]
  ],
  [
    '--force-reinstall',
    '%pip install --force-reinstall numpy',
    [NO('magic', 0, '`--force-reinstall` asks pip to reinstall')]
  ],
  [
    '-U',
    '%pip install -U numpy',
    [NO('magic', 0, '`-U` asks for the newest release, which apk may not have')]
  ],
  [
    '--upgrade after',
    '%pip install numpy --upgrade',
    [NO('magic', 0, '`-U` asks for the newest release, which apk may not have')]
  ],
  [
    '-qU',
    '%pip install -qU numpy',
    [NO('magic', 0, '`-U` asks for the newest release, which apk may not have')]
  ],
  [
    '-I',
    '%pip install -I numpy',
    [NO('magic', 0, '`-I` asks pip to install over what is there')]
  ],
  [
    '--dry-run',
    '%pip install --dry-run numpy',
    [NO('magic', 0, '`--dry-run` installs nothing')]
  ],
  [
    '--require-hashes',
    '%pip install --require-hashes numpy',
    [NO('magic', 0, '`--require-hashes` checks the exact files pip downloads')]
  ],
  [
    '--report',
    '%pip install --report r.json numpy',
    [NO('magic', 0, '`--report` expects pip to install everything')]
  ],
  [
    'abbreviated option',
    '%pip install --upgr numpy',
    [NO('magic', 0, 'pip option `--upgr` is not known here')]
  ],
  [
    'unknown short option',
    '%pip install -x numpy',
    [NO('magic', 0, 'pip option `-x` is not known here')]
  ],
  [
    'flag with a value',
    '%pip install --no-deps=1 numpy',
    [NO('magic', 0, 'pip option `--no-deps=1` is not known here')]
  ],
  [
    'value missing',
    '%pip install numpy --progress-bar',
    [NO('magic', 0, 'pip option `--progress-bar` is not known here')]
  ],
  [
    '--help first',
    '%pip --help install numpy',
    [NO('magic', 0, 'pip only prints help')]
  ],
  [
    '--python first',
    '%pip --python /usr/bin/python3 install numpy',
    [NO('magic', 0, '`--python` installs for another interpreter')]
  ],
  [
    '--isolated first',
    '!pip --isolated install numpy',
    [NO('shell', 0, '`--isolated` changes how pip reads its configuration')]
  ],
  ['install option before install', '%pip --user install numpy', []],
  ['unknown option before install', '%pip --frobnicate install numpy', []],
  // Shell and IPython expansion.
  [
    '$VAR',
    '%pip install $PKG',
    [NO('magic', 0, 'IPython expands `$` before the shell runs')]
  ],
  [
    '{expr}',
    '%pip install {pkg}',
    [NO('magic', 0, 'IPython expands `{` before the shell runs')]
  ],
  [
    '{expr} in a comment',
    '%pip install numpy # {os.system("x")}',
    [NO('magic', 0, 'IPython expands `{` before the shell runs')]
  ],
  [
    '$(…)',
    '!pip install $(cat reqs)',
    [NO('shell', 0, 'IPython expands `$` before the shell runs')]
  ],
  [
    'backticks',
    '!pip install `cat reqs`',
    [NO('shell', 0, 'the shell interprets backquotes')]
  ],
  [
    '{sys.executable}',
    '!{sys.executable} -m pip install numpy',
    [NO('shell', 0, 'IPython expands `{` before the shell runs')]
  ],
  [
    '; rm -rf /',
    '!pip install numpy; rm -rf /',
    [NO('shell', 0, 'the shell interprets `;`')]
  ],
  [
    '&&',
    '!pip install numpy && echo ok',
    [NO('shell', 0, 'the shell interprets `&`')]
  ],
  [
    '||',
    '%pip install numpy || true',
    [NO('magic', 0, 'the shell interprets `|`')]
  ],
  [
    'pipe',
    '!pip install numpy | tee log',
    [NO('shell', 0, 'the shell interprets `|`')]
  ],
  [
    'redirect',
    '!pip install numpy > log',
    [NO('shell', 0, 'the shell interprets `>`')]
  ],
  [
    '2>&1',
    '!pip install numpy 2>&1',
    [NO('shell', 0, 'the shell interprets `>`')]
  ],
  ['subshell', '!(pip install numpy)', []],
  [
    'wildcard word',
    '%pip install numpy ?',
    [NO('magic', 0, '`?` is a shell wildcard; quote the requirement')]
  ],
  [
    'question mark in a comment',
    '%pip install numpy # why?',
    [OK('magic', 0, 'numpy')]
  ],
  [
    'tilde',
    '%pip install ~/pkg',
    [NO('magic', 0, '`~/pkg` is not a plain named requirement')]
  ],
  [
    'control character',
    '%pip install num\x01py',
    [NO('magic', 0, 'the line has a control character')]
  ],
  ['NUL', '%pip install numpy\0', []],
  ['NUL elsewhere', 'x = "\0"\n%pip install numpy', []],
  ['U+2028', '%pip install numpy\u2028import os', []],
  ['form feed', '%pip install numpy\fimport os', []],
  ['lone surrogate', '%pip install numpy # \ud800', []],
  [
    'emoji comment is fine',
    '%pip install numpy # 🐍',
    [OK('magic', 0, 'numpy')]
  ],
  [
    'non-breaking space',
    '%pip install numpy\u00a0pandas',
    [NO('magic', 0, '`numpy\u00a0pandas` is not a plain named requirement')]
  ],
  // Automagic that cannot run.
  [
    'automagic then code',
    'pip install numpy\nimport numpy',
    [
      NO(
        'automagic',
        0,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  [
    'automagic after a comment',
    '# c\npip install numpy',
    [
      NO(
        'automagic',
        1,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  [
    'automagic, trailing blank line',
    'pip install numpy\n\n',
    [
      NO(
        'automagic',
        0,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  [
    'automagic in a block',
    'if x:\n    pip install numpy',
    [
      NO(
        'automagic',
        1,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  [
    'automagic continued',
    'pip install a \\\n b',
    [
      NO(
        'automagic',
        0,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  [
    'automagic with -U',
    'pip install -U numpy',
    [
      NO(
        'automagic',
        0,
        '`-U` asks for the newest release, which apk may not have'
      )
    ]
  ],
  [
    'a bare pip install stops the whole cell',
    '%pip install numpy\npip install pandas',
    [
      NO(
        'magic',
        0,
        'IPython rejects the cell: it has a bare `pip install` among other lines'
      ),
      NO(
        'automagic',
        1,
        'a bare `pip install` runs only as the single line of a cell; use `%pip install`'
      )
    ]
  ],
  // Several commands.
  [
    'three commands',
    '%pip install numpy\n!pip install pandas\nimport os\n%pip install -U scipy',
    [
      OK('magic', 0, 'numpy'),
      OK('shell', 1, 'pandas'),
      NO('magic', 3, '`-U` asks for the newest release, which apk may not have')
    ]
  ],
  // Cell magics.
  ['%%capture', '%%capture\n%pip install numpy', [OK('magic', 1, 'numpy')]],
  [
    '%%capture name',
    '%%capture out --no-stderr\n%pip install numpy',
    [OK('magic', 1, 'numpy')]
  ],
  ['%%time', '%%time\n%pip install numpy', [OK('magic', 1, 'numpy')]],
  [
    '%%capture then %%time',
    '%%capture\n%%time\n%pip install numpy',
    [OK('magic', 2, 'numpy')]
  ],
  [
    '%%capture, automagic body',
    '%%capture\npip install numpy',
    [OK('automagic', 1, 'numpy')]
  ],
  [
    'blank line before %%capture',
    '\n%%capture\n%pip install numpy',
    [OK('magic', 2, 'numpy')]
  ],
  ['%%time with arguments', '%%time x\n%pip install numpy', []],
  ['%%capture with expansion', '%%capture {x}\n%pip install numpy', []],
  ['%%timeit', '%%timeit\n%pip install numpy', []],
  ['%%bash', '%%bash\npip install numpy', []],
  ['%%writefile', '%%writefile x.py\n%pip install numpy', []],
  ['%%capture then %%bash', '%%capture\n%%bash\npip install numpy', []],
  ['indented cell magic', '  %%capture\n%pip install numpy', []],
  [
    '%% later on is a line',
    'x = 1\n%%capture\n%pip install numpy',
    [OK('magic', 2, 'numpy')]
  ],
  // Opting out.
  ['opt-out line', `${OPT_OUT_MARKER}\n%pip install numpy`, []],
  ['opt-out trailing comment', '%pip install numpy  # apk: off', []],
  ['opt-out, loose spelling', '#APK:OFF\n%pip install numpy', []],
  [
    'not an opt-out',
    '# apk: offline\n%pip install numpy',
    [OK('magic', 1, 'numpy')]
  ]
];

describe('parseCell', () => {
  it('has a large table', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(100);
  });

  it.each(TABLE)('%s', (_, source, expected) => {
    const result = parseCell(source);
    expect(summarise(result)).toEqual(expected);
    expect(hasPipCommand(source)).toBe(expected.length > 0);
    for (const command of result.commands) {
      expect(command.start).toBeGreaterThanOrEqual(0);
      expect(command.end).toBeLessThanOrEqual(source.length);
      expect(
        source.slice(command.start - command.indent.length, command.start)
      ).toBe(command.indent);
      for (const token of command.requirements) {
        expect(token.start).toBeGreaterThan(command.start);
        expect(token.end).toBeLessThanOrEqual(command.end);
        expect(unquote(source.slice(token.start, token.end))).toBe(token.text);
      }
    }
  });

  it('gives positions in the cell', () => {
    const source = "x = 1\nif x:\n    %pip install -q numpy 'scipy>=1' # c\n";
    const [command] = parseCell(source).commands;
    expect(command).toEqual({
      kind: 'magic',
      line: 2,
      start: 16,
      end: source.length - 1,
      indent: '    ',
      requirements: [
        { text: 'numpy', start: 32, end: 37 },
        { text: 'scipy>=1', start: 38, end: 48 }
      ],
      options: ['-q'],
      routable: true
    });
    expect(source.slice(32, 37)).toBe('numpy');
    expect(source.slice(38, 48)).toBe("'scipy>=1'");
  });

  it('gives positions on continuation lines', () => {
    const source = '%pip install numpy \\\n    pandas\nimport pandas';
    const [command] = parseCell(source).commands;
    expect(command.end).toBe(source.indexOf('\nimport'));
    expect(command.requirements.map(t => source.slice(t.start, t.end))).toEqual(
      ['numpy', 'pandas']
    );
  });

  it('lists options with their values', () => {
    const [command] = parseCell(
      '!pip -q install --progress-bar off --no-deps numpy --log=x'
    ).commands;
    expect(command.options).toEqual([
      '-q',
      '--progress-bar',
      'off',
      '--no-deps',
      '--log=x'
    ]);
  });

  it('keeps informational requirements of an unroutable shell line to the pip command', () => {
    const [command] = parseCell('!pip install numpy; rm -rf /').commands;
    expect(command.requirements.map(t => t.text)).toEqual(['numpy']);
  });

  it('finds a command at the end of a 1 MB cell', () => {
    const filler = 'x = "pip"  # pipeline\n'.repeat(50000);
    const source = filler + '%pip install numpy';
    const started = Date.now();
    const [command] = parseCell(source).commands;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(command.line).toBe(50000);
    expect(source.slice(command.requirements[0].start)).toBe('numpy');
  });

  it('survives a 1 MB command line', () => {
    const source = '%pip install ' + 'a-'.repeat(500000) + 'b';
    const result = parseCell(source);
    expect(summarise(result)).toEqual([
      NO('magic', 0, 'a requirement is too long')
    ]);
  });

  it('survives a 1 MB line of brackets and quotes', () => {
    const source = '('.repeat(300000) + "'''" + '\n%pip install numpy';
    expect(parseCell(source).commands).toEqual([]);
  });

  it('ignores non-strings', () => {
    expect(parseCell(undefined as unknown as string)).toEqual({ commands: [] });
    expect(hasPipCommand(null as unknown as string)).toBe(false);
  });
});

describe('cellBody', () => {
  it.each([
    ['x = 1', { start: 0, line: 0 }],
    ['%%capture\nx', { start: 10, line: 1 }],
    ['\n%%time\nx', { start: 8, line: 2 }],
    ['%%capture\r\n%%time\r\nx', { start: 19, line: 2 }],
    ['%%capture', { start: 9, line: 1 }],
    ['%%bash\nx', null],
    ['  %%capture\nx', null],
    ['x\ry', null],
    ['x\0', null],
    ['x\u2028y', null],
    ['x\ud800', null],
    ['x\r\ny', { start: 0, line: 0 }]
  ])('%j', (source, expected) => {
    expect(cellBody(source)).toEqual(expected);
  });
});

describe('logicalLines', () => {
  it('joins bracketed, string and continued lines', () => {
    const source =
      'a = (1,\n2)\nb = """\n"""\nc = 1 \\\n  + 2\n%pip x \\\ny\nd';
    expect(logicalLines(source).map(line => line.line)).toEqual([
      0, 2, 4, 6, 8
    ]);
  });
});

/**
 * Cells made of pieces that exercise the parser, plus arbitrary text.
 */
const PIECES = [
  '%pip install ',
  '!pip install ',
  '!python -m pip install ',
  'pip install ',
  '%pip -q install ',
  'numpy',
  "'numpy>=1.2,<2'",
  '"scipy; python_version > \'3\'"',
  'pandas[excel]',
  '-U ',
  '-r req.txt',
  '--index-url https://x',
  '$X',
  '{y}',
  ';',
  '&&',
  '`id`',
  '#',
  '# apk: off',
  '\\',
  '\\\n',
  '\n',
  '\r\n',
  '\r',
  '    ',
  '\t',
  "'''",
  '"""',
  "'",
  '"',
  '(',
  ')',
  '[',
  '%%capture\n',
  '%%bash\n',
  '?',
  ' ',
  '\0',
  '\u2028',
  '\ud800',
  'ü',
  '🐍',
  'if x:\n'
];

const cellArbitrary = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PIECES) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) }
    ),
    { maxLength: 40 }
  )
  .map(pieces => pieces.join(''));

describe('parseCell properties', () => {
  const check = (source: string) => {
    const result = parseCell(source);
    expect(hasPipCommand(source)).toBe(result.commands.length > 0);
    let last = -1;
    for (const command of result.commands) {
      expect(command.start).toBeGreaterThan(last);
      expect(command.end).toBeLessThanOrEqual(source.length);
      last = command.end;
      if (command.routable) {
        expect(command.requirements.length).toBeGreaterThan(0);
        expect(command.reason).toBeUndefined();
      } else {
        expect(typeof command.reason).toBe('string');
      }
      for (const token of command.requirements) {
        expect(token.start).toBeGreaterThan(command.start);
        expect(token.end).toBeLessThanOrEqual(command.end);
        expect(source.slice(token.start, token.end)).not.toMatch(/[\r\n]/);
      }
    }
  };

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), source => {
        check(source);
      }),
      { numRuns: 500 }
    );
  });

  it('never throws on arbitrary text after a pip command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), tail => {
        check('%pip install ' + tail);
        check('!pip install ' + tail);
        check('pip install ' + tail);
      }),
      { numRuns: 500 }
    );
  });

  it('never throws on cells built from tricky pieces', () => {
    fc.assert(
      fc.property(cellArbitrary, source => {
        check(source);
      }),
      { numRuns: 2000 }
    );
  });

  it('never throws on big strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 10000, maxLength: 50000 }),
        source => {
          check('%pip install x\n' + source);
        }
      ),
      { numRuns: 10 }
    );
  });
});
