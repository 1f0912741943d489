// Preloaded (`node --import ./bench/guard.mjs`) into the processes the bench starts: when the
// bench that started them is gone — even killed with SIGKILL, when none of its own cleanup can
// run — they shut down instead of serving on their ports forever.
const parent = Number(process.env.BENCH_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      // The normal shutdown first (it writes a CPU profile); a hard exit if that hangs.
      setTimeout(() => process.exit(1), 5_000).unref();
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1_000).unref();
}
