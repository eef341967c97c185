#!/usr/bin/env node
// Load test of `kabar serve`: what an aggregator polling rss.xml costs.
//
//   npx tsc -p . && node bench/serve.mjs [--duration 10] [--connections 50] [--rounds 3] [--out FILE]
//
// Builds the sample site into a temp folder, then runs autocannon on the
// loopback for --duration seconds with --connections connections against
// each of these, --rounds times in rotating order (so a burst of other work
// on the machine does not land on one server only):
//   kabar-304        `kabar serve` (the real CLI, its own process), conditional
//                    GETs of rss.xml with If-None-Match: every answer must be
//                    a 304 with no body;
//   kabar-304-gzip   the same, with Accept-Encoding: gzip and the gzip ETag;
//   plain-200        a plain node:http server in its own process that sends
//                    the same file from memory with no conditional logic (200
//                    and the whole body every time), as the reference.
// Prints requests/s, p99 latency and the server process's CPU time per
// request (from /proc, Linux only; steadier than requests/s when other
// work shares the machine) for every run, the medians, the kabar/plain
// ratios of the medians, and writes it all to bench/serve-results.json.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = path.dirname(BENCH_DIR)
const LIB_INDEX = path.join(REPO_ROOT, 'lib', 'index.js')

// The reference: node:http at its plainest, the file read once into memory.
const PLAIN_SERVER = `
import fs from 'node:fs'
import http from 'node:http'
const body = fs.readFileSync(process.argv[1])
const server = http.createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', 'Content-Length': body.length })
  response.end(body)
})
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port + '/'))
`

async function main() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
      out: { type: 'string', default: path.join(BENCH_DIR, 'serve-results.json') },
    },
  })
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const rounds = Number(values.rounds)
  if (!fs.existsSync(LIB_INDEX)) throw new Error('lib/ is missing: run `npx tsc -p .` first')
  const { build } = await import(pathToFileURL(LIB_INDEX).href)

  const loadAtStart = os.loadavg().map(round)
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabar-bench-serve-'))
  const children = []
  try {
    const report = await build({ cwd: REPO_ROOT, out: outDir })
    if (!report.ok) throw new Error(`the sample site did not build: ${JSON.stringify(report.errors)}`)
    const feedPath = path.join(outDir, 'rss.xml')
    const feedBytes = fs.statSync(feedPath).size

    const kabar = await startProcess(
      [path.join(REPO_ROOT, 'bin', 'kabar.js'), 'serve', '--port', '0', '--out', outDir],
      children,
    )
    const plain = await startProcess(['--input-type=module', '-e', PLAIN_SERVER, feedPath], children)

    const identity = await get(kabar.url, {})
    const gzip = await get(kabar.url, { 'accept-encoding': 'gzip' })
    for (const [name, response, headers] of [
      ['identity', identity, {}],
      ['gzip', gzip, { 'accept-encoding': 'gzip' }],
    ]) {
      const check = await get(kabar.url, { ...headers, 'if-none-match': response.etag })
      if (check.status !== 304 || check.bodyLength !== 0) {
        throw new Error(`kabar serve did not answer the ${name} conditional GET with an empty 304`)
      }
    }

    const scenarios = [
      {
        key: 'kabar-304',
        what: 'kabar serve, If-None-Match',
        url: kabar.url,
        pid: kabar.pid,
        headers: { 'if-none-match': identity.etag },
        expectedStatus: 304,
      },
      {
        key: 'kabar-304-gzip',
        what: 'kabar serve, If-None-Match + gzip',
        url: kabar.url,
        pid: kabar.pid,
        headers: { 'accept-encoding': 'gzip', 'if-none-match': gzip.etag },
        expectedStatus: 304,
      },
      {
        key: 'plain-200',
        what: 'plain node:http, 200 + body',
        url: plain.url,
        pid: plain.pid,
        headers: { 'if-none-match': identity.etag },
        expectedStatus: 200,
      },
    ]
    for (const scenario of scenarios) await load(scenario, Math.min(2, duration), connections) // warm-up, not counted
    const runs = Object.fromEntries(scenarios.map((scenario) => [scenario.key, []]))
    for (let round = 0; round < rounds; round++) {
      for (let index = 0; index < scenarios.length; index++) {
        const scenario = scenarios[(round + index) % scenarios.length]
        const run = await load(scenario, duration, connections)
        runs[scenario.key].push(run)
        printRow(`${scenario.what} (round ${round + 1})`, run)
      }
    }
    const results = Object.fromEntries(scenarios.map((scenario) => [scenario.key, summarize(runs[scenario.key])]))
    console.log('\nmedians:')
    for (const scenario of scenarios) printRow(scenario.what, results[scenario.key])

    const ratio = results['kabar-304'].requestsPerSecond / results['plain-200'].requestsPerSecond
    const gzipRatio = results['kabar-304-gzip'].requestsPerSecond / results['plain-200'].requestsPerSecond
    const cpuRatio = results['plain-200'].serverCpuMicrosPerRequest / results['kabar-304'].serverCpuMicrosPerRequest
    console.log(
      `\nkabar serve 304 / plain node:http 200, requests/s: ${ratio.toFixed(2)}x (gzip: ${gzipRatio.toFixed(2)}x); server CPU per request: plain/kabar ${cpuRatio.toFixed(2)}x`,
    )

    const failures = Object.entries(results).filter(([, result]) => !result.isClean)
    const output = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      // Other work on the machine moves these figures; the ratio, measured in one run, moves less.
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map(round) },
      durationSeconds: duration,
      connections,
      file: { name: 'rss.xml', bytes: feedBytes },
      rounds,
      results,
      runs,
      ratio: {
        kabar304OverPlain200: round(ratio),
        kabar304GzipOverPlain200: round(gzipRatio),
        plainCpuPerRequestOverKabar: round(cpuRatio),
      },
      ok: failures.length === 0,
    }
    fs.writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`)
    console.log(`wrote ${path.relative(process.cwd(), values.out)}`)
    if (failures.length > 0) {
      console.error(`unexpected answers in: ${failures.map(([key]) => key).join(', ')}`)
      process.exitCode = 1
    }
  } finally {
    for (const child of children) child.kill()
    fs.rmSync(outDir, { recursive: true, force: true })
  }
}

/** Runs autocannon once and keeps the figures that matter, plus whether every answer was the expected one. */
async function load(scenario, duration, connections) {
  const cpuBefore = processCpuMicros(scenario.pid)
  const result = await autocannon({
    url: new URL('rss.xml', scenario.url).href,
    headers: scenario.headers,
    duration,
    connections,
    // A 304 must have no body; counted in `mismatches` otherwise.
    ...(scenario.expectedStatus === 304 && { verifyBody: (body) => body.length === 0 }),
  })
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count]),
  )
  const total = Object.values(statusCounts).reduce((sum, count) => sum + count, 0)
  const expected = statusCounts[scenario.expectedStatus] ?? 0
  const cpuAfter = processCpuMicros(scenario.pid)
  return {
    serverCpuMicrosPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || total === 0 ? null : round((cpuAfter - cpuBefore) / total),
    requestsPerSecond: round(result.requests.average),
    latencyP99Ms: result.latency.p99,
    latencyAverageMs: round(result.latency.average),
    requests: total,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    isClean: total > 0 && expected === total && result.errors === 0 && result.timeouts === 0 && result.mismatches === 0,
  }
}

/** The medians of several runs of one scenario; clean only when every run was. */
function summarize(runs) {
  const median = (values) => {
    const sorted = values.filter((value) => value !== null).sort((a, b) => a - b)
    if (sorted.length === 0) return null
    const middle = Math.floor(sorted.length / 2)
    return sorted.length % 2 === 1 ? sorted[middle] : round((sorted[middle - 1] + sorted[middle]) / 2)
  }
  const statusCounts = {}
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statusCounts))
      statusCounts[status] = (statusCounts[status] ?? 0) + count
  }
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    latencyP99Ms: median(runs.map((run) => run.latencyP99Ms)),
    serverCpuMicrosPerRequest: median(runs.map((run) => run.serverCpuMicrosPerRequest)),
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    statusCounts,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    timeouts: runs.reduce((sum, run) => sum + run.timeouts, 0),
    mismatches: runs.reduce((sum, run) => sum + run.mismatches, 0),
    isClean: runs.every((run) => run.isClean),
  }
}

/** User + system CPU time of a process in microseconds, from /proc (Linux); undefined elsewhere. */
function processCpuMicros(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100

function printRow(what, result) {
  const status = Object.entries(result.statusCounts)
    .map(([code, count]) => `${count} x ${code}`)
    .join(', ')
  console.log(
    `${what.padEnd(46)} ${String(result.requestsPerSecond).padStart(9)} req/s   p99 ${String(result.latencyP99Ms).padStart(3)} ms   ${String(result.serverCpuMicrosPerRequest ?? '?').padStart(6)} µs CPU/req   ${status}; ${result.errors} errors, ${result.timeouts} timeouts${result.isClean ? '' : '   UNEXPECTED'}`,
  )
}

/** Spawns `node argv` and resolves with the URL it prints first. */
function startProcess(argv, children) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let output = ''
    const onData = (chunk) => {
      output += chunk
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1]
      if (url !== undefined) resolve({ url, pid: child.pid })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code}: ${output}`)))
  })
}

function get(baseUrl, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(new URL('rss.xml', baseUrl), { headers }, (response) => {
        let bodyLength = 0
        response.on('data', (chunk) => {
          bodyLength += chunk.length
        })
        response.on('end', () => resolve({ status: response.statusCode, etag: response.headers.etag, bodyLength }))
      })
      .on('error', reject)
  })
}

function round(value) {
  return Math.round(value * 100) / 100
}

await main()
