/**
 * Loaded with `node --import` into a process the benches time: at exit it
 * writes the process's peak RSS (every thread's) to stderr as
 * `FSBAYES_BENCH_MAXRSS_KB <kB>`, for the parent to read.
 */
process.on('exit', () => {
  process.stderr.write(`\nFSBAYES_BENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
