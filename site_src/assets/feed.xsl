<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows a Paper Digest feed (RSS 2.0 or Atom 1.0) as a page when it is opened in a browser; feed readers ignore it.
  Every feed names it with <?xml-stylesheet type="text/xsl" href="../assets/feed.xsl"?>.
  Everything in a feed is text from a dump: it is only ever copied with value-of or an attribute value template,
  which escape it; output escaping is never turned off. Item bodies are left out: RSS descriptions are
  escaped HTML, which a stylesheet could show only by unescaping it.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">

  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="rss/channel">
        <xsl:call-template name="page">
          <xsl:with-param name="title" select="rss/channel/title"/>
          <xsl:with-param name="about" select="rss/channel/description"/>
          <xsl:with-param name="self" select="rss/channel/atom:link[@rel='self']/@href"/>
          <xsl:with-param name="home" select="rss/channel/link"/>
          <xsl:with-param name="lang" select="rss/channel/language"/>
          <xsl:with-param name="kind" select="'RSS'"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="page">
          <xsl:with-param name="title" select="atom:feed/atom:title"/>
          <xsl:with-param name="about" select="atom:feed/atom:subtitle"/>
          <xsl:with-param name="self" select="atom:feed/atom:link[@rel='self']/@href"/>
          <xsl:with-param name="home" select="atom:feed/atom:link[not(@rel) or @rel='alternate']/@href"/>
          <xsl:with-param name="lang" select="atom:feed/@xml:lang"/>
          <xsl:with-param name="kind" select="'Atom'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="page">
    <xsl:param name="title"/>
    <xsl:param name="about"/>
    <xsl:param name="self"/>
    <xsl:param name="home"/>
    <xsl:param name="lang"/>
    <xsl:param name="kind"/>
    <html lang="{$lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> (<xsl:value-of select="$kind"/> feed)</title>
        <style>
          :root { color-scheme: light dark; --accent: #4051b5; --muted: #666; --box: #eef0fb; }
          @media (prefers-color-scheme: dark) { :root { --accent: #8c9eff; --muted: #aaa; --box: #262a40; } }
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem; }
          a { color: var(--accent); }
          .subscribe { background: var(--box); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
          .subscribe code { display: block; overflow-wrap: anywhere; margin-top: .25rem; font-size: .95rem; user-select: all; }
          ol { padding-left: 1.25rem; }
          li { margin: .75rem 0; }
          .meta { color: var(--muted); font-size: .9rem; }
        </style>
      </head>
      <body>
        <header>
          <p class="meta"><xsl:value-of select="$kind"/> feed · <a href="{$home}">open the site</a></p>
          <h1 id="feed-title"><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="$about"/></p>
        </header>
        <section class="subscribe" id="subscribe">
          <strong>Subscribe: copy this URL into your feed reader</strong>
          <code><xsl:value-of select="$self"/></code>
          <span class="meta">This page is the feed itself; a feed reader shows you its new papers as they come.</span>
        </section>
        <ol id="items">
          <xsl:apply-templates select="rss/channel/item | atom:feed/atom:entry"/>
        </ol>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a class="item-title" href="{link}"><xsl:value-of select="title"/></a>
      <div class="meta">
        <xsl:if test="pubDate"><xsl:value-of select="substring(pubDate, 6, 11)"/></xsl:if>
        <xsl:for-each select="dc:creator"> · <xsl:value-of select="."/></xsl:for-each>
        <xsl:for-each select="category"> · <xsl:value-of select="."/></xsl:for-each>
      </div>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a class="item-title" href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      <div class="meta">
        <xsl:if test="atom:published"><xsl:value-of select="substring(atom:published, 1, 10)"/></xsl:if>
        <xsl:if test="atom:author"> · </xsl:if>
        <xsl:for-each select="atom:author">
          <xsl:if test="position() &gt; 1">, </xsl:if>
          <xsl:value-of select="atom:name"/>
        </xsl:for-each>
        <xsl:for-each select="atom:category"> · <xsl:value-of select="@label"/></xsl:for-each>
      </div>
    </li>
  </xsl:template>

</xsl:stylesheet>
