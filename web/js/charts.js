// Small SVG charts drawn by hand: a line chart over time (queue length, throughput) and a
// stacked bar of an operation's phases. Colours come from the style sheet's s0..s3 classes.
'use strict';

kiln.svg = function (tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};

// A legend: [{name, cls}].
kiln.legend = function (items) {
  return kiln.el('div', { class: 'legend' },
    items.map((item) => kiln.el('span', {}, kiln.el('span', { class: 'swatch ' + item.cls }), item.name)));
};

// series: [{name, cls, points: [[unixMs, value|null], ...]}] over [fromMs, toMs].
kiln.lineChart = function (title, series, fromMs, toMs) {
  const W = 600, H = 200, left = 44, right = 10, top = 22, bottom = 24;
  const plotW = W - left - right, plotH = H - top - bottom;
  let max = 0;
  for (const s of series) for (const [, v] of s.points) if (v !== null && v > max) max = v;
  max = max <= 0 ? 1 : niceCeiling(max);
  const x = (t) => left + ((t - fromMs) / (toMs - fromMs)) * plotW;
  const y = (v) => top + plotH - (v / max) * plotH;
  const svg = kiln.svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(kiln.svg('text', { x: left, y: 14 }, title));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(kiln.svg('line', { class: 'grid', x1: left, x2: W - right, y1: y(v), y2: y(v) }));
    svg.append(kiln.svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, kiln.fmtNumber(v, max < 10 ? 2 : 0)));
  }
  const minutes = Math.round((toMs - fromMs) / 60000);
  for (let m = 0; m <= minutes; m += Math.max(1, Math.round(minutes / 6))) {
    const t = toMs - m * 60000;
    svg.append(kiln.svg('text', { x: x(t), y: H - 6, 'text-anchor': 'middle' }, m === 0 ? 'now' : '-' + m + ' min'));
  }
  svg.append(kiln.svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotH }));
  svg.append(kiln.svg('line', { class: 'axis', x1: left, x2: W - right, y1: top + plotH, y2: top + plotH }));
  series.forEach((s) => {
    // A gap where a value is missing (the server restarted, a rate without a previous point).
    let path = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null || t < fromMs) { pen = false; continue; }
      path += (pen ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
      pen = true;
    }
    if (path) svg.append(kiln.svg('path', { class: 'line ' + s.cls, d: path }));
    const last = s.points.filter((p) => p[1] !== null).pop();
    if (last) svg.append(kiln.svg('circle', { class: s.cls, cx: x(last[0]), cy: y(last[1]), r: 3 }));
  });
  return kiln.el('div', {}, svg, kiln.legend(series));
};

function niceCeiling(value) {
  const step = Math.pow(10, Math.floor(Math.log10(value)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

// phases: [{name, ms, cls}] (ms null: not reached). A stacked horizontal bar with each
// phase's share of the whole, and its duration in the legend.
kiln.phaseBar = function (phases) {
  const W = 600, H = 46, pad = 4;
  const total = phases.reduce((sum, p) => sum + (p.ms || 0), 0);
  const svg = kiln.svg('svg', { class: 'chart phases', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Time per phase' });
  let x = pad;
  for (const p of phases) {
    if (!p.ms || total <= 0) continue;
    const w = ((W - 2 * pad) * p.ms) / total;
    const rect = kiln.svg('rect', { class: p.cls, x: x.toFixed(1), y: pad, width: Math.max(1, w).toFixed(1), height: H - 2 * pad, rx: 3 });
    rect.append(kiln.svg('title', {}, p.name + ': ' + kiln.fmtDuration(p.ms)));
    svg.append(rect);
    x += w;
  }
  if (total <= 0) svg.append(kiln.svg('text', { x: W / 2, y: H / 2 + 4, 'text-anchor': 'middle' }, 'no timings yet'));
  const legend = kiln.legend(phases.map((p) => ({ name: p.name + ' ' + kiln.fmtDuration(p.ms), cls: p.cls })));
  return kiln.el('div', { class: 'phase-chart' }, svg, legend);
};
