// Helpers for bench/run.mjs.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = path.dirname(BENCH_DIR)
const MEASURE_URL = pathToFileURL(path.join(BENCH_DIR, 'measure.mjs')).href

/**
 * Spawn `node --import <bench>/measure.mjs ...argv` as a fresh process and wait.
 * Returns { wallMs, userCpuMs, systemCpuMs, cpuMs, maxRssMB, exitCode, signal, stdout, stderr }.
 * wallMs is measured with performance.now() around the spawn (spawn → 'exit').
 * CPU/RSS come from the child itself (measure.mjs); they are NaN if the child
 * died before its exit handler ran (e.g. killed by a signal).
 */
export async function runMeasured(argv, { cwd = REPO_ROOT, env = {} } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kabar-bench-'))
  const measureFile = path.join(tmp, 'measure.jsonl')
  try {
    const childEnv = { ...process.env, ...env, KABAR_BENCH_MEASURE: measureFile }
    delete childEnv.NODE_OPTIONS // keep runs comparable: no inherited flags
    const stdout = []
    const stderr = []
    let wallMs = 0
    const { exitCode, signal } = await new Promise((resolve, reject) => {
      const t0 = performance.now()
      const child = spawn(process.execPath, ['--import', MEASURE_URL, ...argv], {
        cwd,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let exited
      child.stdout.on('data', (b) => stdout.push(b))
      child.stderr.on('data', (b) => stderr.push(b))
      child.on('error', reject)
      child.on('exit', (code, sig) => {
        wallMs = performance.now() - t0
        exited = { exitCode: code, signal: sig }
      })
      child.on('close', () => resolve(exited))
    })
    let m = {}
    if (fs.existsSync(measureFile)) {
      const lines = fs.readFileSync(measureFile, 'utf8').trim().split('\n').filter(Boolean)
      if (lines.length > 0) m = JSON.parse(lines[lines.length - 1])
    }
    const userCpuMs = m.userCpuMs ?? Number.NaN
    const systemCpuMs = m.systemCpuMs ?? Number.NaN
    return {
      wallMs,
      userCpuMs,
      systemCpuMs,
      cpuMs: userCpuMs + systemCpuMs,
      maxRssMB: m.maxRssKB === undefined ? Number.NaN : m.maxRssKB / 1024,
      exitCode: exitCode ?? -1,
      signal: signal ?? null,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

/** Median of a list of numbers (NaN entries ignored; NaN for an empty list). */
export function median(numbers) {
  const xs = numbers.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b)
  if (xs.length === 0) return Number.NaN
  const mid = xs.length >> 1
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

const SUMMARY_FIELDS = ['wallMs', 'userCpuMs', 'systemCpuMs', 'cpuMs', 'maxRssMB']

/**
 * Median of each numeric field over a list of runMeasured() results, plus
 * n (number of runs), min/max wall time and the worst exit code.
 */
export function summarize(runs) {
  const out = { n: runs.length }
  for (const f of SUMMARY_FIELDS) out[f] = median(runs.map((r) => r[f]))
  const walls = runs.map((r) => r.wallMs)
  out.wallMinMs = walls.length ? Math.min(...walls) : Number.NaN
  out.wallMaxMs = walls.length ? Math.max(...walls) : Number.NaN
  out.exitCode = runs.reduce((worst, r) => (r.exitCode !== 0 ? r.exitCode : worst), 0)
  return out
}

function fmtNum(x, digits = 0) {
  if (x === undefined || x === null || Number.isNaN(x)) return ''
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
function fmtRatio(x) {
  if (x === undefined || x === null || Number.isNaN(x) || !Number.isFinite(x)) return ''
  return `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`
}

/**
 * Aligned text table. Each row:
 *   { scenario, posts, wallMs, cpuMs, maxRssMB, xFloor, xNaiveShown, xNaiveAll, n?, target?, status? }
 * Ratios are scenario wall median / reference wall median; leave them
 * undefined (printed blank) when the reference was not run.
 */
export function formatTable(rows) {
  const cols = [
    { h: 'scenario', get: (r) => r.scenario, left: true },
    { h: 'posts', get: (r) => fmtNum(r.posts) },
    { h: 'runs', get: (r) => (r.n === undefined ? '' : String(r.n)) },
    { h: 'wall ms (median)', get: (r) => fmtNum(r.wallMs) },
    { h: 'cpu ms', get: (r) => fmtNum(r.cpuMs) },
    { h: 'peak RSS MB', get: (r) => fmtNum(r.maxRssMB, 1) },
    { h: '×floor', get: (r) => fmtRatio(r.xFloor) },
    { h: '×naive-shown', get: (r) => fmtRatio(r.xNaiveShown) },
    { h: '×naive-all', get: (r) => fmtRatio(r.xNaiveAll) },
  ]
  if (rows.some((r) => r.target || r.status)) {
    cols.push({ h: 'target', get: (r) => r.target ?? '', left: true })
    cols.push({ h: '', get: (r) => r.status ?? '', left: true })
  }
  const cells = rows.map((r) => cols.map((c) => c.get(r)))
  const widths = cols.map((c, i) => Math.max(strWidth(c.h), ...cells.map((row) => strWidth(row[i]))))
  const line = (vals) =>
    vals
      .map((v, i) => (cols[i].left ? padEnd(v, widths[i]) : padStart(v, widths[i])))
      .join('  ')
      .trimEnd()
  const out = [
    line(cols.map((c) => c.h)),
    widths
      .map((w) => '-'.repeat(w))
      .join('  ')
      .trimEnd(),
  ]
  for (const row of cells) out.push(line(row))
  return out.join('\n')
}

// Display width: count code points (×, ≤, ≥ are single-width).
function strWidth(s) {
  let n = 0
  for (const _ of String(s)) n++
  return n
}
function padEnd(s, w) {
  return s + ' '.repeat(Math.max(0, w - strWidth(s)))
}
function padStart(s, w) {
  return ' '.repeat(Math.max(0, w - strWidth(s))) + s
}
