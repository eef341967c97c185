#!/usr/bin/env node
// Watch-mode benchmark (issue 3).
//
//   npm run compile && node bench/watch.mjs [--count 10000] [--edits 200] [--memory-edits 10000]
//                                           [--debounce 50] [--seed 42] [--corpus DIR] [--out FILE]
//
// Generates a corpus in a temp folder with `node bench/generate-corpus.mjs` (its
// own copy, since the edits change posts; --corpus reuses one), starts watch()
// from ../lib/ in this process, then:
//
// 1. latency: --edits edits, one at a time, round-robin over the ten newest
//    published posts, so every edit changes all three feeds. Each is timed from
//    just before the write to the last of the three feeds renamed into place
//    (a rename sets the file's ctime), and to the `rebuilt` event that follows.
//    The debounce window is reported apart: `waited` is from the first file
//    event to the start of the rebuild, and "write → renamed, without
//    debounce" is the time to the last rename minus `waited`.
// 2. memory: edits go on (every fourth to an older post outside the feeds)
//    until --memory-edits in all; heap and RSS are read after a full GC at
//    100 edits and at the end.
//
// Prints the figures against the targets (p50 ≤ 50 ms, p95 ≤ 150 ms, memory
// within 10%) and writes bench/watch-results.json.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = path.dirname(BENCH_DIR)
const TARGETS = { p50Ms: 50, p95Ms: 150, memoryGrowth: 0.1 }
const MEMORY_BASELINE_EDITS = 100
const FEEDS = ['rss.xml', 'atom.xml', 'feed.json']
const EDIT_TIMEOUT_MS = 120_000

function parseOptions(argv) {
  const options = {
    count: 10_000,
    edits: 200,
    memoryEdits: 10_000,
    debounce: 50,
    seed: 42,
    corpus: undefined,
    out: path.join(BENCH_DIR, 'watch-results.json'),
  }
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]]
    if (value === undefined) throw new Error(`${flag} needs a value`)
    if (flag === '--count') options.count = Number(value)
    else if (flag === '--edits') options.edits = Number(value)
    else if (flag === '--memory-edits') options.memoryEdits = Number(value)
    else if (flag === '--debounce') options.debounce = Number(value)
    else if (flag === '--seed') options.seed = Number(value)
    else if (flag === '--corpus') options.corpus = path.resolve(value)
    else if (flag === '--out') options.out = path.resolve(value)
    else throw new Error(`unknown option ${flag}`)
  }
  if (options.memoryEdits < Math.max(options.edits, MEMORY_BASELINE_EDITS)) {
    throw new Error(`--memory-edits must be at least --edits and ${MEMORY_BASELINE_EDITS}`)
  }
  return options
}

function makeCorpus(options) {
  if (options.corpus !== undefined) return { dir: options.corpus, isTemporary: false, ms: 0 }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kabar-watch-bench-${options.count}-`))
  const started = performance.now()
  const result = spawnSync(
    process.execPath,
    [
      path.join(BENCH_DIR, 'generate-corpus.mjs'),
      '--count',
      String(options.count),
      '--seed',
      String(options.seed),
      '--out',
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  if (result.status !== 0) throw new Error(`generate-corpus.mjs failed (exit ${result.status})`)
  return { dir, isTemporary: true, ms: performance.now() - started }
}

function listPosts(directory) {
  return fs
    .readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
}

/** Corpus files are named YYYY-MM-DD-slug.md and no date is in the future; drafts say so in their frontmatter. */
function pickTargets(postsDir) {
  const posts = listPosts(postsDir).sort((a, b) => (path.basename(a) < path.basename(b) ? 1 : -1))
  const isPublished = (file) => !/^draft: true$/m.test(fs.readFileSync(file, 'utf8').split('\n---', 1)[0] ?? '')
  const newest = posts.filter(isPublished).slice(0, 10)
  // Well outside the newest 20 the feeds show: edits that change no feed.
  const older = posts.slice(100, 200)
  return { newest, older }
}

function exposeGc() {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc')
}

/**
 * Heap and RSS after full collections. RSS is the least of five readings a
 * tenth of a second apart, each after two collections: read once, it swung
 * by ±20% between identical runs, with pages V8 and the allocator had not
 * given back yet.
 */
async function measureMemory(gc) {
  let rss = Number.POSITIVE_INFINITY
  let heapUsed = 0
  for (let reading = 0; reading < 5; reading++) {
    if (reading > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    gc()
    gc()
    const usage = process.memoryUsage()
    rss = Math.min(rss, usage.rss)
    heapUsed = usage.heapUsed
  }
  return { rssMB: round(rss / 1024 / 1024), heapUsedMB: round(heapUsed / 1024 / 1024) }
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[index]
}

function summarize(values) {
  return {
    p50: round(percentile(values, 0.5)),
    p95: round(percentile(values, 0.95)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    mean: round(values.reduce((sum, value) => sum + value, 0) / values.length),
  }
}

const round = (value) => Math.round(value * 10) / 10

function gitCommit() {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** When the last of the feeds was renamed into place, on the performance.now() clock: a rename sets ctime. */
function lastRenamedAt(outDir) {
  const ctimes = FEEDS.map((name) => fs.statSync(path.join(outDir, name)).ctimeMs)
  return Math.max(...ctimes) - performance.timeOrigin
}

/** Resolves with the next `rebuilt` event whose changes include `file`, and the time it arrived. */
function nextRebuiltFor(watcher, file) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watcher.off('rebuilt', listener)
      reject(new Error(`no rebuild for ${file} within ${EDIT_TIMEOUT_MS / 1000} s`))
    }, EDIT_TIMEOUT_MS)
    const listener = (event) => {
      if (!event.changed.includes(file)) return
      const arrivedAt = performance.now()
      clearTimeout(timer)
      watcher.off('rebuilt', listener)
      resolve({ event, arrivedAt })
    }
    watcher.on('rebuilt', listener)
  })
}

async function main() {
  const options = parseOptions(process.argv.slice(2))
  const { watch } = await import('../lib/index.js')
  const gc = exposeGc()
  console.log(`kabar watch bench: ${options.count} posts, debounce ${options.debounce} ms`)
  const corpus = makeCorpus(options)
  if (corpus.isTemporary) console.log(`  corpus generated in ${round(corpus.ms / 1000)} s: ${corpus.dir}`)
  const postsDir = path.join(corpus.dir, 'posts')
  const { newest, older } = pickTargets(postsDir)
  const originals = new Map([...newest, ...older].map((file) => [file, fs.readFileSync(file, 'utf8')]))

  const startedAt = performance.now()
  const watcher = watch({ cwd: corpus.dir, config: 'kabar.config.json', debounceMs: options.debounce })
  watcher.on('error', (error) => console.error(`watch error: ${error.message}`))
  const first = await watcher.ready
  if (!first.report.ok) throw new Error(`the first build failed: ${JSON.stringify(first.report.errors.slice(0, 3))}`)
  const startMs = performance.now() - startedAt
  console.log(
    `  first build and watchers ready in ${Math.round(startMs)} ms (build ${Math.round(first.durationMs)} ms)`,
  )

  const samples = []
  let memoryAtBaseline
  let unchangedEdits = 0
  const editStarted = performance.now()
  for (let count = 1; count <= options.memoryEdits; count++) {
    const isLatencyEdit = count <= options.edits
    const file = isLatencyEdit || count % 4 !== 0 ? newest[count % newest.length] : older[(count >> 2) % older.length]
    const rebuilt = nextRebuiltFor(watcher, file)
    const writtenAt = performance.now()
    fs.writeFileSync(file, `${originals.get(file)}\nEdit ${count}.\n`)
    const { event, arrivedAt } = await rebuilt
    if (!event.report.ok) throw new Error(`edit ${count} failed: ${JSON.stringify(event.report.errors.slice(0, 3))}`)
    if (isLatencyEdit) {
      if (!FEEDS.every((name) => event.report.written.includes(name))) unchangedEdits++
      const renamedAt = lastRenamedAt(event.report.outDir)
      samples.push({
        totalMs: renamedAt - writtenAt,
        eventMs: arrivedAt - writtenAt,
        waitedMs: event.waitedMs,
        buildMs: event.durationMs,
        withoutDebounceMs: renamedAt - writtenAt - event.waitedMs,
      })
    }
    if (count === MEMORY_BASELINE_EDITS) memoryAtBaseline = await measureMemory(gc)
    if (count % 500 === 0) {
      const perEdit = (performance.now() - editStarted) / count
      console.error(`  ${count}/${options.memoryEdits} edits (${Math.round(perEdit)} ms each)`)
    }
  }
  const memoryAtEnd = await measureMemory(gc)
  await watcher.close()
  if (corpus.isTemporary) fs.rmSync(corpus.dir, { recursive: true, force: true })
  report(options, { startMs, first, samples, unchangedEdits, memoryAtBaseline, memoryAtEnd })
}

function report(options, run) {
  const latency = {
    withoutDebounceMs: summarize(run.samples.map((sample) => sample.withoutDebounceMs)),
    totalMs: summarize(run.samples.map((sample) => sample.totalMs)),
    toRebuiltEventMs: summarize(run.samples.map((sample) => sample.eventMs)),
    debounceWaitMs: summarize(run.samples.map((sample) => sample.waitedMs)),
    buildMs: summarize(run.samples.map((sample) => sample.buildMs)),
  }
  const growth = (key) => (run.memoryAtEnd[key] - run.memoryAtBaseline[key]) / run.memoryAtBaseline[key]
  const memory = {
    [`after${MEMORY_BASELINE_EDITS}Edits`]: run.memoryAtBaseline,
    [`after${options.memoryEdits}Edits`]: run.memoryAtEnd,
    rssGrowth: Math.round(growth('rssMB') * 1000) / 1000,
    heapGrowth: Math.round(growth('heapUsedMB') * 1000) / 1000,
  }
  const verdicts = {
    p50: latency.withoutDebounceMs.p50 <= TARGETS.p50Ms,
    p95: latency.withoutDebounceMs.p95 <= TARGETS.p95Ms,
    // Within 10% means no more than 10% above: memory that shrinks meets it.
    memory: memory.rssGrowth <= TARGETS.memoryGrowth && memory.heapGrowth <= TARGETS.memoryGrowth,
  }
  const mark = (isMet) => (isMet ? 'met' : 'MISSED')
  const line = (label, stats) =>
    `  ${label.padEnd(34)} p50 ${String(stats.p50).padStart(7)}  p95 ${String(stats.p95).padStart(7)}  max ${String(stats.max).padStart(7)}`
  console.log(`\nlatency over ${run.samples.length} edits of the newest posts (ms):`)
  console.log(line('write → renamed, without debounce', latency.withoutDebounceMs))
  console.log(line('write → renamed, total', latency.totalMs))
  console.log(line('write → rebuilt event', latency.toRebuiltEventMs))
  console.log(line('debounce window (event → rebuild)', latency.debounceWaitMs))
  console.log(line('rebuild, to the rebuilt event', latency.buildMs))
  if (run.unchangedEdits > 0) console.log(`  (${run.unchangedEdits} edits left a feed unchanged)`)
  console.log(
    `  target p50 ≤ ${TARGETS.p50Ms} ms: ${mark(verdicts.p50)}; p95 ≤ ${TARGETS.p95Ms} ms: ${mark(verdicts.p95)}`,
  )
  console.log(`\nmemory after a full GC:`)
  console.log(
    `  after ${MEMORY_BASELINE_EDITS} edits: RSS ${run.memoryAtBaseline.rssMB} MB, heap ${run.memoryAtBaseline.heapUsedMB} MB`,
  )
  console.log(
    `  after ${options.memoryEdits} edits: RSS ${run.memoryAtEnd.rssMB} MB, heap ${run.memoryAtEnd.heapUsedMB} MB`,
  )
  console.log(
    `  growth: RSS ${round(memory.rssGrowth * 100)}%, heap ${round(memory.heapGrowth * 100)}%; target within ${TARGETS.memoryGrowth * 100}%: ${mark(verdicts.memory)}`,
  )
  const results = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model,
    cpuCount: os.cpus().length,
    posts: options.count,
    seed: options.seed,
    debounceMs: options.debounce,
    latencyEdits: run.samples.length,
    memoryEdits: options.memoryEdits,
    firstBuild: { readyMs: Math.round(run.startMs), buildMs: Math.round(run.first.durationMs) },
    latency,
    unchangedEdits: run.unchangedEdits,
    memory,
    targets: TARGETS,
    verdicts,
  }
  fs.writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nwrote ${path.relative(process.cwd(), options.out)}`)
}

await main()
