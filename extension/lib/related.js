// Finding a paper and its related papers in the site's api/papers.json. Plain data in, plain data out:
// titles stay strings (the popup renders them with textContent), URLs are resolved and http(s) only.

import { normalizeArxivId } from "./pages.js";

function paperList(papersJson) {
  if (Array.isArray(papersJson)) return papersJson;
  if (papersJson && Array.isArray(papersJson.papers)) return papersJson.papers;
  return [];
}

/**
 * A catalog URL (relative to the site root, or absolute) as an absolute http(s) URL, or "" when it
 * is missing or points anywhere else (javascript:, data: ...).
 */
export function resolveSiteUrl(link, siteUrl) {
  if (typeof link !== "string" || !link.trim()) return "";
  const base = String(siteUrl || "").replace(/\/+$/, "") + "/";
  let resolved;
  try {
    resolved = new URL(link.trim(), base);
  } catch {
    return "";
  }
  return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : "";
}

function titleOf(paper) {
  return typeof paper.title === "string" && paper.title.trim() ? paper.title.trim() : String(paper.id ?? "");
}

/** The catalog entry whose arxiv_id matches (versions and "arXiv:" ignored), or null. */
export function findPaper(papersJson, arxivId) {
  const wanted = normalizeArxivId(arxivId);
  if (!wanted) return null;
  for (const paper of paperList(papersJson)) {
    if (paper && typeof paper === "object" && normalizeArxivId(paper.arxiv_id) === wanted) return paper;
  }
  return null;
}

/**
 * The related papers of the paper with this arXiv id, best first.
 * @returns {null | Array<{id: string, title: string, url: string, score: number}>}
 *   null when the paper isn't in the catalog; related ids missing from the catalog are left out.
 */
export function findRelated(papersJson, arxivId, siteUrl) {
  const paper = findPaper(papersJson, arxivId);
  if (!paper) return null;
  const byId = new Map();
  for (const entry of paperList(papersJson)) {
    if (entry && typeof entry === "object" && entry.id !== undefined) byId.set(String(entry.id), entry);
  }
  const seen = new Set();
  const related = [];
  for (const link of Array.isArray(paper.related) ? paper.related : []) {
    const id = link && typeof link === "object" ? String(link.id ?? "") : String(link ?? "");
    const target = byId.get(id);
    if (!target || seen.has(id) || id === String(paper.id)) continue;
    seen.add(id);
    const score = Number(link && link.score);
    related.push({
      id,
      title: titleOf(target),
      url: resolveSiteUrl(target.url, siteUrl),
      score: Number.isFinite(score) ? score : 0,
    });
  }
  // stable: equal scores keep the catalog's order
  return related
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index)
    .map(({ item }) => item);
}

/** The paper itself as the popup shows it: {id, title, url} or null. */
export function describePaper(papersJson, arxivId, siteUrl) {
  const paper = findPaper(papersJson, arxivId);
  if (!paper) return null;
  return { id: String(paper.id ?? ""), title: titleOf(paper), url: resolveSiteUrl(paper.url, siteUrl) };
}
