import { execFile } from 'node:child_process'

export interface PullResult {
  ok: boolean
  /** What git printed (stderr, else stdout), trimmed: the reason when it failed. */
  output: string
}

/** A pull that hangs on a dead remote must not hold the build queue forever. */
const PULL_TIMEOUT_MS = 120_000

/**
 * Runs `git pull --ff-only` in `folder`. Only fast-forwards: a diverged
 * checkout is left as it is and reported, never merged on a server.
 */
export function pullFastForward(folder: string, env: NodeJS.ProcessEnv = process.env): Promise<PullResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['pull', '--ff-only'],
      // No terminal to ask for a password: fail instead of waiting for one.
      { cwd: folder, env: { ...env, GIT_TERMINAL_PROMPT: '0' }, timeout: PULL_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const output = (stderr.trim() || stdout.trim() || (error?.message ?? '')).trim()
        resolve({ ok: error === null, output })
      },
    )
  })
}
