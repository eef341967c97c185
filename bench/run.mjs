#!/usr/bin/env node
// Benchmark runner.
//
//   node bench/run.mjs [--quick | --full] [--sizes 1000,10000,100000] [--runs 5] [--skip-naive-all]
//                      [--naive-all-runs N] [--full-runs N] [--only floor,naive-shown,...] [--seed 42] [--out FILE]
//
// For each size it makes sure a corpus exists under bench/.corpus/<n>/ (generated
// by generate-corpus.mjs; reused when its marker matches), then measures fresh
// `node` processes (see lib.mjs runMeasured) for the reference scenarios and the
// kabar scenarios below, prints a table and writes bench/results.json.
//
// By default it measures what DEFAULT_PLAN below says: every scenario, at the
// sizes its targets are set for, 5 runs each, fewer where one run takes
// minutes or tens of seconds, so that `npm run bench` (this, then the watch
// and serve benchmarks) takes about ten minutes on 2 cores on a fresh clone,
// corpora included. The table's "runs" column says how many each row had:
//   - the cold full archive at 10,000 posts runs once: it renders every post
//     (one to three minutes), and it is what warms the cache for the two warm
//     full-archive scenarios after it;
//   - the ×naive-all ratio of a full archive is taken at 1,000 posts, 2 runs
//     of each: naive-all takes 2 minutes a run at 10,000 posts, and both
//     scale with the posts they render;
//   - the warm full archive (serializing 290 MB of feeds) runs 3 times;
//   - at 100,000 posts kabar's cold newest-20 runs 3 times, naive-shown once.
// --full measures every scenario at every size, 5 runs (well over 45 minutes).
//
//   --quick            sizes 100, runs 3, every scenario but naive-all (for CI); results
//                      go to bench/.corpus/results-quick.json unless --out is given
//   --full             every scenario at every size (to 10,000 posts for the full
//                      archive and naive-all), --runs each
//   --sizes, --runs    like --full, at these sizes / with this many runs
//   --skip-naive-all   do not run the (slow) naive --render all reference
//   --naive-all-runs N runs of naive-all (--full: --runs below 10,000 posts, 1 at 10,000)
//   --full-runs N      runs of kabar-cold-all (--full: --runs below 10,000 posts, 3 at 10,000)
//   --only a,b         only scenarios whose key is listed (floor, naive-shown, naive-all,
//                      kabar-cold-20, kabar-warm-20, kabar-cold-all, kabar-warm-all,
//                      kabar-warm-archive)
//
// The full-archive scenarios and naive-all stop at 10,000 posts; 100,000 posts
// run the references and kabar's newest-20 scenarios.
//
// All runs happen with a warm OS page cache (an unmeasured floor run primes it);
// "cold" below means kabar's own cache and output are deleted, nothing more.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ARCHIVE_CONFIG, ARCHIVE_CONFIG_FILE, CORPUS_VERSION, generateCorpus, MARKER_FILE } from './generate-corpus.mjs'
import { BENCH_DIR, formatTable, REPO_ROOT, runMeasured, summarize } from './lib.mjs'

/**
 * Runs per scenario and corpus size in the default run; a size not listed is
 * not measured. Sizes are the union of those listed.
 */
const DEFAULT_PLAN = {
  floor: { 1000: 5, 10000: 5, 100000: 5 },
  'naive-shown': { 10000: 5, 100000: 1 },
  'naive-all': { 1000: 2 },
  'kabar-cold-20': { 10000: 5, 100000: 3 },
  'kabar-warm-20': { 10000: 5, 100000: 5 },
  'kabar-cold-all': { 1000: 2, 10000: 1 },
  'kabar-warm-all': { 10000: 3 },
  'kabar-warm-archive': { 10000: 5 },
}

// ---------------------------------------------------------------------------
// Scenarios

const KABAR_BIN = 'bin/kabar.js' // relative to the repository root (the cwd of every run)

/**
 * The full-archive scenarios and the archive-pages one share a config
 * (ARCHIVE_CONFIG_FILE: archive pages of 50, output in dist-archive/), which
 * `--limit 0` leaves with no pages, only one file of every post: so the
 * renderings the full-archive runs leave in the cache serve the archive-pages
 * scenario, and its warm-up does not render 10,000 posts a second time.
 */
const kabarBuild = (corpus, extra = [], configFile = 'kabar.config.json') => [
  KABAR_BIN,
  'build',
  '--config',
  path.join(corpus, configFile),
  '--quiet',
  ...extra,
]
const archiveBuild = (corpus, extra = []) => kabarBuild(corpus, extra, ARCHIVE_CONFIG_FILE)

function cleanKabarState(corpus) {
  fs.rmSync(path.join(corpus, '.cache'), { recursive: true, force: true })
  for (const config of [{ out: 'dist', idManifest: 'kabar.ids.json' }, ARCHIVE_CONFIG]) {
    fs.rmSync(path.join(corpus, config.out), { recursive: true, force: true })
    fs.rmSync(path.join(corpus, config.idManifest), { force: true })
  }
}

// The post edited before each run of the "one post changed" scenarios: the
// published post nearest the middle of the corpus (in the oldest archive pages'
// half, far from the newest 20), given a new last paragraph each time, so that
// its rendering and the feeds showing it change.
let edits = 0
function editOnePost(corpus) {
  const file = middlePublishedPost(corpus)
  const text = fs.readFileSync(file, 'utf8').replace(/\n\nBench edit [\d-]+\.\n$/, '\n')
  // Never the same text twice, whichever process made the last edit.
  fs.writeFileSync(file, `${text}\n\nBench edit ${process.pid}-${++edits}.\n`)
}

const middlePosts = new Map()
function middlePublishedPost(corpus) {
  let file = middlePosts.get(corpus)
  if (file === undefined) {
    const posts = listPosts(path.join(corpus, 'posts'))
    const isDraft = (post) => /^draft: true$/m.test(fs.readFileSync(post, 'utf8').split('\n---\n')[0])
    const middle = Math.floor(posts.length / 2)
    file = posts.slice(middle).find((post) => !isDraft(post)) ?? posts[middle]
    middlePosts.set(corpus, file)
  }
  return file
}

function listPosts(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(dir, name))
    .sort()
}

/**
 * Evidence for "only the changed post is re-rendered": a build session on
 * the warm corpus, one post edited, one more run; its counts of files read
 * and posts rendered (not timed). Also the size of the full archive's feeds:
 * what a build that changes them serializes.
 */
async function renderedAfterEdit(corpus) {
  const script = path.join(BENCH_DIR, 'rendered-after-edit.mjs')
  const r = await runMeasured([script, path.join(corpus, ARCHIVE_CONFIG_FILE)], { cwd: REPO_ROOT })
  if (r.exitCode !== 0) throw new Error(`rendered-after-edit failed: ${tail(r.stderr)}`)
  const feeds = ['rss.xml', 'atom.xml', 'feed.json'].map((name) => path.join(corpus, ARCHIVE_CONFIG.out, name))
  const feedMB = feeds.reduce((sum, file) => sum + fs.statSync(file).size, 0) / 1048576
  return { ...JSON.parse(r.stdout), feedMB: round(feedMB) }
}

/** Evidence for "only the affected page is re-serialized": one more edit and build (not timed), and what it wrote. */
async function writtenAfterEdit(corpus) {
  editOnePost(corpus)
  const r = await runMeasured(archiveBuild(corpus, ['--json']), { cwd: REPO_ROOT })
  if (r.exitCode !== 0) throw new Error(`build after an edit failed: ${tail(r.stderr)}`)
  const report = JSON.parse(r.stdout)
  const pages = new Set(report.written.filter((name) => name.startsWith('archive/')).map((name) => name.split('.')[0]))
  return { written: report.written, unchanged: report.unchanged.length, pages: pages.size }
}

/** One build before a warm series: from whatever state the scenarios before left (cold when there is none). */
async function warmUp(argv) {
  const r = await runMeasured(argv, { cwd: REPO_ROOT })
  if (r.exitCode !== 0) throw new Error(`warm-up build failed (exit ${r.exitCode}): ${tail(r.stderr)}`)
}

// Targets are checked against medians; `refs` holds the reference summaries of the same size.
const within = (s, ref, factor) => (ref ? s.wallMs <= factor * ref.wallMs : undefined)
function verdict(parts) {
  if (parts.some((p) => p.ok === undefined))
    return {
      ok: undefined,
      detail: parts
        .filter((p) => p.ok === undefined)
        .map((p) => p.missing)
        .join(', '),
    }
  const failed = parts.filter((p) => !p.ok)
  return { ok: failed.length === 0, detail: failed.map((p) => p.what).join(', ') }
}

/**
 * kabar scenarios. prepare(corpus) runs before every measured run when
 * prepareEachRun is true (cold), otherwise once before the series (warm).
 * targets: { [posts]: { text, check(summary, refs) -> {ok, detail} } }
 */
const KABAR_SCENARIOS = [
  {
    key: 'kabar-cold-20',
    name: 'kabar cold newest-20',
    prepareEachRun: true,
    prepare: (c) => cleanKabarState(c),
    argv: (c) => kabarBuild(c),
    targets: {
      10000: {
        text: '≤2× floor, ≤250 MB',
        check: (s, r) =>
          verdict([
            {
              ok: within(s, r.floor, 2),
              what: `wall ${(s.wallMs / r.floor?.wallMs).toFixed(2)}× floor`,
              missing: 'floor not run',
            },
            { ok: s.maxRssMB <= 250, what: `RSS ${s.maxRssMB.toFixed(0)} MB` },
          ]),
      },
      100000: {
        text: '≤2× floor, ≤400 MB',
        check: (s, r) =>
          verdict([
            {
              ok: within(s, r.floor, 2),
              what: `wall ${(s.wallMs / r.floor?.wallMs).toFixed(2)}× floor`,
              missing: 'floor not run',
            },
            { ok: s.maxRssMB <= 400, what: `RSS ${s.maxRssMB.toFixed(0)} MB` },
          ]),
      },
    },
  },
  {
    key: 'kabar-warm-20',
    name: 'kabar warm newest-20',
    prepareEachRun: false,
    prepare: (c) => warmUp(kabarBuild(c)),
    argv: (c) => kabarBuild(c),
    targets: {
      10000: {
        text: 'nothing changed: ≤1× floor',
        check: (s, r) =>
          verdict([
            {
              ok: within(s, r.floor, 1),
              what: `wall ${(s.wallMs / r.floor?.wallMs).toFixed(2)}× floor`,
              missing: 'floor not run',
            },
          ]),
      },
    },
  },
  {
    key: 'kabar-cold-all',
    name: 'kabar cold full archive',
    maxPosts: 10000,
    isFullArchive: true,
    prepareEachRun: true,
    prepare: (c) => cleanKabarState(c),
    argv: (c) => archiveBuild(c, ['--limit', '0']),
    targets: {
      1000: {
        text: '≥1.8× faster than naive-all (the 10k target)',
        check: (s, r) =>
          verdict([
            {
              ok: r.naiveAll ? r.naiveAll.wallMs / s.wallMs >= 1.8 : undefined,
              what: `only ${(r.naiveAll?.wallMs / s.wallMs).toFixed(2)}× faster than naive-all`,
              missing: 'naive-all not run',
            },
          ]),
      },
      10000: {
        text: '≤1 GB; ≥1.8× faster than naive-all only with --full (else see the 1k row)',
        check: (s, r) =>
          verdict([
            // naive-all runs at 10,000 posts only with --full: without it, this row checks memory alone.
            ...(r.naiveAll
              ? [
                  {
                    ok: r.naiveAll.wallMs / s.wallMs >= 1.8,
                    what: `only ${(r.naiveAll.wallMs / s.wallMs).toFixed(2)}× faster than naive-all`,
                  },
                ]
              : []),
            { ok: s.maxRssMB <= 1024, what: `RSS ${s.maxRssMB.toFixed(0)} MB` },
          ]),
      },
    },
  },
  {
    key: 'kabar-warm-all',
    name: 'kabar warm full archive, one post changed',
    maxPosts: 10000,
    prepareEachRun: false,
    prepare: (c) => warmUp(archiveBuild(c, ['--limit', '0'])),
    // Outside the timing: one post edited before each run.
    beforeEachRun: (c) => editOnePost(c),
    argv: (c) => archiveBuild(c, ['--limit', '0']),
    // What a session re-reads and re-renders after one edit (bench/rendered-after-edit.mjs).
    check: (c) => renderedAfterEdit(c),
    describeCheck: (a) => `a session after one edit: read ${a.read} files, rendered ${a.rendered} posts`,
    targets: {
      10000: {
        text: 'only the changed post re-rendered; bounded by serializing the feeds',
        check: (s) =>
          verdict([{ ok: s.afterEdit?.rendered === 1, what: `rendered ${s.afterEdit?.rendered ?? '?'} posts` }]),
        // The figure the issue asks for: what a one-file full archive must serialize after any change.
        note: (s) => (s.afterEdit?.feedMB === undefined ? '' : `${Math.round(s.afterEdit.feedMB)} MB of feeds`),
      },
    },
  },
  {
    key: 'kabar-warm-archive',
    name: 'kabar warm archive pages, one post changed',
    maxPosts: 10000,
    prepareEachRun: false,
    // The subscription feed shows the newest 20; every older post is on an archive page of 50.
    prepare: (c) => warmUp(archiveBuild(c)),
    beforeEachRun: (c) => editOnePost(c),
    argv: (c) => archiveBuild(c),
    check: (c) => writtenAfterEdit(c),
    describeCheck: (a) => `one more edit: ${a.pages} archive page rewritten, ${a.unchanged} files unchanged`,
    targets: {
      10000: {
        text: '≤2× floor; only the affected page re-serialized',
        check: (s, r) =>
          verdict([
            {
              ok: within(s, r.floor, 2),
              what: `wall ${(s.wallMs / r.floor?.wallMs).toFixed(2)}× floor`,
              missing: 'floor not run',
            },
            { ok: s.afterEdit?.pages === 1, what: `${s.afterEdit?.pages ?? '?'} pages rewritten` },
          ]),
      },
    },
  },
]

// Reference scenarios (ratios in the table are relative to these).
// naive-all renders every post AND puts every post in the feeds (--limit 0), so
// it produces the same output as "kabar ... --limit 0" (the full archive).
const REFERENCES = [
  {
    key: 'floor',
    refKey: 'floor',
    name: 'floor (list + read)',
    argv: (c) => [path.join(BENCH_DIR, 'floor.mjs'), path.join(c, 'posts')],
  },
  {
    key: 'naive-shown',
    refKey: 'naiveShown',
    name: 'naive --render shown (20)',
    argv: (c) => [
      path.join(BENCH_DIR, 'naive.mjs'),
      path.join(c, 'posts'),
      path.join(c, 'naive-out'),
      '--render',
      'shown',
      '--limit',
      '20',
    ],
  },
  {
    key: 'naive-all',
    refKey: 'naiveAll',
    name: 'naive --render all (limit 0)',
    maxPosts: 10000,
    argv: (c) => [
      path.join(BENCH_DIR, 'naive.mjs'),
      path.join(c, 'posts'),
      path.join(c, 'naive-out'),
      '--render',
      'all',
      '--limit',
      '0',
    ],
  },
]

// ---------------------------------------------------------------------------
// CLI

function parseCount(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim())
  if (!m) throw new Error(`bad size: ${s}`)
  const n = Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1)
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad size: ${s}`)
  return n
}

function parseArgs(argv) {
  const o = {
    sizes: planSizes(DEFAULT_PLAN),
    runs: 5,
    quick: false,
    full: false,
    /** Every scenario at every size with --runs (--quick, --full, --sizes, --runs); else DEFAULT_PLAN. */
    uniform: false,
    skipNaiveAll: false,
    naiveAllRuns: undefined,
    fullRuns: undefined,
    only: undefined,
    seed: 42,
    out: undefined,
  }
  let sizesGiven = false
  let runsGiven = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--sizes') {
      o.sizes = val().split(',').filter(Boolean).map(parseCount)
      sizesGiven = true
    } else if (a === '--runs') {
      o.runs = Number(val())
      runsGiven = true
    } else if (a === '--quick') o.quick = true
    else if (a === '--full') o.full = true
    else if (a === '--skip-naive-all') o.skipNaiveAll = true
    else if (a === '--naive-all-runs') o.naiveAllRuns = Number(val())
    else if (a === '--full-runs') o.fullRuns = Number(val())
    else if (a === '--only') o.only = new Set(val().split(',').filter(Boolean))
    else if (a === '--seed') o.seed = Number(val())
    else if (a === '--out') o.out = path.resolve(val())
    else if (a === '-h' || a === '--help') {
      const text = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n')
      console.log(
        text
          .slice(1, text.indexOf(''))
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      )
      process.exit(0)
    } else throw new Error(`unknown argument: ${a}`)
  }
  o.uniform = o.quick || o.full || sizesGiven || runsGiven
  if (o.quick) {
    if (!sizesGiven) o.sizes = [100]
    if (!runsGiven) o.runs = 3
    o.skipNaiveAll = true
  } else if (o.full && !sizesGiven) o.sizes = [1000, 10000, 100000]
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  for (const [flag, value] of [
    ['--naive-all-runs', o.naiveAllRuns],
    ['--full-runs', o.fullRuns],
  ]) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new Error(`${flag} must be a positive integer`)
  }
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer')
  if (o.only) {
    const known = new Set([...REFERENCES.map((r) => r.key), ...KABAR_SCENARIOS.map((s) => s.key)])
    for (const k of o.only)
      if (!known.has(k)) throw new Error(`--only: unknown scenario ${k} (known: ${[...known].join(', ')})`)
  }
  o.out ??= o.quick ? path.join(BENCH_DIR, '.corpus', 'results-quick.json') : path.join(BENCH_DIR, 'results.json')
  return o
}

function planSizes(plan) {
  const sizes = new Set()
  for (const runs of Object.values(plan)) for (const size of Object.keys(runs)) sizes.add(Number(size))
  return [...sizes].sort((a, b) => a - b)
}

/** How many runs a scenario gets at a size: 0 to skip it. */
function runsFor(scenario, size, opts) {
  if (opts.only && !opts.only.has(scenario.key)) return 0
  if (scenario.maxPosts !== undefined && size > scenario.maxPosts) return 0
  if (scenario.key === 'naive-all' && opts.skipNaiveAll) return 0
  const isNaiveAll = scenario.key === 'naive-all'
  const isFullArchive = scenario.isFullArchive === true
  if (opts.uniform) {
    if (isNaiveAll) return opts.naiveAllRuns ?? (size >= 10000 ? 1 : opts.runs)
    if (isFullArchive) return opts.fullRuns ?? (size >= 10000 ? 3 : opts.runs)
    return opts.runs
  }
  const planned = DEFAULT_PLAN[scenario.key]?.[size] ?? 0
  if (planned === 0) return 0
  if (isNaiveAll) return opts.naiveAllRuns ?? planned
  if (isFullArchive) return opts.fullRuns ?? planned
  return planned
}

// ---------------------------------------------------------------------------
// Helpers

function tail(s, n = 800) {
  const t = s.trim()
  return t.length > n ? `…${t.slice(-n)}` : t
}

function ensureCorpus(count, seed) {
  const dir = path.join(BENCH_DIR, '.corpus', String(count))
  const markerPath = path.join(dir, MARKER_FILE)
  try {
    const m = JSON.parse(fs.readFileSync(markerPath, 'utf8'))
    if (m.generator === 'kabar-bench-corpus' && m.version === CORPUS_VERSION && m.count === count && m.seed === seed) {
      console.log(`corpus ${count}: reusing ${path.relative(REPO_ROOT, dir)} (${(m.bytes / 1048576).toFixed(1)} MiB)`)
      // Corpora made before there was an archive config get one.
      writeArchiveConfig(dir)
      return { dir, bytes: m.bytes, drafts: m.drafts }
    }
  } catch {
    // missing or unreadable marker: regenerate
  }
  process.stdout.write(`corpus ${count}: generating into ${path.relative(REPO_ROOT, dir)} … `)
  const res = generateCorpus({ count, out: dir, seed, force: true })
  console.log(`${(res.bytes / 1048576).toFixed(1)} MiB in ${(res.ms / 1000).toFixed(1)} s`)
  return { dir, bytes: res.bytes, drafts: res.drafts }
}

function writeArchiveConfig(dir) {
  const file = path.join(dir, ARCHIVE_CONFIG_FILE)
  const text = `${JSON.stringify(ARCHIVE_CONFIG, null, 2)}\n`
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
  if (existing !== text) fs.writeFileSync(file, text)
}

// Paths inside the repository are shown relative to it (every run uses it as cwd).
function rel(a) {
  if (typeof a !== 'string' || !path.isAbsolute(a)) return a
  const r = path.relative(REPO_ROOT, a)
  return r === '' ? '.' : r.startsWith('..') ? a : r
}

async function measureSeries(label, runs, argv, { prepare, prepareEachRun, beforeEachRun } = {}) {
  const results = []
  if (prepare && !prepareEachRun) await prepare()
  for (let i = 0; i < runs; i++) {
    if (prepare && prepareEachRun) await prepare()
    if (beforeEachRun) await beforeEachRun()
    const r = await runMeasured(argv, { cwd: REPO_ROOT })
    if (r.exitCode !== 0) {
      console.log(
        `  ${label} run ${i + 1}/${runs}: FAILED (exit ${r.exitCode}${r.signal ? `, ${r.signal}` : ''})\n${tail(r.stderr || r.stdout)}`,
      )
      return { failed: true, results }
    }
    results.push(r)
    console.log(
      `  ${label} run ${i + 1}/${runs}: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms cpu, ${r.maxRssMB.toFixed(1)} MB`,
    )
  }
  return { failed: false, results }
}

function round(x, d = 1) {
  return typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const startedAt = performance.now()
  const kabarPresent = fs.existsSync(path.join(REPO_ROOT, KABAR_BIN))
  const notes = []
  if (!kabarPresent) {
    const note = `${KABAR_BIN} does not exist yet: kabar scenarios skipped`
    console.log(`note: ${note}`)
    notes.push(note)
  }
  const planText = opts.uniform
    ? `every scenario at ${opts.sizes.join(', ')} posts, ${opts.runs} runs (naive-all and the cold full archive: fewer at 10,000 posts, see --help)`
    : `the default plan (DEFAULT_PLAN in bench/run.mjs): 5 runs a row but ${Object.entries(DEFAULT_PLAN)
        .flatMap(([key, runs]) =>
          Object.entries(runs)
            .filter(([, n]) => n < 5)
            .map(([size, n]) => `${key} at ${Number(size) / 1000}k (${n})`),
        )
        .join(', ')}; a full archive's ×naive-all is taken at 1k; --full runs everything at every size`
  console.log(`plan: ${planText}`)
  const loadAtStart = os.loadavg()
  console.log(`load average at start: ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}`)

  const rows = []
  const records = []
  const corpora = []
  /** Where the time went: corpus generation and each series, warm-up and checks included. */
  const timings = []

  for (const size of opts.sizes) {
    const planned = [...REFERENCES, ...KABAR_SCENARIOS].filter((sc) => runsFor(sc, size, opts) > 0)
    if (planned.length === 0) continue
    const corpusStart = performance.now()
    const corpus = ensureCorpus(size, opts.seed)
    timings.push({ what: `corpus ${size}`, ms: performance.now() - corpusStart })
    corpora.push({ posts: size, drafts: corpus.drafts, bytes: corpus.bytes, dir: rel(corpus.dir) })

    // Prime the OS page cache so every scenario reads from memory.
    await runMeasured(REFERENCES[0].argv(corpus.dir), { cwd: REPO_ROOT })

    const refs = {}
    const sizeRows = []

    for (const ref of REFERENCES) {
      const runs = runsFor(ref, size, opts)
      if (runs === 0) continue
      const argv = ref.argv(corpus.dir)
      console.log(`[${size}] ${ref.name}: node ${argv.map(rel).join(' ')}`)
      const seriesStart = performance.now()
      const { failed, results } = await measureSeries(ref.name, runs, argv)
      timings.push({ what: `${ref.key} ${size} ×${runs}`, ms: performance.now() - seriesStart })
      const s = results.length ? summarize(results) : undefined
      if (s && !failed) refs[ref.refKey] = s
      sizeRows.push({ key: ref.key, kind: 'reference', scenario: ref.name, posts: size, argv, summary: s, failed })
    }

    for (const sc of KABAR_SCENARIOS) {
      const runs = kabarPresent ? runsFor(sc, size, opts) : 0
      if (runs === 0) continue
      const argv = sc.argv(corpus.dir)
      console.log(`[${size}] ${sc.name}: node ${argv.map(rel).join(' ')}`)
      const seriesStart = performance.now()
      let series
      try {
        series = await measureSeries(sc.name, runs, argv, {
          prepare: () => sc.prepare(corpus.dir),
          prepareEachRun: sc.prepareEachRun,
          beforeEachRun: sc.beforeEachRun && (() => sc.beforeEachRun(corpus.dir)),
        })
        if (sc.check && series.results.length > 0) {
          series.afterEdit = await sc.check(corpus.dir)
          console.log(`  ${sc.describeCheck(series.afterEdit)}`)
        }
      } catch (err) {
        console.log(`  ${sc.name}: FAILED: ${err.message}`)
        series = { failed: true, results: [] }
      }
      timings.push({ what: `${sc.key} ${size} ×${runs}`, ms: performance.now() - seriesStart })
      const s = series.results.length ? summarize(series.results) : undefined
      if (s && series.afterEdit) s.afterEdit = series.afterEdit
      sizeRows.push({
        key: sc.key,
        kind: 'kabar',
        scenario: sc.name,
        posts: size,
        argv,
        summary: s,
        failed: series.failed,
        scenarioDef: sc,
      })
    }

    for (const r of sizeRows) {
      const s = r.summary
      const ratio = (ref) => (s && ref ? s.wallMs / ref.wallMs : undefined)
      const row = {
        scenario: r.scenario,
        posts: size,
        n: s?.n,
        wallMs: r.failed ? Number.NaN : s?.wallMs,
        cpuMs: r.failed ? Number.NaN : s?.cpuMs,
        maxRssMB: r.failed ? Number.NaN : s?.maxRssMB,
        xFloor: r.failed ? undefined : ratio(refs.floor),
        xNaiveShown: r.failed ? undefined : ratio(refs.naiveShown),
        xNaiveAll: r.failed ? undefined : ratio(refs.naiveAll),
      }
      let targetText
      let status
      if (r.kind === 'kabar') {
        const t = r.scenarioDef.targets[size]
        if (t) {
          const note = s && t.note ? t.note(s) : ''
          targetText = note === '' ? t.text : `${t.text} (${note})`
          if (r.failed || !s) status = 'FAILED'
          else {
            const v = t.check(s, refs)
            status = v.ok === undefined ? `? (${v.detail})` : v.ok ? 'PASS' : `MISS: ${v.detail}`
          }
        } else {
          const entries = Object.entries(r.scenarioDef.targets)
          targetText = entries.length
            ? entries.map(([n, tt]) => `@${Number(n) / 1000}k: ${tt.text}`).join('; ')
            : '(no target)'
          if (r.failed) status = 'FAILED'
        }
      } else if (r.failed) status = 'FAILED'
      row.target = targetText
      row.status = status
      rows.push(row)
      records.push({
        posts: size,
        key: r.key,
        kind: r.kind,
        scenario: r.scenario,
        command: ['node', ...r.argv.map(rel)].join(' '),
        failed: r.failed,
        runs: s?.n ?? 0,
        medians: s
          ? {
              wallMs: round(s.wallMs),
              cpuMs: round(s.cpuMs),
              userCpuMs: round(s.userCpuMs),
              systemCpuMs: round(s.systemCpuMs),
              maxRssMB: round(s.maxRssMB),
            }
          : null,
        wallMinMs: round(s?.wallMinMs),
        wallMaxMs: round(s?.wallMaxMs),
        ratios: {
          floor: round(row.xFloor, 3),
          naiveShown: round(row.xNaiveShown, 3),
          naiveAll: round(row.xNaiveAll, 3),
        },
        target: targetText ?? null,
        status: status ?? null,
        ...(s?.afterEdit && { afterEdit: s.afterEdit }),
      })
    }
  }

  console.log('')
  console.log(formatTable(rows))
  console.log('')
  console.log(
    'ratios = scenario wall median / reference wall median (same corpus size); RSS = peak resident set of the process',
  )
  console.log(`runs = fresh processes per row; ${planText}`)
  const totalMs = performance.now() - startedAt
  const loadAtEnd = os.loadavg()
  console.log(
    `\ntime spent (s): ${timings.map((t) => `${t.what} ${(t.ms / 1000).toFixed(1)}`).join(', ')}; total ${(totalMs / 1000).toFixed(0)} s`,
  )
  console.log(`load average at end: ${loadAtEnd.map((x) => x.toFixed(2)).join(' ')}`)

  const cpus = os.cpus()
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemMB: Math.round(os.totalmem() / 1048576),
    plan: opts.uniform ? { runs: opts.runs, sizes: opts.sizes } : DEFAULT_PLAN,
    seed: opts.seed,
    corpusVersion: CORPUS_VERSION,
    sizes: corpora.map((corpus) => corpus.posts),
    corpora,
    notes,
    loadAverage: { atStart: loadAtStart.map((x) => round(x, 2)), atEnd: loadAtEnd.map((x) => round(x, 2)) },
    timings: timings.map((t) => ({ what: t.what, seconds: round(t.ms / 1000) })),
    totalSeconds: round(totalMs / 1000),
    results: records,
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true })
  fs.writeFileSync(opts.out, `${JSON.stringify(out, null, 2)}\n`)
  console.log(`wrote ${rel(opts.out)}`)
  if (records.some((r) => r.failed)) process.exitCode = 1
}

main().catch((err) => {
  console.error(`bench/run: ${err.stack || err.message}`)
  process.exit(1)
})
