// Rule-set summaries as the API lists them, in one shape for the pages.

export function rulesetList(data) {
  const list = Array.isArray(data) ? data : data?.rulesets ?? data?.items ?? [];
  return list.map(summary);
}

/** The version in force today (GET /v1/rulesets: in_force names it), else the latest. */
export function currentVersion(rs) {
  const versions = rs.versions ?? [];
  return versions.find((v) => v.in_force === true) ?? versions.find((v) => v.version === rs.in_force) ?? versions[versions.length - 1] ?? null;
}

/** {id, title, version, inForce, effective_from, effective_to, source, description} of the version in force. */
export function summary(rs) {
  const cur = currentVersion(rs) ?? {};
  return {
    id: rs.id,
    title: cur.title ?? rs.title,
    description: cur.definition?.description,
    version: cur.version,
    inForce: typeof rs.in_force === 'string' || cur.in_force === true,
    effective_from: cur.effective_from ?? null,
    effective_to: cur.effective_to ?? null,
    source: cur.source ?? rs.source,
    versions: rs.versions ?? [],
  };
}

export function effectiveText(rs) {
  const from = rs.effective_from ? `${rs.effective_from} 起施行` : '原文未载明施行日期（视为自始施行）';
  const to = rs.effective_to ? `，至 ${rs.effective_to} 止` : '';
  return from + to;
}

export function sourceText(source) {
  if (!source) return '';
  const where = source.section ? ` ${source.section}` : '';
  return `《${source.document}》${where}`;
}
