// Preload module for the benchmark runner:
//
//   KABAR_BENCH_MEASURE=/tmp/m.jsonl node --import ./bench/measure.mjs script.mjs ...
//
// On process exit it appends one JSON line
//   {"maxRssKB":…,"userCpuMs":…,"systemCpuMs":…}
// to the file named by KABAR_BENCH_MEASURE. Without that variable it does
// nothing at all.
//
// Figures come from process.resourceUsage() (getrusage(RUSAGE_SELF)): they
// cover every thread of this process (worker_threads included) but NOT child
// processes it spawns. maxRSS is already in KB; CPU times are µs, written as ms.
//
// Only the main thread of the measured process writes: the variable is removed
// from process.env right away so forked/spawned children (which may inherit
// --import through execArgv) stay silent, and worker threads are skipped.

import { appendFileSync } from 'node:fs'
import process from 'node:process'
import { isMainThread } from 'node:worker_threads'

const target = isMainThread ? process.env.KABAR_BENCH_MEASURE : undefined

if (target) {
  delete process.env.KABAR_BENCH_MEASURE
  process.on('exit', () => {
    const ru = process.resourceUsage()
    const line = {
      maxRssKB: ru.maxRSS,
      userCpuMs: Math.round(ru.userCPUTime / 10) / 100,
      systemCpuMs: Math.round(ru.systemCPUTime / 10) / 100,
    }
    try {
      appendFileSync(target, `${JSON.stringify(line)}\n`)
    } catch {
      // never turn a measurement problem into a failure of the measured script
    }
  })
}
