/**
 * Preloaded (`--import`) into every member process of tests/support/cluster-processes.ts: the
 * child is spawned with an IPC channel, which closes when the parent dies by any means (a test
 * runner killed with SIGKILL included), and then the child dies too, so no member outlives its
 * test. The channel is unreferenced so it never keeps the child alive by itself.
 */
if (process.channel !== undefined) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.channel.unref();
}
