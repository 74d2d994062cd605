/**
 * Playwright configuration of the missing-module offer benchmark (modules.spec.ts).
 *
 * Run from ui-tests/ (it reuses ui-tests' node_modules, Galata and the test server config):
 *
 *   export PATH=$PWD/.venv/bin:$PATH          # from the repository root: jlpm, jupyter, python
 *   cd ui-tests && jlpm playwright test -c ../bench/ui/modules.config.ts
 *
 * The server is the UI tests' (`jlpm start`, the demo repository and sandbox root); its log:
 * ui-tests/.apk-cache/bench-modules-server.log. Results: JSON on stdout and in
 * bench/results/modules.json.
 */
import { benchConfig } from './config';

export default benchConfig({
  spec: 'modules.spec.ts',
  timeoutMinutes: 10,
  serverLog: 'bench-modules-server.log',
  serverTimeoutMinutes: 2
});
