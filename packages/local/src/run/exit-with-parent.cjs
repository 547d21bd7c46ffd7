// Preloaded (node --require) into the classify child that `npm start` runs: when the parent goes
// away without stopping it (killed with SIGKILL, crashed), the IPC channel closes and the child
// stops itself the normal way (SIGTERM: faas-js-runtime runs the function's shutdown and exits).
'use strict';
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
