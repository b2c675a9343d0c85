// One operation (/operations/NAME): its state, worker and timings per phase, its Action
// and Command, its result, and its stdout and stderr: followed live while it runs (the
// server's live log streams, polled), read from the CAS once it is done.
'use strict';

kiln.pages.operation = function (main, name) {
  const summary = kiln.el('div', { id: 'summary' });
  const phases = kiln.el('div', { id: 'phases' });
  const details = kiln.el('div', { id: 'details', class: 'grid2' });
  const result = kiln.el('div', { id: 'result' });
  const stdout = kiln.el('pre', { class: 'log', id: 'stdout' });
  const stderr = kiln.el('pre', { class: 'log', id: 'stderr' });
  kiln.show(main, kiln.el('h1', {}, name), summary, kiln.el('h2', {}, 'Time per phase'), phases,
    kiln.el('div', { class: 'grid2' },
      kiln.el('div', {}, kiln.el('h2', {}, 'stdout'), stdout),
      kiln.el('div', {}, kiln.el('h2', {}, 'stderr'), stderr)),
    details, result);

  let detailsShown = false;
  let logsStarted = false;
  kiln.poll(async () => {
    let data;
    try {
      data = await kiln.api('/api/operation?name=' + encodeURIComponent(name));
    } catch (e) {
      kiln.show(summary, kiln.errorBox(e));
      return true;
    }
    const op = data.operation;
    kiln.show(summary, operationSummary(op));
    kiln.show(phases, kiln.phaseBar(kiln.reapi.phases(data.timestamps, op.done ? 0 : data.now_unix_ms)));
    if (!detailsShown) {
      detailsShown = true;
      kiln.show(details, actionPanel(data, op), commandPanel(data));
    }
    if (!logsStarted && (op.done || data.stdout_stream)) {
      logsStarted = true;
      if (!op.done && data.stdout_stream) {
        followLog(data.stdout_stream, stdout);
        followLog(data.stderr_stream, stderr);
      } else {
        showOutput(data.result, 'stdout', stdout, op);
        showOutput(data.result, 'stderr', stderr, op);
      }
    }
    if (op.done) {
      kiln.show(result, data.result ? [kiln.el('h2', {}, 'Result'), kiln.reapi.actionResult(data.result, op.action_digest.function, op.instance)] : []);
      return false;
    }
    return true;
  }, 1000);
};

function operationSummary(op) {
  return kiln.kvTable([
    ['State', [kiln.stageBadge(op), op.cached ? ' (cached result)' : '']],
    ['Instance', op.instance || '(default)'],
    ['Action', kiln.digestLink(op.action_digest, 'Action', { instance: op.instance })],
    ['Worker', op.worker || kiln.el('span', { class: 'muted' }, 'not assigned yet')],
    ['Exit code', op.exit_code === null ? undefined : String(op.exit_code)],
    ['Status', op.status_code ? kiln.el('span', { class: 'error' }, op.status_message || 'code ' + op.status_code) : undefined],
    ['Created', kiln.fmtTime(op.created_unix_ms)],
  ]);
}

function actionPanel(data, op) {
  const body = data.action ? kiln.reapi.action(data.action, op.action_digest.function, op.instance)
    : kiln.errorBox(data.action_error || 'not available');
  return kiln.el('div', {}, kiln.el('h2', {}, 'Action'), body);
}

function commandPanel(data) {
  const body = data.command ? kiln.reapi.command(data.command) : kiln.errorBox(data.command_error || 'not available');
  return kiln.el('div', {}, kiln.el('h2', {}, 'Command'), body);
}

// Polls a live log stream from where the last read ended, appending to `pre`, until the
// stream is finalized.
function followLog(streamName, pre) {
  let offset = 0;
  kiln.poll(async () => {
    let chunk;
    try {
      chunk = await kiln.api('/api/log?name=' + encodeURIComponent(streamName) + '&offset=' + offset);
    } catch (e) {
      pre.append('\n[' + e.message + ']');
      return false;
    }
    if (chunk.elsewhere) {
      pre.append('[the live output is held by another server (' + chunk.holder +
        '), which this one does not reach; wait for the result]');
      return false;
    }
    if (chunk.data) pre.append(chunk.data);
    offset = chunk.next_offset;
    return !chunk.finalized;
  }, 1000);
}

// A finished action's stdout or stderr, from the CAS (or inline in the result).
async function showOutput(result, which, pre, op) {
  if (!result) { pre.append('(no result)'); return; }
  const raw = result[which + '_raw'];
  if (raw) { pre.append(atob(raw)); return; }
  const d = kiln.digest(result[which + '_digest'], op.action_digest.function);
  if (!d || d.size === 0) { pre.append(kiln.el('span', { class: 'muted' }, '(empty)')); return; }
  if (d.size > 1 << 20) { pre.append(kiln.el('a', { href: kiln.rawHref(d, which + '.txt', op.instance) }, 'download (' + kiln.fmtBytes(d.size) + ')')); return; }
  const response = await fetch(kiln.rawHref(d, '', op.instance), { credentials: 'same-origin' });
  pre.append(response.ok ? await response.text() : '[' + response.status + ']');
}
