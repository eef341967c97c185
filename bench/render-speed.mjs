#!/usr/bin/env node
// How much CPU rendering one post costs, warm, on one thread.
//
//   npx tsc -p tsconfig.json
//   node bench/render-speed.mjs [--lib lib] [--corpus bench/.corpus/10000] [--posts 300] [--warmup 200] [--rounds 3]
//       renders --warmup posts, then --posts other posts --rounds times; prints ms/post (CPU and wall)
//       with renderPost one at a time and, when lib has it, with renderPosts in one batch.
//   node bench/render-speed.mjs --dump out.jsonl [--lib lib]
//       renders every post of the corpus and writes one JSON line per post (html, summary, warnings):
//       compare two dumps byte for byte to check that a change leaves the output alone.
//   node bench/render-speed.mjs --pool|--cold [--lib lib] [--head-start 800] [--shown 20] [--workers 1] [--no-warm-up]
//       the time from asking for --shown posts to having them, after --head-start ms of normalizing
//       posts on this thread (as a build does before it knows what to render): with a pool of
//       --workers started before that (--pool, startRenderPool), or with renderMany (--cold).
//
// Posts are normalized by kabar itself (lib/core/normalize.js), as a build does. Node flags such
// as --max-semi-space-size=32 go before the script name; --young <MB> runs the speed measurement
// on a worker thread with that young generation (resourceLimits.maxYoungGenerationSizeMb), as
// the render pool's workers do (0: V8's default).

import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isMainThread, Worker } from 'node:worker_threads'

const REPO_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

const options = {
  lib: 'lib',
  corpus: 'bench/.corpus/10000',
  posts: 300,
  warmup: 200,
  rounds: 3,
  headStart: 800,
  shown: 20,
  workers: 1,
  warmUp: true,
}
let mode = 'speed'
let dumpFile
let youngGenerationMb
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]
  if (arg === '--dump') {
    mode = 'dump'
    dumpFile = argv[++i]
  } else if (arg === '--pool' || arg === '--cold') mode = arg.slice(2)
  else if (arg === '--lib') options.lib = argv[++i]
  else if (arg === '--corpus') options.corpus = argv[++i]
  else if (arg === '--posts') options.posts = Number(argv[++i])
  else if (arg === '--warmup') options.warmup = Number(argv[++i])
  else if (arg === '--rounds') options.rounds = Number(argv[++i])
  else if (arg === '--head-start') options.headStart = Number(argv[++i])
  else if (arg === '--shown') options.shown = Number(argv[++i])
  else if (arg === '--workers') options.workers = Number(argv[++i])
  else if (arg === '--no-warm-up') options.warmUp = false
  else if (arg === '--young') youngGenerationMb = Number(argv[++i])
  else {
    console.error(`render-speed: unknown argument ${arg}`)
    process.exit(2)
  }
}

const lib = path.resolve(REPO_ROOT, options.lib)
const libModule = (name) => import(pathToFileURL(path.join(lib, name)).href)
const corpus = path.resolve(REPO_ROOT, options.corpus)

/** The config and every post file of the corpus, in file-name order. */
async function readSources() {
  const { resolveConfig } = await libModule('core/config.js')
  const configPath = path.join(corpus, 'kabar.config.json')
  const config = resolveConfig(JSON.parse(fs.readFileSync(configPath, 'utf8')), { configPath })
  const postsDir = path.join(corpus, 'posts')
  const names = fs
    .readdirSync(postsDir, { recursive: true })
    .filter((name) => name.endsWith('.md'))
    .sort()
  const sources = names.map((name) => {
    const file = path.join(postsDir, name)
    return { path: file, relativePath: name.split(path.sep).join('/'), text: fs.readFileSync(file, 'utf8') }
  })
  return { config, sources }
}

/** Every post of the corpus, normalized, in file-name order. */
async function loadPosts() {
  const { normalizePost } = await libModule('core/normalize.js')
  const { config, sources } = await readSources()
  const now = new Date('2030-01-01T00:00:00Z')
  const posts = []
  for (const source of sources) {
    const { post } = normalizePost(source, { config, now })
    if (post !== undefined) posts.push(post)
  }
  return posts
}

/** `count` posts spread evenly over `posts`, starting at `offset`. */
function spread(posts, count, offset) {
  const step = posts.length / count
  return Array.from({ length: count }, (_, index) => posts[(Math.floor(index * step) + offset) % posts.length])
}

/** CPU time of the whole process: with the threads V8 collects garbage on. */
function processCpuMs() {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * CPU time of this thread alone, from Linux's /proc (in steps of 10 ms): on a
 * shared machine the least noisy of the three.
 */
function threadCpuMs() {
  try {
    const fields = fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

function measure(label, count, run) {
  const threadStart = threadCpuMs()
  const processStart = processCpuMs()
  const wallStart = performance.now()
  run()
  const wall = (performance.now() - wallStart) / count
  const processCpu = (processCpuMs() - processStart) / count
  const threadCpu = (threadCpuMs() - threadStart) / count
  console.log(
    `${label}: ${threadCpu.toFixed(2)} ms/post thread CPU, ${processCpu.toFixed(2)} process CPU, ${wall.toFixed(2)} wall`,
  )
  return [threadCpu, processCpu, wall]
}

async function speed() {
  const all = await loadPosts()
  const render = await libModule('core/render.js')
  const { loadRenderLibraries } = await libModule('core/render-libraries.js')
  await loadRenderLibraries()
  const warmup = spread(all, options.warmup, 1)
  const measured = spread(all, options.posts, 0)
  for (const post of warmup) render.renderPost(post)
  if (render.renderPosts !== undefined) render.renderPosts(warmup)
  const single = []
  const batched = []
  for (let round = 1; round <= options.rounds; round++) {
    single.push(
      measure(`round ${round}, renderPost ×${measured.length}`, measured.length, () => {
        for (const post of measured) render.renderPost(post)
      }),
    )
    if (render.renderPosts !== undefined) {
      batched.push(
        measure(`round ${round}, renderPosts(${measured.length})`, measured.length, () => {
          render.renderPosts(measured)
        }),
      )
    }
  }
  // On a shared machine, the least of the rounds is the nearest to what rendering costs.
  const least = (rounds, index) => Math.min(...rounds.map((round) => round[index])).toFixed(2)
  const summary = (rounds) =>
    `${least(rounds, 0)} thread CPU, ${least(rounds, 1)} process CPU, ${least(rounds, 2)} wall`
  console.log(`least of ${options.rounds}, renderPost: ${summary(single)} ms/post`)
  if (batched.length > 0) console.log(`least of ${options.rounds}, renderPosts: ${summary(batched)} ms/post`)
}

async function dump() {
  const all = await loadPosts()
  const render = await libModule('core/render.js')
  const out = fs.openSync(dumpFile, 'w')
  const started = performance.now()
  // With renderPosts, in batches as the workers render them, so that the dump checks that path too.
  const results = []
  for (let start = 0; start < all.length; start += 50) {
    const batch = all.slice(start, start + 50)
    results.push(...(render.renderPosts?.(batch) ?? batch.map((post) => render.renderPost(post))))
  }
  for (const [index, post] of all.entries()) {
    const result = results[index]
    const warnings = result.warnings.map((warning) => [warning.code, warning.line, warning.message])
    fs.writeSync(out, `${JSON.stringify([post.file, result.html, result.summaryText, warnings])}\n`)
  }
  fs.closeSync(out)
  console.log(`${all.length} posts in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dumpFile}`)
}

/** The time from asking for a few posts to having them, with a pool started early or on a cold thread. */
async function shownPosts() {
  const renderPool = await libModule('io/render-pool.js')
  const { normalizePost } = await libModule('core/normalize.js')
  const { config, sources } = await readSources()
  const now = new Date('2030-01-01T00:00:00Z')
  const startedAt = performance.now()
  const started =
    mode === 'pool' ? renderPool.startRenderPool({ workers: options.workers, warmUp: options.warmUp }) : undefined
  // What a build does while the pool warms up: normalizing posts on this thread, for --head-start ms
  // and at least the posts to render.
  const posts = []
  for (const source of sources) {
    const { post } = normalizePost(source, { config, now })
    if (post !== undefined) posts.push(post)
    if (posts.length >= options.shown && performance.now() - startedAt > options.headStart) break
  }
  const rest = options.headStart - (performance.now() - startedAt)
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
  const headStart = performance.now() - startedAt
  const shown = posts.slice(0, options.shown)
  const asked = performance.now()
  const cpuBefore = processCpuMs()
  if (started === undefined) await renderPool.renderMany(shown)
  else await started.render(shown)
  const took = (performance.now() - asked).toFixed(0)
  const cpu = ((processCpuMs() - cpuBefore) / shown.length).toFixed(2)
  const how =
    started === undefined
      ? 'renderMany on a cold thread'
      : `startRenderPool({ workers: ${options.workers}, warmUp: ${options.warmUp} })`
  console.log(
    `${how}, ${headStart.toFixed(0)} ms after starting: ${shown.length} posts in ${took} ms (${cpu} ms/post process CPU)`,
  )
  await started?.close()
}

if (mode === 'speed' && youngGenerationMb !== undefined && isMainThread) {
  const worker = new Worker(new URL(import.meta.url), {
    argv: process.argv.slice(2),
    // 0: V8's default.
    resourceLimits: youngGenerationMb > 0 ? { maxYoungGenerationSizeMb: youngGenerationMb } : {},
  })
  console.log(`on a worker thread, young generation ${youngGenerationMb} MB`)
  await new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject))
} else if (mode === 'speed') await speed()
else if (mode === 'dump') await dump()
else await shownPosts()
