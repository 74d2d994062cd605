// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Which module a failed import was looking for, from the structured `error`
 * message of a Python kernel (pure).
 */

/**
 * `No module named 'x.y'` (Python 3) or `No module named x.y` (older ImportErrors),
 * the whole value: `… ; 'x' is not a package` and the like are other failures.
 */
const NO_MODULE_RE =
  /^No module named (['"]?)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\1$/;

/**
 * The top-level module a `ModuleNotFoundError` (or an `ImportError: No module
 * named …`) names, or `null` for any other error.
 *
 * @param ename The error message's `ename`.
 * @param evalue The error message's `evalue`.
 */
export function missingModule(ename: string, evalue: string): string | null {
  if (ename !== 'ModuleNotFoundError' && ename !== 'ImportError') {
    return null;
  }
  const match = NO_MODULE_RE.exec(evalue.trim());
  return match ? match[2].split('.')[0] : null;
}
