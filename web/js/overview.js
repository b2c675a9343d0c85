// The overview (/): the server's numbers, live (a poll every 2 s; rates from the difference
// of two polls), the last hour's queue and throughput charts, and the latest failures.
'use strict';

kiln.pages.overview = function (main) {
  const cards = kiln.el('div', { class: 'cards', id: 'cards' });
  const charts = kiln.el('div', { class: 'grid2', id: 'charts' });
  const failures = kiln.el('div', { id: 'failures' });
  kiln.show(main, kiln.el('h1', {}, 'Overview'), cards, kiln.el('h2', {}, 'Last hour'), charts,
    kiln.el('h2', {}, 'Recent failures'), failures);

  // The charts: the server's samples (every 10 s) followed by this page's own polls since
  // the last of them, so that they move as the cards do.
  let history = [];
  let live = [];
  const drawCharts = () => {
    const last = history.length ? history[history.length - 1].unix_ms : 0;
    live = live.filter((p) => p.unix_ms > last);
    kiln.show(charts, historyCharts(history.concat(live)));
  };

  let previous = null;
  kiln.poll(async () => {
    try {
      const now = await kiln.api('/api/overview');
      kiln.show(cards, overviewCards(now, previous));
      live.push({
        unix_ms: now.unix_ms, queued: now.queued, busy_slots: now.busy_slots,
        requests_per_second: rate(now, previous, 'requests_total'), actions_per_second: rate(now, previous, 'actions_total'),
      });
      previous = now;
      drawCharts();
    } catch (e) { kiln.show(cards, kiln.errorBox(e)); }
  }, 2000);

  kiln.poll(async () => {
    try {
      history = (await kiln.api('/api/history')).points;
      drawCharts();
    } catch (e) { kiln.show(charts, kiln.errorBox(e)); }
  }, 10000);

  kiln.poll(async () => {
    try {
      const page = await kiln.api('/api/operations?failed=1&limit=10');
      kiln.show(failures, kiln.pages.operationsTable(page.operations, 'No failed operations.'));
    } catch (e) { kiln.show(failures, kiln.errorBox(e)); }
  }, 5000);
};

function rate(now, before, key) {
  if (!before || now[key] === null || before[key] === null) return null;
  const seconds = (now.unix_ms - before.unix_ms) / 1000;
  return seconds > 0 && now[key] >= before[key] ? (now[key] - before[key]) / seconds : null;
}

function card(id, label, value, sub, meterPercent) {
  return kiln.el('div', { class: 'card', id: 'card-' + id },
    kiln.el('div', { class: 'label' }, label),
    kiln.el('div', { class: 'value' }, value),
    sub ? kiln.el('div', { class: 'sub' }, sub) : null,
    meterPercent !== undefined ? meter(meterPercent) : null);
}

function meter(percent) {
  const bar = kiln.el('div');
  bar.style.width = Math.min(100, Math.max(0, percent)).toFixed(1) + '%';
  return kiln.el('div', { class: 'meter' }, bar);
}

function overviewCards(now, before) {
  const lookups = (now.cache_hits_total || 0) + (now.cache_misses_total || 0);
  const ratio = lookups > 0 ? (100 * now.cache_hits_total) / lookups : null;
  const fill = now.cas_capacity_bytes > 0 && now.cas_stored_bytes !== null ? (100 * now.cas_stored_bytes) / now.cas_capacity_bytes : undefined;
  const slots = (now.busy_slots || 0) + (now.idle_slots || 0);
  return [
    card('requests', 'Requests / s', kiln.fmtNumber(rate(now, before, 'requests_total')), kiln.fmtNumber(now.requests_total, 0) + ' in all'),
    card('hit-ratio', 'Cache hit ratio', ratio === null ? '—' : ratio.toFixed(1) + ' %',
      kiln.fmtNumber(now.cache_hits_total, 0) + ' hits, ' + kiln.fmtNumber(now.cache_misses_total, 0) + ' misses'),
    card('cas', 'CAS fill', fill === undefined ? kiln.fmtBytes(now.cas_stored_bytes) : fill.toFixed(1) + ' %',
      kiln.fmtBytes(now.cas_stored_bytes) + ' of ' + kiln.fmtBytes(now.cas_capacity_bytes), fill),
    card('evictions', 'CAS evictions', kiln.fmtNumber(now.cas_evicted_blobs_total, 0),
      kiln.fmtNumber(rate(now, before, 'cas_evicted_blobs_total')) + ' / s'),
    card('queue', 'Queue', kiln.fmtNumber(now.queued, 0), 'actions waiting for a worker'),
    card('workers', 'Workers', kiln.fmtNumber(now.workers, 0), kiln.fmtNumber(now.busy_slots, 0) + ' of ' + slots + ' slots busy',
      slots > 0 ? (100 * now.busy_slots) / slots : undefined),
    card('actions', 'Actions / s', kiln.fmtNumber(rate(now, before, 'actions_total')),
      kiln.fmtNumber(now.actions_total, 0) + ' run, ' + kiln.fmtNumber(now.actions_failed_total, 0) + ' failed'),
  ];
}

function historyCharts(points) {
  const to = points.length ? points[points.length - 1].unix_ms : Date.now();
  const from = to - 3600 * 1000;
  const series = (key) => points.map((p) => [p.unix_ms, p[key]]);
  return [
    kiln.lineChart('Queue length and busy slots', [
      { name: 'queued actions', cls: 's0', points: series('queued') },
      { name: 'busy slots', cls: 's1', points: series('busy_slots') },
    ], from, to),
    kiln.lineChart('Throughput (per second)', [
      { name: 'actions', cls: 's2', points: series('actions_per_second') },
      { name: 'requests', cls: 's3', points: series('requests_per_second') },
    ], from, to),
  ];
}
