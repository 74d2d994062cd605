// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { nullTranslator } from '@jupyterlab/translation';

import { IJob } from '../src/api';
import {
  jobOutcome,
  keptByPlan,
  outcomeMessage,
  parseChange,
  requestedName
} from '../src/jobs/outcome';
import { finishedJob, jobPlan } from './utils';

const trans = nullTranslator.load('jupyterlab_apk');

describe('parseChange and requestedName', () => {
  it.each([
    ['py3-wcwidth-0.2.13-r1', { name: 'py3-wcwidth', removed: false }],
    ['py3-a (removed)', { name: 'py3-a', removed: true }],
    ['musl-1.2.5-r0', { name: 'musl', removed: false }],
    ['oddly-named', { name: 'oddly-named', removed: false }]
  ])('reads %s', (item, expected) => {
    expect(parseChange(item)).toEqual(expected);
  });

  it.each([
    ['py3-a', 'py3-a'],
    ['py3-a=1.0-r0', 'py3-a'],
    ['py3-a>=1', 'py3-a'],
    ['py3-a~1', 'py3-a']
  ])('names %s', (request, name) => {
    expect(requestedName(request)).toBe(name);
  });
});

describe('outcomeMessage', () => {
  it.each<[string, Partial<IJob>, string, number]>([
    [
      'an install with a dependency',
      {
        packages: ['py3-prettytable'],
        installed: ['py3-prettytable-3.17.0-r0', 'py3-wcwidth-0.2.13-r1']
      },
      'Installed py3-prettytable (and 1 dependency: py3-wcwidth).',
      0
    ],
    [
      'an install of two with two dependencies',
      {
        packages: ['py3-a', 'py3-b=2.0-r0'],
        installed: ['py3-a-1.0-r0', 'py3-b-2.0-r0', 'py3-c-1-r0', 'py3-d-1-r0']
      },
      'Installed py3-a, py3-b (and 2 dependencies: py3-c, py3-d).',
      0
    ],
    [
      'an install of a package already installed',
      { packages: ['py3-tabulate'], installed: [] },
      'py3-tabulate was already installed.',
      0
    ],
    [
      'an upgrade with nothing newer',
      { action: 'upgrade', packages: ['py3-a'], installed: [] },
      'py3-a was already up to date.',
      0
    ],
    [
      'a removal that took a dependency',
      {
        action: 'remove',
        packages: ['py3-prettytable'],
        installed: ['py3-prettytable (removed)', 'py3-wcwidth (removed)']
      },
      'Removed py3-prettytable (and 1 package no longer needed: py3-wcwidth).',
      0
    ],
    [
      'a removal kept by the dry run',
      {
        action: 'remove',
        packages: ['py3-wcwidth'],
        plan: {
          steps: [],
          download_size: 0,
          installed_size: 0,
          kept: [{ package: 'py3-wcwidth', required_by: ['py3-prettytable'] }]
        }
      },
      'Nothing was removed: py3-wcwidth is needed by py3-prettytable.',
      1
    ],
    [
      'a removal of two, one kept, with the server warning',
      {
        action: 'remove',
        packages: ['py3-a', 'py3-wcwidth'],
        installed: ['py3-a (removed)'],
        warnings: ['py3-wcwidth is needed by py3-prettytable']
      },
      'Removed py3-a; py3-wcwidth is needed by py3-prettytable.',
      1
    ],
    [
      'an install the server warns about',
      {
        packages: ['py3-a'],
        installed: ['py3-a-1.0-r0'],
        warnings: ['a trigger failed']
      },
      'Installed py3-a; a trigger failed.',
      1
    ],
    [
      'an undo, its dependencies left out',
      {
        action: 'undo',
        packages: ['py3-a', 'py3-b'],
        undo: { remove: ['py3-a'], restore: ['py3-b'] },
        installed: ['py3-a (removed)', 'py3-b-1.0-r0', 'py3-c-1-r0']
      },
      'Undid the changes since the image: removed py3-a, restored py3-b.',
      0
    ],
    [
      'an undo whose removal only left the world',
      {
        action: 'undo',
        packages: ['py3-lib'],
        undo: { remove: ['py3-lib'], restore: [] },
        installed: []
      },
      'Undid the changes since the image.',
      0
    ]
  ])('%s', (_, fields, message, warnings) => {
    const finished = finishedJob(fields);
    const outcome = jobOutcome(finished, trans);
    expect(outcomeMessage(finished, outcome, trans)).toBe(message);
    expect(outcome.warnings).toHaveLength(warnings);
  });
});

describe('keptByPlan', () => {
  it('lists the packages asked for that the plan does not remove', () => {
    const plan = jobPlan([['remove', 'py3-a', '1-r0', null]]);
    expect(keptByPlan(['py3-a', 'py3-b'], plan)).toEqual(['py3-b']);
    expect(keptByPlan(['py3-a'], plan)).toEqual([]);
  });
});
