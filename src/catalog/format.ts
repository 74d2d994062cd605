// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Pure formatting helpers for the catalog views.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Format a size in bytes the way apk does, with binary units.
 *
 * @param bytes A non-negative number of bytes.
 *
 * @returns e.g. `512 B`, `1.5 KiB`, `23 MiB`; one decimal below 10 units.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${value} B`;
  }
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // Rounding can reach 1024 (e.g. 1023.7 KiB): show the next unit instead.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    return `1 ${UNITS[unit + 1]}`;
  }
  return `${rounded} ${UNITS[unit]}`;
}
