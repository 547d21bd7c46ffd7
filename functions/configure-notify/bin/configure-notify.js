#!/usr/bin/env node
// The command itself is compiled to build/cli.js by `npm run build`. npm links a package's bins at
// install time only when the file exists, so this committed launcher is what the bin points at.
let cli;
try {
  cli = await import('../build/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('cli.js')) {
    console.error('configure-notify is not built yet: run `npm run build` at the repository root');
    process.exit(2);
  }
  throw error;
}
cli.runFromProcess();
