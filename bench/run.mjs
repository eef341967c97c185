#!/usr/bin/env node
// Benchmark runner.
//
//   node bench/run.mjs [--sizes 1000,10000,100000] [--runs 5] [--quick] [--skip-naive-all]
//                      [--naive-all-runs N] [--full-runs N] [--only floor,naive-shown,...] [--seed 42] [--out FILE]
//
// For each size it makes sure a corpus exists under bench/.corpus/<n>/ (generated
// by generate-corpus.mjs; reused when its marker matches), then measures fresh
// `node` processes (see lib.mjs runMeasured) for the reference scenarios and the
// kabar scenarios below, prints a table and writes bench/results.json.
//
//   --quick            sizes 100, runs 3, no naive-all (for CI); results go to
//                      bench/.corpus/results-quick.json unless --out is given
//   --skip-naive-all   do not run the (slow) naive --render all reference
//   --naive-all-runs N runs of naive-all (default: --runs below 10,000 posts, 1 at 10,000)
//   --full-runs N      runs of kabar-cold-all (default: --runs below 10,000 posts, 3 at 10,000)
//   --only a,b         only scenarios whose key is listed (floor, naive-shown,
//                      naive-all, kabar-cold-20, kabar-warm-20, kabar-cold-all, kabar-warm-all)
//
// The full-archive scenarios and naive-all stop at 10,000 posts; 100,000 posts
// run the references and kabar's newest-20 scenarios.
//
// All runs happen with a warm OS page cache (an unmeasured floor run primes it);
// "cold" below means kabar's own cache and output are deleted, nothing more.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CORPUS_VERSION, generateCorpus, MARKER_FILE } from './generate-corpus.mjs'
import { BENCH_DIR, formatTable, REPO_ROOT, runMeasured, summarize } from './lib.mjs'

// ---------------------------------------------------------------------------
// Scenarios

const KABAR_BIN = 'bin/kabar.js' // relative to the repository root (the cwd of every run)

const kabarBuild = (corpus, extra = []) => [
  KABAR_BIN,
  'build',
  '--config',
  path.join(corpus, 'kabar.config.json'),
  '--quiet',
  ...extra,
]

function cleanKabarState(corpus) {
  fs.rmSync(path.join(corpus, '.cache'), { recursive: true, force: true })
  fs.rmSync(path.join(corpus, 'dist'), { recursive: true, force: true })
  fs.rmSync(path.join(corpus, 'kabar.ids.json'), { force: true })
}

// The post edited before each run of "warm full archive, one post changed": the
// middle one of the corpus, given a new last line each time.
let edits = 0
function editOnePost(corpus) {
  const posts = listPosts(path.join(corpus, 'posts'))
  const file = posts[Math.floor(posts.length / 2)]
  const text = fs.readFileSync(file, 'utf8').replace(/\n<!-- bench edit \d+ -->\n$/, '\n')
  fs.writeFileSync(file, `${text}\n<!-- bench edit ${++edits} -->\n`)
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
 * and posts rendered (not timed).
 */
async function renderedAfterEdit(corpus) {
  const script = path.join(BENCH_DIR, 'rendered-after-edit.mjs')
  const r = await runMeasured([script, path.join(corpus, 'kabar.config.json')], { cwd: REPO_ROOT })
  if (r.exitCode !== 0) throw new Error(`rendered-after-edit failed: ${tail(r.stderr)}`)
  return JSON.parse(r.stdout)
}

async function warmUp(corpus, extra) {
  cleanKabarState(corpus)
  const r = await runMeasured(kabarBuild(corpus, extra), { cwd: REPO_ROOT })
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
    prepare: (c) => warmUp(c, []),
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
    argv: (c) => kabarBuild(c, ['--limit', '0']),
    targets: {
      10000: {
        text: '≥1.8× faster than naive-all, ≤1 GB',
        check: (s, r) =>
          verdict([
            {
              ok: r.naiveAll ? r.naiveAll.wallMs / s.wallMs >= 1.8 : undefined,
              what: `only ${(r.naiveAll?.wallMs / s.wallMs).toFixed(2)}× faster than naive-all`,
              missing: 'naive-all not run',
            },
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
    prepare: (c) => warmUp(c, ['--limit', '0']),
    // Outside the timing: one post edited before each run.
    beforeEachRun: (c) => editOnePost(c),
    argv: (c) => kabarBuild(c, ['--limit', '0']),
    // What a session re-reads and re-renders after one edit (bench/rendered-after-edit.mjs).
    check: (c) => renderedAfterEdit(c),
    targets: {
      10000: {
        text: 'only the changed post re-rendered',
        check: (s) =>
          verdict([{ ok: s.afterEdit?.rendered === 1, what: `rendered ${s.afterEdit?.rendered ?? '?'} posts` }]),
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
    sizes: [1000, 10000, 100000],
    runs: 5,
    quick: false,
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
    else if (a === '--skip-naive-all') o.skipNaiveAll = true
    else if (a === '--naive-all-runs') o.naiveAllRuns = Number(val())
    else if (a === '--full-runs') o.fullRuns = Number(val())
    else if (a === '--only') o.only = new Set(val().split(',').filter(Boolean))
    else if (a === '--seed') o.seed = Number(val())
    else if (a === '--out') o.out = path.resolve(val())
    else if (a === '-h' || a === '--help') {
      console.log(
        fs
          .readFileSync(new URL(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 20)
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      )
      process.exit(0)
    } else throw new Error(`unknown argument: ${a}`)
  }
  if (o.quick) {
    if (!sizesGiven) o.sizes = [100]
    if (!runsGiven) o.runs = 3
    o.skipNaiveAll = true
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  if (o.naiveAllRuns !== undefined && (!Number.isInteger(o.naiveAllRuns) || o.naiveAllRuns < 1))
    throw new Error('--naive-all-runs must be a positive integer')
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer')
  if (o.only) {
    const known = new Set([...REFERENCES.map((r) => r.key), ...KABAR_SCENARIOS.map((s) => s.key)])
    for (const k of o.only)
      if (!known.has(k)) throw new Error(`--only: unknown scenario ${k} (known: ${[...known].join(', ')})`)
  }
  o.out ??= o.quick ? path.join(BENCH_DIR, '.corpus', 'results-quick.json') : path.join(BENCH_DIR, 'results.json')
  return o
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
  const wanted = (key) => !opts.only || opts.only.has(key)
  const kabarPresent = fs.existsSync(path.join(REPO_ROOT, KABAR_BIN))
  const notes = []
  if (!kabarPresent) {
    const note = `${KABAR_BIN} does not exist yet: kabar scenarios skipped`
    console.log(`note: ${note}`)
    notes.push(note)
  }

  const rows = []
  const records = []
  const corpora = []

  for (const size of opts.sizes) {
    const corpus = ensureCorpus(size, opts.seed)
    corpora.push({ posts: size, drafts: corpus.drafts, bytes: corpus.bytes, dir: rel(corpus.dir) })

    // Prime the OS page cache so every scenario reads from memory.
    await runMeasured(REFERENCES[0].argv(corpus.dir), { cwd: REPO_ROOT })

    const refs = {}
    const sizeRows = []

    for (const ref of REFERENCES) {
      if (!wanted(ref.key)) continue
      if (ref.key === 'naive-all') {
        if (opts.skipNaiveAll) continue
        if (size > ref.maxPosts) {
          console.log(`  ${ref.name}: skipped above ${ref.maxPosts} posts`)
          continue
        }
      }
      const runs = ref.key === 'naive-all' ? (opts.naiveAllRuns ?? (size >= 10000 ? 1 : opts.runs)) : opts.runs
      const argv = ref.argv(corpus.dir)
      console.log(`[${size}] ${ref.name}: node ${argv.map(rel).join(' ')}`)
      const { failed, results } = await measureSeries(ref.name, runs, argv)
      const s = results.length ? summarize(results) : undefined
      if (s && !failed) refs[ref.refKey] = s
      sizeRows.push({ key: ref.key, kind: 'reference', scenario: ref.name, posts: size, argv, summary: s, failed })
    }

    for (const sc of KABAR_SCENARIOS) {
      if (!wanted(sc.key) || !kabarPresent) continue
      if (sc.maxPosts !== undefined && size > sc.maxPosts) {
        console.log(`  ${sc.name}: skipped above ${sc.maxPosts} posts`)
        continue
      }
      const argv = sc.argv(corpus.dir)
      const runs = sc.isFullArchive ? (opts.fullRuns ?? (size >= 10000 ? 3 : opts.runs)) : opts.runs
      console.log(`[${size}] ${sc.name}: node ${argv.map(rel).join(' ')}`)
      let series
      try {
        series = await measureSeries(sc.name, runs, argv, {
          prepare: () => sc.prepare(corpus.dir),
          prepareEachRun: sc.prepareEachRun,
          beforeEachRun: sc.beforeEachRun && (() => sc.beforeEachRun(corpus.dir)),
        })
        if (sc.check && series.results.length > 0) {
          series.afterEdit = await sc.check(corpus.dir)
          console.log(
            `  a session after one edit: read ${series.afterEdit.read} files, rendered ${series.afterEdit.rendered} posts`,
          )
        }
      } catch (err) {
        console.log(`  ${sc.name}: FAILED: ${err.message}`)
        series = { failed: true, results: [] }
      }
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
          targetText = t.text
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

  const cpus = os.cpus()
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemMB: Math.round(os.totalmem() / 1048576),
    runsPerScenario: opts.runs,
    seed: opts.seed,
    corpusVersion: CORPUS_VERSION,
    sizes: opts.sizes,
    corpora,
    notes,
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
