#!/usr/bin/env node
// Deterministic generator of a realistic blog corpus for benchmarking kabar.
//
//   node bench/generate-corpus.mjs --count 10000 --out /tmp/corpus-10k [--seed 42] [--force]
//
// Writes <out>/posts/YYYY/YYYY-MM-DD-slug.md, <out>/kabar.config.json,
// <out>/kabar.archive.config.json (the same site with archive pages) and a
// marker file <out>/.corpus.json (written last, so its presence means the
// corpus is complete). All randomness comes from a seeded mulberry32 PRNG:
// the same --count and --seed always give byte-identical files.
//
// If <out>/posts already exists and is not empty the generator refuses to run
// unless --force is given, in which case <out>/posts, <out>/dist, <out>/dist-archive, <out>/.cache
// and the marker are removed first (nothing else in <out> is touched).

import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

/** Bump whenever the output for a given (count, seed) changes. */
export const CORPUS_VERSION = 2
export const MARKER_FILE = '.corpus.json'

export const BENCH_CONFIG = {
  site: {
    title: 'Bench',
    url: 'https://bench.example/',
    language: 'id',
    timezone: 'Asia/Jakarta',
    author: { name: 'Bench' },
  },
  posts: 'posts',
  out: 'dist',
}

/**
 * The same site with RFC 5005 archive pages of 50 (the subscription feed
 * keeps the newest 20), written elsewhere: bench/run.mjs builds it with
 * `--limit 0` for a full archive in one file, and as it is for archive pages.
 */
export const ARCHIVE_CONFIG_FILE = 'kabar.archive.config.json'
export const ARCHIVE_CONFIG = {
  ...BENCH_CONFIG,
  out: 'dist-archive',
  limit: 20,
  archive: { pageSize: 50 },
  idManifest: 'kabar.archive.ids.json',
}

// ---------------------------------------------------------------------------
// PRNG

export function mulberry32(seed) {
  let a = seed >>> 0
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---------------------------------------------------------------------------
// Word pools

const ID_WORDS = `
dan yang untuk dengan ini itu dari pada dalam tidak akan sudah bisa juga karena
saya kami kita mereka sangat lebih cara data aplikasi server kode proyek tim waktu
hari minggu bulan tahun kota jalan makanan kopi hujan pagi malam siang sore belajar
menulis membaca membangun menjalankan memperbaiki mencoba menemukan mengubah memakai
membuat menyimpan mengirim menunggu berjalan bekerja berpikir sederhana cepat lambat
mudah sulit penting menarik baru lama besar kecil banyak sedikit semua beberapa setiap
masalah solusi hasil contoh bagian langkah proses sistem jaringan basis pengguna layanan
halaman tulisan catatan artikel buku teman keluarga kantor rumah pasar warung sepeda
motor kereta bandara pantai gunung sungai desa kampung bahasa budaya sejarah musik
film berita cerita pengalaman pelajaran kesalahan perubahan keputusan pertanyaan jawaban
sebenarnya ternyata akhirnya biasanya kadang sering jarang selalu mungkin pasti tentu
agak cukup terlalu masih belum lagi hanya saja pun nah sih dong kok ya memang tetap
setelah sebelum ketika sambil supaya agar walaupun meskipun namun tetapi lalu kemudian
rendang sate bakso nasi goreng tempe tahu sambal teh es jeruk durian mangga pisang
Jakarta Bandung Yogyakarta Surabaya Medan Makassar Denpasar Semarang Malang Bogor
`
  .trim()
  .split(/\s+/)

const EN_WORDS = `
the a an and or but of to in on for with from by about into over after before
this that these those it its we our you your they their I my he she his her
is are was were be been being have has had do does did can could should would will
build run test ship deploy write read parse render cache measure profile debug fix
change update release review merge refactor compile bundle install configure monitor
fast slow simple complex small large new old good bad better worse quick careful
feed post page site server client browser request response header body file folder
database query index table schema migration backup network latency throughput memory
disk thread process worker queue event stream buffer string number array object
function module package library framework tool script command option flag value
team project deadline meeting coffee weekend morning evening journey lesson mistake
really actually usually sometimes often rarely always never maybe probably clearly
however therefore meanwhile instead although because while when where why how
`
  .trim()
  .split(/\s+/)

const UNICODE_WORDS = [
  'café',
  'naïve',
  'über',
  'Müller',
  'résumé',
  'jalapeño',
  'façade',
  'déjà vu',
  'Zürich',
  'São Paulo',
  'crème brûlée',
  'smörgåsbord',
  '—',
  '–',
  '…',
  '“kutipan”',
  '‘quote’',
  '±5%',
  '→',
  '✓',
  '☕',
  '🚀',
  '🎉',
  '🇮🇩',
  '😅',
  '🍜',
  '🌧️',
  '👍',
  '東京',
  '日本語',
  '中文',
  '北京',
  'ラーメン',
  '한국어',
  '½',
  '°C',
  '€10',
  'Rp 25.000',
]

const CODE_TOKENS = [
  'npm install',
  'git rebase -i',
  'fs.readFile',
  'Promise.all',
  'async/await',
  'null',
  'undefined',
  'JSON.parse',
  'Array.prototype.map',
  'SELECT *',
  'docker compose up',
  'kubectl get pods',
  'process.env',
  'import.meta.url',
  '<div>',
  '&amp;',
  'a && b',
  'x < y',
  'Map<string, number>',
  '--watch',
  'README.md',
  'package.json',
  '~/.bashrc',
  'O(n log n)',
  'utf-8',
  'Content-Type',
  'TZ=Asia/Jakarta',
  'Date.now()',
  'ls -la',
]

const LINK_URLS = [
  'https://developer.mozilla.org/en-US/docs/Web/JavaScript',
  'https://nodejs.org/api/fs.html',
  'https://github.com/remarkjs/remark',
  'https://www.rssboard.org/rss-specification',
  'https://datatracker.ietf.org/doc/html/rfc4287',
  'https://www.jsonfeed.org/version/1.1/',
  'https://id.wikipedia.org/wiki/Indonesia',
  'https://en.wikipedia.org/wiki/Jakarta',
  'https://example.com/path/to/page?query=1&lang=id',
  'https://bench.example/tentang/',
  'http://old-blog.example.net/2015/05/hello.html',
  'https://www.kompas.com/tren/read/2023/01/01/berita',
  'https://stackoverflow.com/questions/12345/how-to-parse-dates',
  'https://blog.example.org/posts/caching#strategi',
]

const TAGS = [
  'javascript',
  'typescript',
  'nodejs',
  'web',
  'css',
  'html',
  'rust',
  'go',
  'python',
  'database',
  'postgres',
  'linux',
  'devops',
  'docker',
  'kubernetes',
  'security',
  'performance',
  'testing',
  'open-source',
  'career',
  'productivity',
  'writing',
  'books',
  'travel',
  'perjalanan',
  'kuliner',
  'kopi',
  'jakarta',
  'bandung',
  'yogyakarta',
  'bali',
  'fotografi',
  'musik',
  'catatan',
  'tutorial',
  'opini',
  'review',
  'indieweb',
  'rss',
  'machine learning',
]

const AUTHOR_KEYS = ['budi', 'sari', 'tom', 'dewi', 'andre']
const INLINE_AUTHORS = [
  { name: 'Rina Wijaya', email: 'rina@bench.example' },
  { name: 'Ahmad Fauzi', email: 'ahmad.fauzi@bench.example' },
  { name: 'Chloé Martin', email: 'chloe@bench.example' },
  { name: 'Jürgen Weiß', email: 'juergen@bench.example' },
  { name: 'Putu "Yoga" Pratama', email: 'yoga@bench.example' },
]

const TOPICS = [
  'RSS',
  'Atom',
  'JSON Feed',
  'TypeScript',
  'Node.js',
  'Rust',
  'Go',
  'Postgres',
  'SQLite',
  'Docker',
  'Kubernetes',
  'CSS Grid',
  'Web Components',
  'caching',
  'monorepo',
  'CI/CD',
  'static site',
  'Markdown',
  'unit testing',
  'code review',
  'remote work',
  'kopi tubruk',
  'sambal matah',
  'kereta cepat',
  'mudik',
  'hujan deras',
  'bahasa Indonesia',
  'open source',
  'zona waktu',
  'performance budget',
  'memory leak',
  'timezone bugs',
  'fotografi jalanan',
  'sepeda lipat',
  'buku catatan',
  'server murah',
  'VPS',
  'Linux desktop',
  'keyboard mekanik',
  'podcast',
  'newsletter',
  'IndieWeb',
  'gempa',
  'nasi padang',
  'warung kopi',
]

const CITIES = [
  'Jakarta',
  'Bandung',
  'Yogyakarta',
  'Surabaya',
  'Medan',
  'Makassar',
  'Denpasar',
  'Malang',
  'Tokyo',
  'Berlin',
  'Zürich',
  'Singapura',
]

const AUDIENCES = [
  'pemula',
  'tim kecil',
  'mahasiswa',
  'beginners',
  'busy people',
  'backend developers',
  'designers',
  'orang tua',
  'freelancer',
  'startup',
  'pensiunan',
  'sysadmins',
]
const QUALIFIERS = [
  'sebuah catatan',
  'a retrospective',
  'cerita singkat',
  'the long version',
  'versi singkat',
  'lessons learned',
  'pengalaman pribadi',
  'a field guide',
  'FAQ',
  'tanya jawab',
  'what went wrong',
  'what went right',
  'catatan kaki',
  'draft pertama',
  'revisited',
  'sekali lagi',
  'one year later',
  'setahun kemudian',
  'benchmarks & numbers',
  'tips & trik',
]
const MONTHS = [
  'Januari',
  'Februari',
  'Maret',
  'April',
  'Mei',
  'Juni',
  'Juli',
  'Agustus',
  'September',
  'Oktober',
  'November',
  'Desember',
  'January',
  'March',
  'May',
  'June',
  'July',
  'October',
  'December',
]

const TITLE_TEMPLATES = [
  ({ t }) => `Catatan tentang ${t}`,
  ({ t, n }) => `${n} hal yang saya pelajari dari ${t}`,
  ({ t }) => `Why ${t} matters (more than you think)`,
  ({ t, u }) => `Belajar ${t} & ${u}`,
  ({ t, u }) => `${t} & ${u}: a practical comparison`,
  ({ t, n }) => `Review: "${t}" setelah ${n} bulan`,
  ({ t, c }) => `Dari ${c} ke ${t}: catatan perjalanan`,
  ({ t }) => `Menjalankan ${t} di server kecil`,
  ({ t }) => `How I use ${t} every day`,
  ({ t }) => `Kenapa "${t}" itu penting`,
  ({ t, u }) => `${t}, ${u}, dan hal-hal lain`,
  ({ t, n }) => `Notes on ${t}, part ${n}`,
  ({ t, u }) => `Minggu ini: ${t} dan ${u}`,
  ({ t }) => `The case against ${t}`,
  ({ t }) => `Tom's guide to ${t}`,
  ({ t }) => `Jangan takut dengan ${t}`,
  ({ t, n }) => `${n} tips ${t} untuk pemula`,
  ({ t, u, c }) => `Weekend di ${c}: ${t} & ${u}`,
  ({ t, u }) => `Migrating from ${t} to ${u}`,
  ({ t }) => `Apa kabar, ${t}?`,
]

const HEADINGS_ID = [
  'Latar belakang',
  'Masalahnya',
  'Solusi',
  'Langkah pertama',
  'Hasilnya',
  'Kesimpulan',
  'Catatan tambahan',
  'Apa selanjutnya?',
  'Persiapan',
  'Yang tidak berhasil',
  'Perbandingan',
  'Pelajaran',
]
const HEADINGS_EN = [
  'Background',
  'The problem',
  'What I tried',
  'Setup',
  'Results',
  'Benchmarks',
  'Lessons learned',
  'Caveats',
  'Next steps',
  'Further reading',
  'Update',
  'TL;DR',
]

const CODE_SNIPPETS = {
  js: [
    "import { readFile } from 'node:fs/promises';\n\nconst text = await readFile(new URL('./post.md', import.meta.url), 'utf8');\nconsole.log(text.length);",
    'function slugify(s) {\n  return s\n    .normalize("NFKD")\n    .replace(/[\\u0300-\\u036f]/g, "")\n    .toLowerCase()\n    .replace(/[^a-z0-9]+/g, "-");\n}',
    'const posts = files\n  .map(parse)\n  .filter((p) => !p.draft && p.date < Date.now())\n  .sort((a, b) => b.date - a.date);',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is sample code text, not a template
    'if (a < b && b > 0) {\n  throw new Error(`bad range: ${a} > ${b}`);\n}',
  ],
  ts: [
    'interface Post {\n  title: string;\n  date: Date;\n  tags: string[];\n  draft?: boolean;\n}',
    'export async function build(config: Config): Promise<void> {\n  const posts = await load(config.posts);\n  await write(render(posts.slice(0, 20)));\n}',
    'type Feed = "rss" | "atom" | "json";\nconst outputs: Record<Feed, string> = { rss: "rss.xml", atom: "atom.xml", json: "feed.json" };',
  ],
  bash: [
    'npm install --save-dev typescript\nnpx tsc --noEmit && npm test',
    'for f in posts/*/*.md; do\n  wc -c "$f"\ndone | sort -n | tail -5',
    'docker run --rm -p 8080:80 -v "$PWD/dist:/usr/share/nginx/html:ro" nginx:alpine',
    'TZ=Asia/Jakarta date "+%Y-%m-%d %H:%M"\ngit log --since="2 weeks ago" --oneline',
  ],
  python: [
    'import json\n\nwith open("feed.json", encoding="utf-8") as f:\n    feed = json.load(f)\nprint(len(feed["items"]))',
    'def median(xs):\n    xs = sorted(xs)\n    n = len(xs)\n    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2',
  ],
  yaml: [
    '---\ntitle: "Halo dunia"\ndate: 2020-01-01 08:00\ntags: [catatan, web]\n---',
    'services:\n  web:\n    image: nginx:alpine\n    ports:\n      - "8080:80"',
  ],
  json: [
    '{\n  "version": "https://jsonfeed.org/version/1.1",\n  "title": "Bench",\n  "items": []\n}',
    '{ "site": { "url": "https://bench.example/", "timezone": "Asia/Jakarta" } }',
  ],
  sql: [
    'SELECT id, title, published_at\nFROM posts\nWHERE draft = false AND published_at < now()\nORDER BY published_at DESC\nLIMIT 20;',
  ],
  html: [
    '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">\n<link rel="alternate" type="application/atom+xml" href="/atom.xml">',
    '<p>Tom &amp; Jerry &lt;3 &mdash; <em>classic</em></p>',
  ],
  '': [
    '$ kabar build --quiet\nwrote dist/rss.xml dist/atom.xml dist/feed.json',
    'output:\n  took 123 ms\n  peak 45 MB',
  ],
}
const CODE_LANGS = Object.keys(CODE_SNIPPETS)

// ---------------------------------------------------------------------------
// Generator

// Upper-case the first letter of a sentence, but never a bare URL ("Https://…"
// is a different, sanitizer-unfriendly scheme spelling).
function capitalize(s) {
  if (s.startsWith('http') || s.startsWith('www.')) return s
  return s.charAt(0).toUpperCase() + s.slice(1)
}

class Gen {
  constructor(seed) {
    this.r = mulberry32(seed)
    this.slugs = []
  }
  int(min, max) {
    // inclusive
    return min + Math.floor(this.r() * (max - min + 1))
  }
  pick(arr) {
    return arr[Math.floor(this.r() * arr.length)]
  }
  chance(p) {
    return this.r() < p
  }

  word(lang) {
    const r = this.r()
    if (r < 0.006) return this.pick(UNICODE_WORDS)
    if (r < 0.022) return `**${this.pick(lang === 'id' ? ID_WORDS : EN_WORDS)}**`
    if (r < 0.036) return `_${this.pick(lang === 'id' ? ID_WORDS : EN_WORDS)}_`
    if (r < 0.048) return `\`${this.pick(CODE_TOKENS)}\``
    if (r < 0.056) return this.link(lang)
    if (r < 0.0585) return `~~${this.pick(lang === 'id' ? ID_WORDS : EN_WORDS)}~~`
    if (r < 0.06)
      return this.pick(['https://github.com/jpmonette/feed', '<https://bench.example/arsip/>', 'www.example.com/docs'])
    return this.pick(lang === 'id' ? ID_WORDS : EN_WORDS)
  }

  link(lang) {
    const text =
      lang === 'id'
        ? this.pick(['tulisan ini', 'dokumentasinya', 'di sini', 'baca juga', 'sumbernya', 'catatan lama'])
        : this.pick(['this post', 'the docs', 'here', 'see also', 'the source', 'an older note'])
    const r = this.r()
    if (r < 0.45 && this.slugs.length > 0) return `[${text}](../${this.pick(this.slugs)}/)`
    if (r < 0.55) return `[${text}](/tags/${this.pick(TAGS).replace(/ /g, '-')}/)`
    if (r < 0.6)
      return `[${text}](#${this.pick(HEADINGS_EN)
        .toLowerCase()
        .replace(/[^a-z]+/g, '-')})`
    return `[${text}](${this.pick(LINK_URLS)})`
  }

  sentence(lang) {
    const n = this.int(7, 22)
    let s = this.word(lang)
    s = capitalize(s)
    for (let i = 1; i < n; i++) {
      s += (this.chance(0.06) ? ', ' : ' ') + this.word(lang)
    }
    const r = this.r()
    return s + (r < 0.85 ? '.' : r < 0.95 ? '?' : '!')
  }

  paragraph(lang) {
    const n = this.int(2, 6)
    let p = this.sentence(lang)
    for (let i = 1; i < n; i++) p += ` ${this.sentence(lang)}`
    return p
  }

  heading(lang) {
    const level = this.chance(0.7) ? '##' : this.chance(0.8) ? '###' : '####'
    let text = this.pick(lang === 'id' ? HEADINGS_ID : HEADINGS_EN)
    if (this.chance(0.2)) text += `: ${this.pick(TOPICS)}`
    if (this.chance(0.05)) text += ` ${this.pick(UNICODE_WORDS)}`
    return `${level} ${text}`
  }

  shortItem(lang) {
    const n = this.int(3, 12)
    let s = this.word(lang)
    s = capitalize(s)
    for (let i = 1; i < n; i++) s += ` ${this.word(lang)}`
    return s
  }

  plainWords(lang, n) {
    const pool = lang === 'id' ? ID_WORDS : EN_WORDS
    let s = this.pick(pool)
    s = capitalize(s)
    for (let i = 1; i < n; i++) s += ` ${this.pick(pool)}`
    return s
  }

  bulletList(lang) {
    const bullet = this.chance(0.8) ? '-' : '*'
    const task = this.chance(0.12)
    const n = this.int(3, 7)
    const lines = []
    for (let i = 0; i < n; i++) {
      const box = task ? (this.chance(0.5) ? '[x] ' : '[ ] ') : ''
      lines.push(`${bullet} ${box}${this.shortItem(lang)}`)
      if (!task && this.chance(0.12)) {
        const m = this.int(1, 3)
        for (let j = 0; j < m; j++) lines.push(`  ${bullet} ${this.shortItem(lang)}`)
      }
    }
    return lines.join('\n')
  }

  orderedList(lang) {
    const n = this.int(3, 6)
    const lines = []
    for (let i = 1; i <= n; i++) lines.push(`${i}. ${this.shortItem(lang)}`)
    return lines.join('\n')
  }

  code() {
    const lang = this.pick(CODE_LANGS)
    const pool = CODE_SNIPPETS[lang]
    const pieces = Math.min(this.int(1, 3), pool.length)
    const first = Math.floor(this.r() * pool.length)
    let body = pool[first]
    for (let i = 1; i < pieces; i++) body += `\n\n${pool[(first + i) % pool.length]}`
    const fence = this.chance(0.9) ? '```' : '~~~'
    return `${fence}${lang}\n${body}\n${fence}`
  }

  table(lang) {
    const cols = this.int(2, 5)
    const rows = this.int(2, 8)
    const aligns = ['---', ':---', '---:', ':---:']
    const header = []
    const sep = []
    for (let c = 0; c < cols; c++) {
      header.push(
        c === 0
          ? lang === 'id'
            ? 'Nama'
            : 'Name'
          : this.pick(
              lang === 'id'
                ? ['Waktu', 'Ukuran', 'Harga', 'Catatan', 'Status', 'Versi']
                : ['Time', 'Size', 'Price', 'Notes', 'Status', 'Version'],
            ),
      )
      sep.push(this.pick(aligns))
    }
    const out = [`| ${header.join(' | ')} |`, `| ${sep.join(' | ')} |`]
    for (let r = 0; r < rows; r++) {
      const cells = []
      for (let c = 0; c < cols; c++) {
        const k = this.r()
        if (c === 0) cells.push(this.pick(TOPICS))
        else if (k < 0.4) cells.push(`${this.int(1, 9999)}${this.pick([' ms', ' MB', '%', '', ' KB'])}`)
        else if (k < 0.55) cells.push(`\`${this.pick(CODE_TOKENS).replace(/\|/g, '\\|')}\``)
        else if (k < 0.6) cells.push(this.pick(['✓', '✗', '—', '🚀', 'n/a']))
        else cells.push(this.plainWords(lang, this.int(1, 6)))
      }
      out.push(`| ${cells.join(' | ')} |`)
    }
    return out.join('\n')
  }

  blockquote(lang) {
    const lines = [`> ${this.paragraph(lang)}`]
    if (this.chance(0.3)) lines.push('>', `> ${this.sentence(lang)}`)
    if (this.chance(0.15))
      lines.push(
        '>',
        `> — ${this.pick(['Tan Malaka', 'Pramoedya Ananta Toer', 'Grace Hopper', 'Ada Lovelace', 'anonim', 'seorang teman'])}`,
      )
    return lines.join('\n')
  }

  image(lang) {
    const alt =
      lang === 'id'
        ? this.pick(['Foto pemandangan', 'Tangkapan layar', 'Suasana pagi', 'Diagram arsitektur', 'Kopi dan laptop'])
        : this.pick(['Screenshot', 'A photo of the street', 'Architecture diagram', 'Benchmark chart', 'Sunset'])
    const r = this.r()
    if (r < 0.7) return `![${alt}](img/photo-${this.int(1, 12)}.jpg)`
    if (r < 0.85) return `![${alt}](img/diagram-${this.int(1, 5)}.png "${alt}")`
    if (r < 0.95) return `![${alt}](/images/shared/${this.pick(['logo.svg', 'header.jpg', 'avatar.png'])})`
    return `![${alt}](https://cdn.bench.example/${this.int(1000, 9999)}/full.webp)`
  }

  body(targetLen) {
    const primary = this.chance(0.6) ? 'id' : 'en'
    const langOf = () => (this.chance(0.8) ? primary : primary === 'id' ? 'en' : 'id')
    const blocks = [this.paragraph(primary)]
    let len = blocks[0].length
    const footnotes = this.chance(0.1)
    let sinceHeading = 1
    while (len < targetLen) {
      const lang = langOf()
      let b
      const r = this.r()
      if (sinceHeading > 3 && this.chance(0.5)) {
        b = this.heading(lang)
        sinceHeading = 0
      } else if (r < 0.5) b = this.paragraph(lang)
      else if (r < 0.6) b = this.bulletList(lang)
      else if (r < 0.66) b = this.orderedList(lang)
      else if (r < 0.75) b = this.code()
      else if (r < 0.8) b = this.table(lang)
      else if (r < 0.86) b = this.blockquote(lang)
      else if (r < 0.92) b = this.image(lang)
      else if (r < 0.94) b = this.chance(0.5) ? '---' : '***'
      else b = this.paragraph(lang)
      if (
        footnotes &&
        this.chance(0.05) &&
        !b.startsWith('#') &&
        !b.startsWith('`') &&
        !b.startsWith('~') &&
        !b.startsWith('|') &&
        !b.startsWith('!') &&
        b !== '---' &&
        b !== '***'
      )
        b += '[^1]'
      blocks.push(b)
      len += b.length + 2
      sinceHeading++
    }
    if (footnotes) blocks.push(`[^1]: ${this.sentence(primary)}`)
    return `${blocks.join('\n\n')}\n`
  }

  title() {
    const t = this.pick(TOPICS)
    let u = this.pick(TOPICS)
    if (u === t) u = this.pick(TOPICS)
    const template = this.pick(TITLE_TEMPLATES)
    const n = this.int(2, 12)
    const c = this.pick(CITIES)
    let s = template({ t, u, n, c })
    // A qualifier keeps titles (and so slugs) mostly distinct even at 100k posts;
    // remaining collisions get a -2, -3… suffix in generateCorpus().
    const r = this.r()
    if (r < 0.03) s += ` ${this.pick(['☕', '🚀', '🎉', '🇮🇩', '😅'])}`
    else if (r < 0.04) s += ` (${this.pick(['東京', '日本語', '中文'])})`
    else if (r < 0.16) s += ` — ${this.pick(['bagian', 'part'])} ${this.int(1, 12)}`
    else if (r < 0.28) s += ` (${this.int(2012, 2025)})`
    else if (r < 0.42) s += ` di ${this.pick(CITIES)}`
    else if (r < 0.56) s += ` ${this.pick(['with', 'tanpa', 'vs', 'dengan', 'and', 'after'])} ${this.pick(TOPICS)}`
    else if (r < 0.68) s += ` ${this.pick(['untuk', 'for'])} ${this.pick(AUDIENCES)}`
    else if (r < 0.8) s += `: ${this.pick(QUALIFIERS)}`
    else if (r < 0.9) s += ` ${this.pick(['in', 'pada'])} ${this.pick(MONTHS)} ${this.int(2018, 2025)}`
    return s
  }
}

function slugify(s) {
  const slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' dan ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (slug.length <= 80) return slug || 'post'
  const cut = slug.slice(0, 80)
  const i = cut.lastIndexOf('-')
  return i > 20 ? cut.slice(0, i) : cut
}

function yamlDouble(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}
function yamlSingle(s) {
  return `'${s.replace(/'/g, "''")}'`
}

const pad2 = (n) => (n < 10 ? `0${n}` : `${n}`)
// Wall-clock ("naive") minutes since 2018-01-01 00:00; formatted via UTC getters.
const START_MS = Date.UTC(2018, 0, 1)
const END_MS = Date.UTC(2026, 0, 1) // exclusive: every date is before 2026-01-01
const SPAN_DAYS = Math.round((END_MS - START_MS) / 86400000)
const HOUR_WEIGHTS = [1, 1, 0, 0, 0, 1, 2, 4, 6, 7, 8, 8, 7, 7, 8, 8, 7, 6, 6, 7, 8, 8, 6, 3]
const HOUR_CDF = (() => {
  const total = HOUR_WEIGHTS.reduce((a, b) => a + b, 0)
  let acc = 0
  return HOUR_WEIGHTS.map((w) => (acc += w / total))
})()

function formatMinutes(msUtc) {
  const d = new Date(msUtc)
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`
}

function randomDateMs(g) {
  const day = Math.floor(g.r() * SPAN_DAYS)
  const hr = g.r()
  let hour = 0
  while (HOUR_CDF[hour] < hr && hour < 23) hour++
  return START_MS + day * 86400000 + hour * 3600000 + g.int(0, 59) * 60000
}

/**
 * Generate a corpus. Returns { count, files, bytes, ms, drafts }.
 */
export function generateCorpus({ count, out, seed = 42, force = false, log = () => {} }) {
  const t0 = performance.now()
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer (got ${count})`)
  const outDir = path.resolve(out)
  const postsDir = path.join(outDir, 'posts')
  if (fs.existsSync(postsDir) && fs.readdirSync(postsDir).length > 0) {
    if (!force) throw new Error(`${postsDir} exists and is not empty; pass --force to regenerate`)
    for (const p of [
      postsDir,
      path.join(outDir, 'dist'),
      path.join(outDir, ARCHIVE_CONFIG.out),
      path.join(outDir, '.cache'),
      path.join(outDir, MARKER_FILE),
    ]) {
      fs.rmSync(p, { recursive: true, force: true })
    }
  }
  fs.rmSync(path.join(outDir, MARKER_FILE), { force: true })
  fs.mkdirSync(postsDir, { recursive: true })

  const g = new Gen(seed)
  const used = new Set()
  const madeDirs = new Set()
  let bytes = 0
  let drafts = 0
  let prevDateMs = START_MS

  for (let i = 0; i < count; i++) {
    // --- date (some exact ties, some same-day) ---
    let dateMs
    const dr = g.r()
    if (i > 0 && dr < 0.01)
      dateMs = prevDateMs // exact tie with previous post
    else if (i > 0 && dr < 0.015)
      dateMs = prevDateMs - (prevDateMs % 86400000) + g.int(0, 1439) * 60000 // same day
    else dateMs = randomDateMs(g)
    prevDateMs = dateMs
    const date = formatMinutes(dateMs)

    // --- title / slug ---
    const title = g.title()
    const base = slugify(title)
    let slug = base
    for (let k = 2; used.has(slug); k++) slug = `${base}-${k}`
    used.add(slug)

    // --- frontmatter ---
    const fm = ['---']
    fm.push(`title: ${g.chance(0.1) ? yamlSingle(title) : yamlDouble(title)}`)
    fm.push(`date: ${date}`)
    if (g.chance(0.15)) {
      const upd = Math.min(dateMs + g.int(1, 500) * 86400000 + g.int(0, 1439) * 60000, END_MS - 60000)
      fm.push(`updated: ${formatMinutes(upd)}`)
    }
    const nTags = g.int(0, 5)
    if (nTags > 0) {
      const tags = []
      while (tags.length < nTags) {
        const t = g.pick(TAGS)
        if (!tags.includes(t)) tags.push(t)
      }
      if (g.chance(0.6)) fm.push(`tags: [${tags.join(', ')}]`)
      else fm.push('tags:', ...tags.map((t) => `  - ${t}`))
    }
    const ar = g.r()
    if (ar < 0.75) fm.push(`author: ${g.pick(AUTHOR_KEYS)}`)
    else if (ar < 0.88) {
      const a = g.pick(INLINE_AUTHORS)
      fm.push(`author: { name: ${yamlDouble(a.name)}, email: ${a.email} }`)
    } else if (ar < 0.97) {
      const a = g.pick(INLINE_AUTHORS)
      fm.push('author:', `  name: ${yamlDouble(a.name)}`, `  email: ${a.email}`)
    } // else: no author (falls back to site author)
    const sr = g.r()
    const summaryLang = g.chance(0.6) ? 'id' : 'en'
    if (sr < 0.25) fm.push(`summary: ${yamlDouble(g.sentence(summaryLang).replace(/[*_`~]/g, ''))}`)
    else if (sr < 0.3)
      fm.push(
        'summary: >-',
        `  ${g.sentence(summaryLang).replace(/[*_`~]/g, '')}`,
        `  ${g.sentence(summaryLang).replace(/[*_`~]/g, '')}`,
      )
    if (g.chance(0.2)) fm.push(`image: /images/${slug.slice(0, 24)}-${g.int(1, 9)}.jpg`)
    const dr2 = g.r()
    if (dr2 < 0.02) {
      fm.push('draft: true')
      drafts++
    } else if (dr2 < 0.05) fm.push('draft: false')
    fm.push('---', '')

    // --- body ---
    const target = 3000 + Math.floor(8300 * g.r() ** 1.25)
    const body = g.body(target)
    g.slugs.push(slug)

    const text = `${fm.join('\n')}\n${body}`
    const year = date.slice(0, 4)
    const dir = path.join(postsDir, year)
    if (!madeDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true })
      madeDirs.add(dir)
    }
    const buf = Buffer.from(text, 'utf8')
    fs.writeFileSync(path.join(dir, `${date.slice(0, 10)}-${slug}.md`), buf)
    bytes += buf.length
    if ((i + 1) % 20000 === 0) log(`  ${i + 1} posts…`)
  }

  fs.writeFileSync(path.join(outDir, 'kabar.config.json'), `${JSON.stringify(BENCH_CONFIG, null, 2)}\n`)
  fs.writeFileSync(path.join(outDir, ARCHIVE_CONFIG_FILE), `${JSON.stringify(ARCHIVE_CONFIG, null, 2)}\n`)
  const ms = performance.now() - t0
  const marker = { generator: 'kabar-bench-corpus', version: CORPUS_VERSION, count, seed, bytes, drafts }
  fs.writeFileSync(path.join(outDir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`)
  return { count, bytes, drafts, ms }
}

// ---------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const args = { count: undefined, out: undefined, seed: 42, force: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--count') args.count = Number(argv[++i])
    else if (a === '--out') args.out = argv[++i]
    else if (a === '--seed') args.seed = Number(argv[++i])
    else if (a === '--force') args.force = true
    else if (a === '-h' || a === '--help') args.help = true
    else throw new Error(`unknown argument: ${a}`)
  }
  return args
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
if (isMain) {
  try {
    const args = parseArgs(process.argv.slice(2))
    if (args.help || args.count === undefined || !args.out) {
      console.log('usage: node bench/generate-corpus.mjs --count N --out DIR [--seed 42] [--force]')
      process.exit(args.help ? 0 : 2)
    }
    if (!Number.isInteger(args.seed)) throw new Error('--seed must be an integer')
    const res = generateCorpus({ ...args, log: (m) => console.error(m) })
    console.log(
      `generated ${res.count} posts (${res.drafts} drafts), ${res.bytes} bytes (${(res.bytes / 1048576).toFixed(1)} MiB) in ${(res.ms / 1000).toFixed(2)} s -> ${path.resolve(args.out)}`,
    )
  } catch (err) {
    console.error(`generate-corpus: ${err.message}`)
    process.exit(1)
  }
}
