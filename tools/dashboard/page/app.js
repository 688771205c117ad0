// The estate dashboard page: one WebSocket (/live), views rebuilt from the JSON the server sends. Shapes are
// those of tools/dashboard/views.ts. Everything is built with DOM calls and textContent, never innerHTML, so
// a premises id or a note can never become markup.

const PAGE_SIZE = 50;
/** Traffic lines kept on the page; older ones fall off the bottom. */
const TRAFFIC_KEPT = 200;
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = {
  /** @type {WebSocket | null} */
  ws: null,
  summary: null,
  page: null,
  offset: 0,
  filter: { text: '', hub: '', device: '', status: '' },
  /** @type {string | null} */
  selected: null,
  detail: null,
  traffic: [],
  skipped: 0,
  retryMs: 500,
  /** What the server lets the operator do (hello.actions); nothing until it says so. */
  actions: { inject: false },
  /** The inject form shown for the selected premises, kept across refreshes so what is typed survives. @type {HTMLFormElement | null} */
  injectForm: null,
};

/** Limits the server enforces too (tools/dashboard/protocol.ts). */
const INJECT_LEVEL = { min: -120, max: 0, initial: -60 };
const INJECT_MINUTES = { min: 1 / 60, max: 7 * 24 * 60, initial: 60 };

// --- small helpers ---------------------------------------------------------------------------------------

/**
 * Creates an element: `attrs` may hold `class`, `text`, `title`, `data-*`, other attributes, and `on*`
 * handlers; children are nodes or strings (null/false are skipped, so conditionals read naturally).
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
}

const fmtInt = (n) => Number(n).toLocaleString('en-GB');
const fmtPct = (hundredths) => `${(hundredths / 100).toFixed(2)} %`;
/** Simulated time is UTC. */
const fmtTime = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const fmtClock = (ms) => new Date(ms).toISOString().slice(11, 19);
const fmtDbm = (x) => (x === null || x === undefined ? '—' : `${x.toFixed(1)} dBm`);
const plural = (n, one, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

function fmtAgo(ms, nowMs) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86400).toFixed(1)} d ago`;
}

// --- connection ------------------------------------------------------------------------------------------

function connect() {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(url);
  state.ws = ws;
  setConn('connecting', 'connecting…');
  ws.addEventListener('open', () => {
    state.retryMs = 500;
    setConn('live', 'live');
    requestPage();
    if (state.selected !== null) send({ t: 'select', id: state.selected });
  });
  ws.addEventListener('message', (ev) => onMessage(JSON.parse(ev.data)));
  ws.addEventListener('close', () => {
    setConn('offline', 'offline — retrying');
    // Back off so a stopped estate is not hammered; a restarted one is found again within seconds.
    setTimeout(connect, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 8000);
  });
}

function setConn(st, text) {
  const el = document.getElementById('conn');
  el.dataset.state = st;
  el.textContent = text;
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

function onMessage(m) {
  switch (m.t) {
    case 'hello':
      // A reconnect starts the list afresh from the server's own recent lines.
      state.traffic = [];
      state.skipped = 0;
      document.querySelector('#traffic tbody').replaceChildren();
      addTraffic(m.recent, 0);
      renderSummary(m.summary);
      // A restarted server may offer other actions: the form is rebuilt (or dropped) to match.
      state.actions = { inject: m.actions?.inject === true };
      state.injectForm = null;
      renderDetail();
      break;
    case 'summary':
      renderSummary(m.summary);
      break;
    case 'page':
      state.page = m.page;
      renderPage();
      break;
    case 'detail':
      if (m.id === state.selected) {
        state.detail = m.detail;
        renderDetail();
      }
      break;
    case 'traffic':
      addTraffic(m.records, m.skipped);
      break;
    case 'injected':
      injectDone(m.premises, 'ok', `Injected ${m.levelDbm} dBm on ${bandLabel(m.band)} for ${fmtMinutes(m.durationMs)}.`);
      break;
    case 'error':
      if (m.re === 'inject') injectDone(null, 'error', m.msg);
      else console.warn('dashboard server:', m.msg);
      break;
  }
}

// --- summary ---------------------------------------------------------------------------------------------

function renderSummary(sum) {
  const first = state.summary === null;
  state.summary = sum;
  document.getElementById('clock').textContent = `${fmtTime(sum.nowMs)} UTC`;
  const kinds = Object.entries(sum.devices).sort(([a], [b]) => a.localeCompare(b));
  const t = sum.traffic;
  const card = (k, v, ...rest) => h('div', { class: 'card' }, h('div', { class: 'k', text: k }), h('div', { class: 'v', text: v }), ...rest);
  document.getElementById('summary').replaceChildren(
    card('Premises', fmtInt(sum.premises), h('div', { class: 'sub', text: `${fmtInt(sum.live)} live · ${fmtInt(sum.premises - sum.live)} idle` })),
    card(
      'Hubs',
      fmtInt(sum.hubs.single + sum.hubs.dual),
      h('div', { class: 'chips' }, h('span', { class: 'badge single', text: `single band ${fmtInt(sum.hubs.single)}` }), h('span', { class: 'badge dual', text: `dual band ${fmtInt(sum.hubs.dual)}` })),
    ),
    card(
      'Devices',
      fmtInt(kinds.reduce((n, [, c]) => n + c, 0)),
      h('div', { class: 'chips' }, kinds.map(([k, c]) => h('span', { class: 'chip', text: `${k.toUpperCase()} ${fmtInt(c)}` }))),
      h('div', { class: 'sub', text: `${fmtInt(sum.subGhzDevices)} on Sub GHz` }),
    ),
    card(
      'Traffic',
      fmtInt(t.commands + t.responses + t.alerts),
      h(
        'div',
        { class: 'chips' },
        h('span', { class: 'badge command', text: `cmd ${fmtInt(t.commands)}` }),
        h('span', { class: 'badge response', text: `rsp ${fmtInt(t.responses)}` }),
        h('span', { class: 'badge alert', text: `alert ${fmtInt(t.alerts)}` }),
        h('span', { class: 'badge drop', text: `drop ${fmtInt(t.drops)}` }),
      ),
    ),
    card('Premises with alerts', fmtInt(sum.premisesWithAlerts), h('div', { class: 'sub', text: `${fmtInt(t.alerts)} alerts in all` })),
  );
  if (first) fillDeviceFilter(kinds.map(([k]) => k));
}

function fillDeviceFilter(kinds) {
  const select = document.querySelector('#filters select[name=device]');
  for (const k of kinds) select.append(h('option', { value: k, text: k.toUpperCase() }));
}

// --- premises list ---------------------------------------------------------------------------------------

function currentFilter() {
  const f = {};
  for (const [k, v] of Object.entries(state.filter)) if (v) f[k] = v;
  return f;
}

function requestPage() {
  send({ t: 'page', offset: state.offset, limit: PAGE_SIZE, filter: currentFilter() });
}

function select(id) {
  state.selected = id;
  state.detail = null;
  renderDetail();
  send({ t: 'select', id });
  for (const tr of document.querySelectorAll('#premises-table tbody tr')) tr.classList.toggle('selected', tr.dataset.id === id);
}

function renderPage() {
  const p = state.page;
  const nowMs = state.summary ? state.summary.nowMs : Date.now();
  const rows = p.rows.map((r) =>
    h(
      'tr',
      {
        'data-id': r.id,
        class: r.id === state.selected ? 'selected' : null,
        tabindex: 0,
        onclick: () => select(r.id),
        onkeydown: (e) => e.key === 'Enter' && select(r.id),
      },
      h('td', {}, h('span', { class: 'pid', text: r.id }), h('span', { class: 'mono', text: r.hubEui })),
      h('td', {}, h('span', { class: `badge ${r.hub}`, text: r.hub === 'dual' ? 'dual band' : 'single band' })),
      h('td', { class: 'nowrap' }, r.devices.map((d) => h('span', { class: `chip${d.band === 'subGHz' ? ' subghz' : ''}`, title: d.band === 'subGHz' ? 'Sub GHz' : '2.4 GHz', text: d.kind.toUpperCase() }))),
      h(
        'td',
        { class: 'nowrap', title: r.stats.lastActivityMs ? `last activity ${fmtTime(r.stats.lastActivityMs)}` : 'no traffic yet' },
        h('span', { class: `status${r.live ? ' live' : ''}`, text: r.live ? 'live' : 'idle' }),
        r.stats.lastActivityMs !== null && h('span', { class: 'muted', text: ` · ${fmtAgo(r.stats.lastActivityMs, nowMs)}` }),
      ),
      h('td', { class: 'num' }, h('span', { class: `badge ${r.stats.alerts ? 'count' : 'zero'}`, text: fmtInt(r.stats.alerts) })),
      h('td', { class: 'num', text: fmtInt(r.stats.commands + r.stats.responses + r.stats.alerts) }),
    ),
  );
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 6, class: 'empty', text: 'No premises match.' })));
  document.querySelector('#premises-table tbody').replaceChildren(...rows);
  const last = Math.min(p.offset + p.rows.length, p.total);
  document.getElementById('range').textContent = p.total ? `${fmtInt(p.offset + 1)}–${fmtInt(last)} of ${fmtInt(p.total)}` : '0 of 0';
  const nav = document.getElementById('pager');
  nav.querySelector('[data-go=first]').disabled = nav.querySelector('[data-go=prev]').disabled = p.offset === 0;
  nav.querySelector('[data-go=next]').disabled = nav.querySelector('[data-go=last]').disabled = p.offset + PAGE_SIZE >= p.total;
}

function go(where) {
  const total = state.page ? state.page.total : 0;
  const lastOffset = Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
  const next = { first: 0, prev: state.offset - PAGE_SIZE, next: state.offset + PAGE_SIZE, last: lastOffset }[where];
  state.offset = Math.max(0, Math.min(next, lastOffset));
  requestPage();
}

// --- one premises ----------------------------------------------------------------------------------------

/**
 * The detail panel is three parts: what is above the inject form, the form, and what is below it. The
 * server refreshes the detail every second or so; only the parts around the form are rebuilt, so a level
 * being typed or a band being picked is not lost (nor its focus).
 */
function renderDetail() {
  const panel = document.getElementById('detail');
  const d = state.detail;
  if (state.selected === null || !d) {
    state.injectForm = null;
    delete panel.dataset.for;
    const text = state.selected === null ? 'Select a premises to see its HAN, its Sub GHz radio and its traffic.' : `Loading ${state.selected}…`;
    return panel.replaceChildren(h('p', { class: 'empty', text }));
  }
  if (panel.dataset.for !== d.id) {
    panel.dataset.for = d.id;
    state.injectForm = null;
    panel.replaceChildren(h('div', { class: 'detail-part', 'data-part': 'top' }), h('div', { class: 'detail-part', 'data-part': 'actions' }), h('div', { class: 'detail-part', 'data-part': 'rest' }));
  }
  const [top, actions, rest] = ['top', 'actions', 'rest'].map((k) => panel.querySelector(`[data-part=${k}]`));
  const st = d.stats;
  const above = [
    h(
      'div',
      { class: 'detail-head' },
      h('h2', { text: d.id }),
      h('span', { class: `badge ${d.hub.band}`, text: d.hub.band === 'dual' ? 'dual band' : 'single band' }),
      h('span', { class: `status${d.live ? ' live' : ''}`, text: d.live ? 'live' : 'idle' }),
      h('span', { class: 'muted', text: `CHTS ${d.hub.chts} · GBCS ${d.hub.gbcs}` }),
      h('span', { class: 'mono muted', title: 'Comms hub EUI', text: `CHF ${d.hub.eui}` }),
    ),
    h(
      'div',
      { class: 'statline' },
      h('b', { text: fmtInt(st.commands) }), ' commands · ',
      h('b', { text: fmtInt(st.responses) }), ' responses · ',
      h('b', { text: fmtInt(st.alerts) }), ' alerts · ',
      h('b', { text: fmtInt(st.drops) }), ' dropped · last activity ',
      h('b', { text: st.lastActivityMs ? fmtTime(st.lastActivityMs) : '—' }),
    ),
    !d.live &&
      h(
        'div',
        { class: 'idle-note' },
        h('span', { text: 'Idle: nothing has reached this premises, so only its spec exists. Looking inside builds it, as a command would.' }),
        h('button', { type: 'button', class: 'primary', id: 'build', text: 'Look inside', onclick: () => send({ t: 'select', id: d.id, build: true }) }),
      ),
    h('h3', { text: 'HAN' }),
    h('div', { class: 'bands' }, d.bands.map(bandCard)),
    devicesTable(d.devices),
    h('h4', { text: 'Injected interference' }),
    interferenceList(d.interference, d.nowMs),
  ];
  const below = [
    d.subGhz && subGhzSection(d.subGhz, d.nowMs),
    h('h3', { text: 'Recent traffic here' }),
    d.recent.length ? h('div', { class: 'table-wrap' }, trafficTable(d.recent.slice().reverse())) : h('p', { class: 'muted', text: 'No traffic yet.' }),
  ];
  top.replaceChildren(...above.filter(Boolean));
  rest.replaceChildren(...below.filter(Boolean));
  const formKey = `${d.id} ${d.hub.band}`;
  if (!state.actions.inject) {
    state.injectForm = null;
    actions.replaceChildren();
  } else if (!state.injectForm || state.injectForm.dataset.key !== formKey) {
    state.injectForm = injectForm(d);
    state.injectForm.dataset.key = formKey;
    actions.replaceChildren(state.injectForm);
  }
}

// --- operator actions --------------------------------------------------------------------------------------

const bandLabel = (band) => (band === 'subGHz' ? 'Sub GHz' : '2.4 GHz');

function fmtMinutes(ms) {
  const min = ms / 60000;
  if (min >= 1440 && min % 1440 === 0) return plural(min / 1440, 'day');
  if (min >= 60 && min % 60 === 0) return plural(min / 60, 'hour');
  return min >= 1 ? `${+min.toFixed(2)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Interference on the channel the hub uses now, on one band: the server applies it through the estate (which
 * journals it) and answers `injected`, or an error shown here. Sub GHz is offered only for a dual band hub.
 */
function injectForm(d) {
  const numberInput = (name, label, lim, step) =>
    h('input', { type: 'number', name, id: `inject-${name}`, 'aria-label': label, required: true, min: lim.min, max: lim.max, step, value: lim.initial });
  const status = h('span', { class: 'inject-status muted', id: 'inject-status', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'inject-button', text: 'Inject interference' });
  const form = h(
    'form',
    { class: 'inject', id: 'inject', 'data-premises': d.id, 'aria-label': `Inject interference at ${d.id}` },
    h(
      'label',
      {},
      h('span', { class: 'k', text: 'Band' }),
      h(
        'select',
        { name: 'band', id: 'inject-band' },
        h('option', { value: '2.4GHz', text: '2.4 GHz' }),
        d.hub.band === 'dual' && h('option', { value: 'subGHz', text: 'Sub GHz' }),
      ),
    ),
    h('label', {}, h('span', { class: 'k', text: 'Level' }), numberInput('level', 'Level in dBm', INJECT_LEVEL, 'any'), h('span', { class: 'muted', text: 'dBm' })),
    h('label', {}, h('span', { class: 'k', text: 'Duration' }), numberInput('minutes', 'Duration in minutes', INJECT_MINUTES, 'any'), h('span', { class: 'muted', text: 'min' })),
    button,
    status,
  );
  form.addEventListener('submit', (e) => {
    // Only reached once the browser's own checks (range, required) pass; the server checks the same again.
    e.preventDefault();
    const data = new FormData(form);
    const msg = {
      t: 'inject',
      premises: d.id,
      band: String(data.get('band')),
      levelDbm: Number(data.get('level')),
      durationMs: Math.round(Number(data.get('minutes')) * 60000),
    };
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return setInjectStatus(form, 'error', 'Not connected to the estate.');
    button.disabled = true;
    setInjectStatus(form, 'pending', `Injecting ${msg.levelDbm} dBm on ${bandLabel(msg.band)}…`);
    send(msg);
  });
  return form;
}

function setInjectStatus(form, kind, text) {
  const el = form.querySelector('#inject-status');
  el.className = `inject-status ${kind === 'error' ? 'warn' : kind === 'ok' ? 'ok' : 'muted'}`;
  el.textContent = text;
}

/** The server's answer to the form's request (`premises` null: an error, which answers the pending one). */
function injectDone(premises, kind, text) {
  const form = state.injectForm;
  if (!form || (premises !== null && form.dataset.premises !== premises)) return;
  form.querySelector('#inject-button').disabled = false;
  setInjectStatus(form, kind, text);
}

function bandCard(b) {
  return h(
    'div',
    { class: `band ${b.band}` },
    h('div', { class: 'name', text: b.band === 'subGHz' ? 'Sub GHz' : '2.4 GHz' }),
    h('div', { class: 'ch', text: b.channel }),
    h('div', { class: 'muted', text: `noise ${fmtDbm(b.noiseDbm)} · ${plural(b.devices, 'device')}` }),
  );
}

function devicesTable(devices) {
  return h(
    'table',
    { class: 'grid devices', id: 'devices' },
    h('thead', {}, h('tr', {}, ['Device', 'EUI', 'Channel', 'RSSI', 'LQI', 'SNR', 'Loss'].map((t, i) => h('th', { class: i >= 3 && i !== 4 ? 'num' : null, text: t })))),
    h(
      'tbody',
      {},
      devices.map((dv) =>
        h(
          'tr',
          { 'data-eui': dv.eui },
          h('td', {}, h('span', { class: `chip${dv.band === 'subGHz' ? ' subghz' : ''}`, text: dv.kind.toUpperCase() }), dv.subGhzJoined === false && h('span', { class: 'warn', text: ' not joined' })),
          h('td', { class: 'mono', text: dv.eui }),
          h('td', { text: dv.channel }),
          h('td', { class: 'num', text: `${dv.link ? dv.link.rssiDbm : dv.baseRssiDbm} dBm` }),
          h('td', { class: 'lqi-cell' }, dv.link ? lqiBar(dv.link.lqi) : h('span', { class: 'muted', text: '—' })),
          h('td', { class: 'num', text: dv.link ? `${dv.link.snrDb.toFixed(1)} dB` : '—' }),
          h('td', { class: 'num', text: dv.link ? `${(dv.link.packetErrorRate * 100).toFixed(1)} %` : '—' }),
        ),
      ),
    ),
  );
}

function lqiBar(lqi) {
  const fill = h('i');
  fill.style.width = `${Math.round((lqi / 255) * 100)}%`;
  return h('span', { class: `lqi ${lqi >= 170 ? 'high' : lqi >= 85 ? 'mid' : 'low'}`, title: 'Link quality indicator, 0-255' }, h('span', { class: 'bar' }, fill), h('span', { class: 'lqi-value', text: String(lqi) }));
}

function interferenceList(list, nowMs) {
  if (!list.length) return h('p', { class: 'muted', text: 'None active.' });
  return h(
    'ul',
    { class: 'plain', id: 'interference' },
    list.map((i) =>
      h(
        'li',
        {},
        h('b', { text: `${i.levelDbm} dBm` }),
        ` on ${i.channel}`,
        i.onOperating && h('span', { class: 'warn', text: ' (operating channel)' }),
        h('span', { class: 'muted', text: ` · ${fmtClock(i.fromMs)}–${fmtClock(i.toMs)}, ${Math.round((i.toMs - nowMs) / 60000)} min left` }),
      ),
    ),
  );
}

function stat(label, value, note) {
  return h('div', { class: 'stat' }, h('div', { class: 'k', text: label }), h('div', { class: 'v' }, value), h('div', { class: 'muted', text: note }));
}

function subGhzSection(sg, nowMs) {
  return h(
    'div',
    { id: 'subghz' },
    h('h3', { text: 'Sub GHz' }),
    h(
      'div',
      { class: 'stats' },
      stat('Duty cycle', h('span', { class: 'duty-now', id: 'duty-now', text: fmtPct(sg.dutyHundredths) }), `of the rolling ${Math.round(sg.windowMs / 60000)} min`),
      stat('Level', h('span', { class: `badge level-${sg.level}`, id: 'duty-level', text: sg.level }), 'as the hub last judged it'),
      stat('Operating channel', h('span', { id: 'operating', text: sg.operating }), `noise ${fmtDbm(sg.noiseDbm)}`),
      stat('Devices', h('span', { text: `${sg.joined} of ${sg.capacity}` }), 'joined on Sub GHz'),
    ),
    h('figure', { class: 'chart', id: 'duty-chart' }, dutyChart(sg, nowMs), h('figcaption', { text: `Duty cycle against the Limited / Critical / Regulated thresholds (${fmtPct(sg.thresholds.limited)} / ${fmtPct(sg.thresholds.critical)} / ${fmtPct(sg.thresholds.regulated)}) · ${plural(sg.samples.length, 'sample')}` })),
    h('h4', { text: 'Channel log' }),
    sg.channelLog.length
      ? h(
          'table',
          { class: 'grid', id: 'channel-log' },
          h('thead', {}, h('tr', {}, ['Time', 'Alert', 'Channel', 'Seq'].map((t) => h('th', { text: t })))),
          h(
            'tbody',
            {},
            sg.channelLog
              .slice()
              .reverse()
              .map((e) => h('tr', {}, h('td', { class: 'mono', text: fmtTime(e.atMs) }), h('td', { title: e.alertCode, text: e.alertName }), h('td', { text: e.channel }), h('td', { class: 'num', text: e.sequence ?? '—' }))),
          ),
        )
      : h('p', { class: 'muted', text: 'No channel changes yet.' }),
  );
}

// --- the duty-cycle chart ----------------------------------------------------------------------------------

/** A round step for axis ticks near `span / n`. */
function niceStep(span, n) {
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw) ?? 10 * mag;
}

/** Time-axis steps a reader counts in: minutes, quarter and half hours, hours, days. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((min) => min * 60_000);

/**
 * Duty cycle over simulated time as an inline SVG: the samples as a step line (the value holds until the
 * next reading), the three thresholds as dashed lines over tinted zones, and the latest value marked.
 */
function dutyChart(sg, nowMs) {
  const W = 720;
  const H = 230;
  const m = { l: 46, r: 104, t: 12, b: 26 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const samples = sg.samples.length ? sg.samples : [{ atMs: nowMs, hundredths: sg.dutyHundredths }];
  const th = sg.thresholds;
  const xMax = Math.max(nowMs, samples[samples.length - 1].atMs);
  // At least ten minutes across, so a single sample sits at the right edge rather than filling the chart.
  const xMin = Math.min(samples[0].atMs, xMax - 600_000);
  const peak = Math.max(...samples.map((p) => p.hundredths));
  const yMax = Math.max(th.regulated * 1.2, peak * 1.1, 1);
  const x = (ms) => m.l + ((ms - xMin) / (xMax - xMin)) * pw;
  const y = (v) => m.t + ph - (Math.min(v, yMax) / yMax) * ph;

  const svgEl = s('svg', { class: 'duty-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Sub GHz duty cycle over time', 'data-samples': samples.length });
  svgEl.append(s('title', { text: `Duty cycle ${fmtPct(sg.dutyHundredths)}; thresholds ${fmtPct(th.limited)}, ${fmtPct(th.critical)}, ${fmtPct(th.regulated)}` }));

  // Zones between thresholds, so the level a value falls in reads at a glance.
  const zone = (from, to, cls) => s('rect', { class: cls, x: m.l, y: y(to), width: pw, height: Math.max(0, y(from) - y(to)) });
  svgEl.append(zone(th.limited, th.critical, 'zone-limited'), zone(th.critical, th.regulated, 'zone-critical'), zone(th.regulated, yMax, 'zone-regulated'));

  const yStep = niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    svgEl.append(s('line', { class: 'grid-line', x1: m.l, x2: m.l + pw, y1: y(v), y2: y(v) }), s('text', { class: 'tick', x: m.l - 6, y: y(v) + 3, 'text-anchor': 'end', text: `${(v / 100).toFixed(2)}%` }));
  }
  const xStep = TIME_STEPS.find((st) => st >= (xMax - xMin) / 6) ?? TIME_STEPS[TIME_STEPS.length - 1];
  for (let t = Math.ceil(xMin / xStep) * xStep; t <= xMax; t += xStep) {
    svgEl.append(s('text', { class: 'tick', x: x(t), y: H - 8, 'text-anchor': 'middle', text: fmtClock(t).slice(0, 5) }));
  }

  for (const [name, v] of [['limited', th.limited], ['critical', th.critical], ['regulated', th.regulated]]) {
    svgEl.append(
      s('line', { class: `threshold ${name}`, x1: m.l, x2: m.l + pw, y1: y(v), y2: y(v) }),
      s('text', { class: `th-label ${name}`, x: m.l + pw + 6, y: y(v) + 3, text: `${name[0].toUpperCase()}${name.slice(1)} ${(v / 100).toFixed(2)}%` }),
    );
  }

  // Step line: each reading holds until the next one; the last holds until now.
  let d = `M ${x(samples[0].atMs)} ${y(samples[0].hundredths)}`;
  for (let i = 1; i < samples.length; i++) d += ` H ${x(samples[i].atMs)} V ${y(samples[i].hundredths)}`;
  d += ` H ${x(xMax)}`;
  svgEl.append(s('path', { class: 'area', d: `${d} V ${y(0)} H ${x(samples[0].atMs)} Z` }), s('path', { class: 'line', d }));
  const last = samples[samples.length - 1];
  svgEl.append(s('circle', { class: 'dot', cx: x(xMax), cy: y(last.hundredths), r: 4 }));
  svgEl.append(s('rect', { class: 'frame', x: m.l, y: m.t, width: pw, height: ph }));
  return svgEl;
}

// --- traffic ---------------------------------------------------------------------------------------------

const DIR = { 'wan-in': ['⇣ in', 'from the head-end'], 'wan-out': ['⇡ out', 'to the head-end'], 'han-drop': ['✕ drop', 'lost on the HAN or discarded'] };

const alertLabel = (r) => h('span', { class: 'alert-name', title: r.alertCode, text: `${r.alertCode} ${r.alertName}` });

/**
 * One traffic line. The estate-wide table has a column each for premises and alert; the compact one (inside
 * a premises) leaves out the premises and puts the alert under the message to fit the narrower panel.
 */
function trafficRow(r, { compact = false, fresh = false } = {}) {
  const [dirText, dirTitle] = DIR[r.direction] ?? [r.direction, ''];
  const message = h('td', { class: 'msg' }, h('span', { class: 'uc', text: r.useCase }), h('span', { class: 'title', text: r.title }), compact && r.alertCode && h('div', {}, alertLabel(r)));
  return h(
    'tr',
    { class: fresh ? 'fresh' : null, title: [r.note, `${r.bytes} bytes`].filter(Boolean).join(' · ') },
    h('td', { class: 'mono', title: fmtTime(r.atMs), text: fmtClock(r.atMs) }),
    !compact && h('td', {}, h('span', { class: 'linkish', text: r.premises, onclick: () => select(r.premises) })),
    h('td', {}, h('span', { class: `dir ${r.direction}`, title: dirTitle, text: dirText })),
    h('td', {}, h('span', { class: `badge ${r.direction === 'han-drop' ? 'drop' : r.cra}`, text: r.cra })),
    h('td', { class: 'mono', text: r.messageCode }),
    message,
    !compact && h('td', {}, r.alertCode ? alertLabel(r) : h('span', { class: 'muted', text: '—' })),
    h('td', { class: 'party' }, h('b', { title: r.from, text: r.fromLabel }), ' → ', h('b', { title: r.to, text: r.toLabel })),
  );
}

/** The compact table of one premises' traffic, newest first. */
function trafficTable(records) {
  return h(
    'table',
    { class: 'grid traffic-table compact' },
    h('thead', {}, h('tr', {}, ['Time', 'Dir', 'CRA', 'Code', 'Message', 'From → To'].map((t) => h('th', { text: t })))),
    h('tbody', {}, records.map((r) => trafficRow(r, { compact: true }))),
  );
}

/** New lines go on top; the page keeps the newest TRAFFIC_KEPT. */
function addTraffic(records, skipped) {
  const body = document.querySelector('#traffic tbody');
  const fresh = state.traffic.length > 0;
  state.skipped += skipped;
  body.querySelector('td.empty')?.parentElement?.remove();
  for (const r of records) {
    state.traffic.unshift(r);
    body.prepend(trafficRow(r, { fresh }));
  }
  while (state.traffic.length > TRAFFIC_KEPT) {
    state.traffic.pop();
    body.lastElementChild?.remove();
  }
  if (!state.traffic.length) body.replaceChildren(h('tr', {}, h('td', { colspan: 8, class: 'empty', text: 'No traffic yet.' })));
  document.getElementById('traffic-note').textContent = `newest ${fmtInt(state.traffic.length)} lines${state.skipped ? ` · ${fmtInt(state.skipped)} skipped to keep up` : ''}`;
}

// --- wiring ----------------------------------------------------------------------------------------------

function wire() {
  const form = document.getElementById('filters');
  let debounce;
  const changed = () => {
    clearTimeout(debounce);
    // Typing sends one request when the user pauses, not one per key (each is a scan of the estate).
    debounce = setTimeout(() => {
      const data = new FormData(form);
      state.filter = { text: String(data.get('text') ?? ''), hub: String(data.get('hub') ?? ''), device: String(data.get('device') ?? ''), status: String(data.get('status') ?? '') };
      state.offset = 0;
      requestPage();
    }, 200);
  };
  form.addEventListener('input', changed);
  form.addEventListener('submit', (e) => e.preventDefault());
  document.getElementById('pager').addEventListener('click', (e) => {
    const go_ = e.target instanceof HTMLElement ? e.target.dataset.go : undefined;
    if (go_) go(go_);
  });
  connect();
}

wire();
