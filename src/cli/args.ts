import { parseArgs } from 'node:util'
import { KabarError } from '../errors.js'

export type Command = 'build' | 'check' | 'help' | 'version'

export interface CliArguments {
  command: Command
  config?: string
  posts?: string
  out?: string
  limit?: number
  drafts: boolean
  future: boolean
  strict: boolean
  json: boolean
  quiet: boolean
}

export const USAGE = `Usage: kabar <command> [options]

Commands:
  build            write RSS 2.0, Atom 1.0 and JSON Feed 1.1 files from Markdown posts
  check            report what a build would do, write nothing

Options:
  --config FILE    config file (default: kabar.config.mjs, .js or .json here)
  --posts DIR      posts folder, overriding the config
  --out DIR        output folder, overriding the config
  --limit N        newest N posts per feed; 0 means every post
  --drafts         include posts marked draft
  --future         include posts dated in the future (a preview)
  --strict         treat warnings as errors (for CI)
  --json           print a machine-readable report on stdout
  --quiet          print only errors
  -h, --help       show this help
  -v, --version    show the version

Exit codes: 0 success, 1 invalid post or config or unwritable output, 2 bad usage.`

/** Parses argv (without `node` and the script). Throws `KabarError('USAGE')` on bad usage. */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed: ReturnType<typeof parseArgsStrict>
  try {
    parsed = parseArgsStrict(argv)
  } catch (error) {
    throw new KabarError('USAGE', (error as Error).message.replace(/\. To specify a positional argument.*$/s, ''))
  }
  const { values, positionals } = parsed
  const base = {
    drafts: values.drafts === true,
    future: values.future === true,
    strict: values.strict === true,
    json: values.json === true,
    quiet: values.quiet === true,
  }
  if (values.help) return { command: 'help', ...base }
  if (values.version) return { command: 'version', ...base }
  const [command, ...rest] = positionals
  if (command === undefined) return { command: 'help', ...base }
  if (command !== 'build' && command !== 'check') throw new KabarError('USAGE', `unknown command "${command}"`)
  if (rest.length > 0) throw new KabarError('USAGE', `unexpected argument "${rest[0]}"`)
  const result: CliArguments = { command, ...base }
  if (values.config !== undefined) result.config = values.config
  if (values.posts !== undefined) result.posts = values.posts
  if (values.out !== undefined) result.out = values.out
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit))
      throw new KabarError('USAGE', `--limit takes a whole number (0 for every post), not "${values.limit}"`)
    result.limit = Number(values.limit)
  }
  return result
}

function parseArgsStrict(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      posts: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      drafts: { type: 'boolean' },
      future: { type: 'boolean' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })
}
