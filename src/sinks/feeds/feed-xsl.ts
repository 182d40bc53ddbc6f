/**
 * An XSL stylesheet that shows an Atom or RSS feed as a readable page in a browser. Feeds reference it
 * (`<?xml-stylesheet?>`); feed readers ignore it. It is written beside the feeds as `feed.xsl`.
 */
export const FEED_XSL = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8" indent="yes"/>
  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/> (feed)</title>
        <style>
          body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1b1b; }
          .note { background: #eef2ff; border-left: 4px solid #1e2dbe; padding: .75rem 1rem; }
          h2 { font-size: 1.1rem; margin-bottom: .2rem; } a { color: #1e2dbe; } .meta { color: #555; font-size: .9rem; }
        </style>
      </head>
      <body>
        <main>
          <p class="note">This is a web feed. Copy its address into a feed reader to subscribe to
            <strong><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/></strong>.</p>
          <h1><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/></h1>
          <xsl:for-each select="atom:feed/atom:entry">
            <article>
              <h2><a href="{atom:link/@href}"><xsl:value-of select="atom:title"/></a></h2>
              <p class="meta"><xsl:value-of select="substring(atom:published, 1, 10)"/></p>
            </article>
          </xsl:for-each>
          <xsl:for-each select="rss/channel/item">
            <article>
              <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
              <p class="meta"><xsl:value-of select="pubDate"/></p>
            </article>
          </xsl:for-each>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
`;
