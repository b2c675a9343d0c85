// The workers (/workers): id, platform, slots, what each runs, refreshed every 2 s; admins
// get a drain / undrain button per worker (a drained worker finishes what it runs and
// takes nothing new).
'use strict';

kiln.pages.workers = function (main) {
  const list = kiln.el('div', { id: 'workers' }, kiln.el('p', { class: 'muted' }, 'Loading…'));
  const status = kiln.el('div');
  kiln.show(main, kiln.el('h1', {}, 'Workers'), status, list);

  const refresh = async () => {
    try {
      const data = await kiln.api('/api/workers');
      kiln.show(list, workersTable(data, refresh, status));
    } catch (e) { kiln.show(list, kiln.errorBox(e)); }
  };
  kiln.poll(refresh, 2000);
};

function workersTable(data, refresh, status) {
  const headers = ['Worker', 'Platform', 'Slots', 'Running', 'State'];
  if (data.can_drain) headers.push('');
  return kiln.table(headers, data.workers.map((w) => {
    const state = w.drained ? kiln.el('span', { class: 'badge drained' }, w.connected ? 'drained' : 'drained, away')
      : kiln.el('span', { class: 'badge completed' }, 'active');
    const row = [
      kiln.el('span', { class: 'mono' }, w.id),
      w.platform.map((p) => kiln.el('div', { class: 'mono' }, p.name + '=' + p.value)),
      w.running.length + ' / ' + (w.slots || '?'),
      w.running.map((name) => kiln.el('div', {}, kiln.el('a', { href: kiln.operationHref(name), class: 'mono' }, name.replace(/^operations\//, '').slice(0, 16)))),
      state,
    ];
    if (data.can_drain) {
      const action = w.drained ? 'undrain' : 'drain';
      row.push(kiln.el('button', {
        class: w.drained ? '' : 'danger',
        onclick: async () => {
          try {
            await kiln.post('/api/workers/' + action + '?id=' + encodeURIComponent(w.id));
            kiln.show(status);
          } catch (e) { kiln.show(status, kiln.errorBox(e)); }
          refresh();
        },
      }, w.drained ? 'Undrain' : 'Drain'));
    }
    return row;
  }), 'No workers are registered.');
}
