// The distribution of an amount's changes as an SVG bar chart, drawn in the page (no library,
// nothing from another origin): one bar per exact change (−600 元, +100 元 …), its height the
// number of applicants. Gains and losses in different colours, so the direction reads at a glance.

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `changes`: {"-600": 12, "100": 40}; unit: 元. Returns an <svg> or null when there is nothing to draw. */
export function changeChart(title, changes, unit = '') {
  const entries = Object.entries(changes ?? {});
  if (entries.length === 0) return null;
  const width = 640;
  const height = 220;
  const left = 48;
  const bottom = 40;
  const top = 28;
  const max = Math.max(...entries.map(([, n]) => n));
  const slot = (width - left - 8) / entries.length;
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'impact-chart', width: '100%' });
  svg.appendChild(el('title', {}, `${title}的变化分布`));
  svg.appendChild(el('text', { x: left, y: 16, class: 'chart-title' }, `${title}的变化分布（人数）`));
  svg.appendChild(el('line', { x1: left, y1: height - bottom, x2: width - 8, y2: height - bottom, stroke: '#888' }));
  svg.appendChild(el('text', { x: left - 6, y: top + 4, 'text-anchor': 'end', class: 'chart-axis' }, String(max)));
  svg.appendChild(el('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end', class: 'chart-axis' }, '0'));
  entries.forEach(([value, n], i) => {
    const h = ((height - bottom - top) * n) / max;
    const x = left + i * slot + (slot - barWidth) / 2;
    const gain = !value.startsWith('-');
    const label = `${gain ? '+' : ''}${value}${unit}`;
    const bar = el('rect', { x, y: height - bottom - h, width: barWidth, height: Math.max(1, h), fill: gain ? '#2e7d32' : '#c62828' });
    bar.appendChild(el('title', {}, `${label}：${n} 人`));
    bar.setAttribute('data-change', value);
    bar.setAttribute('data-count', String(n));
    svg.appendChild(bar);
    svg.appendChild(el('text', { x: x + barWidth / 2, y: height - bottom - h - 4, 'text-anchor': 'middle', class: 'chart-count' }, String(n)));
    if (entries.length <= 16) svg.appendChild(el('text', { x: x + barWidth / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'chart-axis' }, label));
  });
  return svg;
}
