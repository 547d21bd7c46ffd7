// Prints one plain closing line, `N passed, N failed, N skipped`, that any CI log reader understands
// (vitest's own summary is coloured and laid out for people). A file that failed with none of its tests
// failing (an import error, a beforeAll that threw: its tests are then reported skipped) and an unhandled
// error each count as one failure, so the line never says 0 failed when vitest fails the run.
// With BUCKET_ML_TEST_COUNTS naming a file,
// it also appends the counts there as a JSON line, so a script running several passes (.ci/run: Node 20,
// then Node 24) can print their total.
import { appendFileSync } from 'node:fs';
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export interface PassCounts {
  node: string;
  passed: number;
  failed: number;
  skipped: number;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      const before = count.failed;
      for (const test of module.children.allTests()) count[test.result().state] += 1;
      if (module.state() === 'failed' && count.failed === before) count.failed += 1;
    }
    count.failed += unhandledErrors.length;
    const pass: PassCounts = { node: process.version, passed: count.passed, failed: count.failed, skipped: count.skipped + count.pending };
    process.stdout.write(`\n${pass.passed} passed, ${pass.failed} failed, ${pass.skipped} skipped\n`);
    if (process.env.BUCKET_ML_TEST_COUNTS) appendFileSync(process.env.BUCKET_ML_TEST_COUNTS, `${JSON.stringify(pass)}\n`);
  }
}
