#!/usr/bin/env node
// Load test of `kabar serve`: what an aggregator polling rss.xml costs.
//
//   npx tsc -p . && node bench/serve.mjs [--duration 10] [--connections 50] [--out FILE]
//
// Builds the sample site into a temp folder, then runs autocannon on the
// loopback for --duration seconds with --connections connections against:
//   kabar-304        `kabar serve` (the real CLI, its own process), conditional
//                    GETs of rss.xml with If-None-Match: every answer must be
//                    a 304 with no body;
//   kabar-304-gzip   the same, with Accept-Encoding: gzip and the gzip ETag;
//   plain-200        a plain node:http server in its own process that sends
//                    the same file from memory with no conditional logic (200
//                    and the whole body every time), as the reference.
// Prints requests/s and p99 latency, the kabar/plain ratio, and writes the
// figures to bench/serve-results.json.

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
      out: { type: 'string', default: path.join(BENCH_DIR, 'serve-results.json') },
    },
  })
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  if (!fs.existsSync(LIB_INDEX)) throw new Error('lib/ is missing: run `npx tsc -p .` first')
  const { build } = await import(pathToFileURL(LIB_INDEX).href)

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
        headers: { 'if-none-match': identity.etag },
        expectedStatus: 304,
      },
      {
        key: 'kabar-304-gzip',
        what: 'kabar serve, If-None-Match + gzip',
        url: kabar.url,
        headers: { 'accept-encoding': 'gzip', 'if-none-match': gzip.etag },
        expectedStatus: 304,
      },
      {
        key: 'plain-200',
        what: 'plain node:http, 200 + body',
        url: plain.url,
        headers: { 'if-none-match': identity.etag },
        expectedStatus: 200,
      },
    ]
    const results = {}
    for (const scenario of scenarios) {
      await load(scenario, Math.min(2, duration), connections) // warm-up, not counted
      results[scenario.key] = await load(scenario, duration, connections)
      printRow(scenario.what, results[scenario.key])
    }

    const ratio = results['kabar-304'].requestsPerSecond / results['plain-200'].requestsPerSecond
    const gzipRatio = results['kabar-304-gzip'].requestsPerSecond / results['plain-200'].requestsPerSecond
    console.log(`\nkabar serve 304 / plain node:http 200: ${ratio.toFixed(2)}x (gzip: ${gzipRatio.toFixed(2)}x)`)

    const failures = Object.entries(results).filter(([, result]) => !result.isClean)
    const output = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      durationSeconds: duration,
      connections,
      file: { name: 'rss.xml', bytes: feedBytes },
      results,
      ratio: { kabar304OverPlain200: round(ratio), kabar304GzipOverPlain200: round(gzipRatio) },
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
  return {
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

function printRow(what, result) {
  const status = Object.entries(result.statusCounts)
    .map(([code, count]) => `${count} x ${code}`)
    .join(', ')
  console.log(
    `${what.padEnd(36)} ${String(result.requestsPerSecond).padStart(9)} req/s   p99 ${String(result.latencyP99Ms).padStart(3)} ms   ${status}; ${result.errors} errors, ${result.timeouts} timeouts${result.isClean ? '' : '   UNEXPECTED'}`,
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
      if (url !== undefined) resolve({ url })
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
