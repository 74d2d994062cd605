/**
 * Playwright configuration of the `%pip install` interception benchmark (pip.spec.ts).
 *
 * Run from ui-tests/ (it reuses ui-tests' node_modules, Galata and the test server config):
 *
 *   export PATH=$PWD/.venv/bin:$PATH          # from the repository root: jlpm, jupyter, python
 *   cd ui-tests && jlpm playwright test -c ../bench/ui/pip.config.ts
 *
 * Unlike the keystroke benchmark (playwright.config.ts next to this file, a generated
 * 25,000-package catalog), this one needs the demo repository and sandbox root that the
 * kernels import from, exactly as the UI tests have them: the server is
 * `jlpm start` = `jupyter lab --config jupyter_server_test_config.py`, unchanged (its log:
 * ui-tests/.apk-cache/bench-pip-server.log). Results: JSON on stdout and in
 * bench/results/pip.json (see pip.spec.ts).
 */
import { benchConfig } from './config';

export default benchConfig({
  spec: 'pip.spec.ts',
  timeoutMinutes: 10,
  serverLog: 'bench-pip-server.log',
  serverTimeoutMinutes: 2
});
