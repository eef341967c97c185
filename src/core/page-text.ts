/**
 * The few words kabar itself writes for people (the browser view, archive
 * page titles), in the site's language. A language not listed here gets
 * English; `id-ID` finds `id`.
 */
export interface PageText {
  /** What a feed is, for someone who opened one in a browser. */
  about: string
  subscribeHeading: string
  subscribeHelp: string
  latestHeading: string
  tagsHeading: string
  authorsHeading: string
  /** Link back to the site. */
  visitSite: string
  /** Before the date a post was last changed. */
  updated: string
  /** Title suffix of an RFC 5005 archive page. */
  archivePage: (page: number) => string
}

const TEXTS: Readonly<Record<string, PageText>> = {
  en: {
    about: 'This is a web feed: the latest posts of this site, for following in a feed reader.',
    subscribeHeading: 'Subscribe',
    subscribeHelp:
      'Copy one of these addresses into your feed reader (NetNewsWire, Feedly, Miniflux…) to get new posts as they appear.',
    latestHeading: 'Latest posts',
    tagsHeading: 'Topics',
    authorsHeading: 'Authors',
    visitSite: 'Visit the site',
    updated: 'updated',
    archivePage: (page) => `archive, page ${page}`,
  },
  id: {
    about: 'Ini adalah feed: tulisan terbaru dari situs ini, untuk diikuti dengan aplikasi pembaca feed.',
    subscribeHeading: 'Berlangganan',
    subscribeHelp:
      'Salin salah satu alamat ini ke aplikasi pembaca feed Anda (NetNewsWire, Feedly, Miniflux…) untuk mendapat tulisan baru begitu terbit.',
    latestHeading: 'Tulisan terbaru',
    tagsHeading: 'Topik',
    authorsHeading: 'Penulis',
    visitSite: 'Kunjungi situs',
    updated: 'diperbarui',
    archivePage: (page) => `arsip, halaman ${page}`,
  },
  de: {
    about: 'Dies ist ein Web-Feed: die neuesten Beiträge dieser Website, zum Abonnieren in einem Feedreader.',
    subscribeHeading: 'Abonnieren',
    subscribeHelp:
      'Kopieren Sie eine dieser Adressen in Ihren Feedreader (NetNewsWire, Feedly, Miniflux …), um neue Beiträge automatisch zu erhalten.',
    latestHeading: 'Neueste Beiträge',
    tagsHeading: 'Themen',
    authorsHeading: 'Autoren',
    visitSite: 'Zur Website',
    updated: 'aktualisiert',
    archivePage: (page) => `Archiv, Seite ${page}`,
  },
  es: {
    about: 'Esto es un feed web: las publicaciones más recientes de este sitio, para seguirlas con un lector de feeds.',
    subscribeHeading: 'Suscribirse',
    subscribeHelp:
      'Copia una de estas direcciones en tu lector de feeds (NetNewsWire, Feedly, Miniflux…) para recibir las nuevas publicaciones automáticamente.',
    latestHeading: 'Publicaciones recientes',
    tagsHeading: 'Temas',
    authorsHeading: 'Autores',
    visitSite: 'Ir al sitio',
    updated: 'actualizado',
    archivePage: (page) => `archivo, página ${page}`,
  },
  fr: {
    about: 'Ceci est un flux web : les derniers articles de ce site, à suivre avec un lecteur de flux.',
    subscribeHeading: 'S’abonner',
    subscribeHelp:
      'Copiez l’une de ces adresses dans votre lecteur de flux (NetNewsWire, Feedly, Miniflux…) pour recevoir automatiquement les nouveaux articles.',
    latestHeading: 'Derniers articles',
    tagsHeading: 'Sujets',
    authorsHeading: 'Auteurs',
    visitSite: 'Aller sur le site',
    updated: 'mis à jour',
    archivePage: (page) => `archives, page ${page}`,
  },
  nl: {
    about: 'Dit is een webfeed: de nieuwste berichten van deze site, om te volgen in een feedlezer.',
    subscribeHeading: 'Abonneren',
    subscribeHelp:
      'Kopieer een van deze adressen naar je feedlezer (NetNewsWire, Feedly, Miniflux …) om nieuwe berichten automatisch te ontvangen.',
    latestHeading: 'Nieuwste berichten',
    tagsHeading: 'Onderwerpen',
    authorsHeading: 'Auteurs',
    visitSite: 'Naar de site',
    updated: 'bijgewerkt',
    archivePage: (page) => `archief, pagina ${page}`,
  },
}

/** The texts for a language tag such as `id` or `en-GB`; English when kabar has none. */
export function pageText(language: string | undefined): PageText {
  const primary = (language ?? 'en').split('-')[0]?.toLowerCase() ?? 'en'
  return TEXTS[primary] ?? (TEXTS.en as PageText)
}
