// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { formatBytes } from '../src/catalog/format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024 + 300, '10 KiB'],
    [1023.7 * 1024, '1 MiB'],
    [25 * 1024 * 1024, '25 MiB'],
    [3.25 * 1024 ** 3, '3.3 GiB']
  ])('formats %d as %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('returns an empty string for nonsense', () => {
    expect(formatBytes(-1)).toBe('');
    expect(formatBytes(Number.NaN)).toBe('');
  });
});
