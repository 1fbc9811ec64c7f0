/*
 * cmLib: the JavaScript library embedded in the base map (loaded by
 * conflictmap.dashboard.map with importlib.resources; shipped as package data).
 *
 * Popups and tooltips are built with DOM calls and textContent only: article
 * text, place, zone and actor names are never parsed as HTML. Links are kept only for http(s) URLs.
 *
 * Event records (ev) are arrays, see conflictmap.dashboard.layers.EVENT_RECORD:
 * [sub, colour_actor, actors, place, date, date_precision, quote, article,
 *  event_id, geo_precision, category, before, after, n_sources, source, origin];
 * codes index into the payload's T tables.
 *
 * The strings shown come from texts() (the UI language, set by the base map); the
 * markers of every event layer share one cluster group per map, so a stack of
 * events at one spot is one cluster that spiderfies, whatever their category.
 */
window.cmLib = (function () {
  "use strict";
  var SAFE_URL = /^https?:\/\/[^\s"'<>\\]+$/i;
  var TX = {date: "Date", place: "Lieu", actors: "Acteurs", control: "Contrôle", takes: "prend", from: "à",
            source: "Source", unknown: "inconnue", original: "article original ↗",
            read_beside: "cliquez le point pour lire sa source à côté de la carte", article: "Article",
            precision: "précision", events_n: "événement(s)", area_at: "localisé(s) à l'échelle",
            of_country: "du pays", of_region: "du gouvernorat / de la région", most_recent: "les {n} plus récents",
            approx_outline: "contour approximatif", validity: "Validité", open: "ouverte", parties: "Parties",
            outline: "Tracé", approx: "approximatif", held_by: "Tenu par", since: "Depuis", before: "Auparavant",
            cell: "{n} événements dans cette maille ({d}°) — incidents {i}, contrôle {c}, désescalade {e}.",
            n_events_here: "{n} événements ici", legend: "Légende", fit: "Ajuster aux résultats",
            uploaded: "issu de vos articles", undated: "non daté",
            prec: {1: "lieu précis", 2: "près d'un lieu", 3: "gouvernorat / région", 4: "pays"},
            dprec: {day: "jour", week: "semaine", month: "mois", year: "année"},
            cat: {incident: "Incident", control_change: "Changement de contrôle", deescalation: "Désescalade"}};
  var ZONE = {color: "#6d4c41", fill: "#a1887f"};  // brown: no actor side uses it

  function fmt(s, o) { return String(s).replace(/\{(\w+)\}/g, function (m, k) { return o[k] !== undefined ? o[k] : m; }); }
  function texts(data) {
    Object.keys(data || {}).forEach(function (k) { if (typeof data[k] === "string") { TX[k] = data[k]; } });
    if (data && data.lang_prec) { TX.prec = data.lang_prec; }
    if (data && data.lang_dprec) { TX.dprec = data.lang_dprec; }
    if (data && data.lang_cat) { TX.cat = data.lang_cat; }
    return TX;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function line(parent, label, value) {
    if (value === undefined || value === null || value === "") { return; }
    var d = el("div", "cm-m");
    d.appendChild(el("b", null, label + " : "));
    d.appendChild(document.createTextNode(String(value)));
    parent.appendChild(d);
  }
  // Tooltip content as a DOM node: Leaflet parses a string tooltip as HTML.
  function tip(text) { return el("span", "cm-tip", text); }
  function link(parent, text, url) {
    if (typeof url !== "string" || !SAFE_URL.test(url)) { return false; }
    var a = el("a", null, text);
    a.setAttribute("href", url);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer nofollow");
    parent.appendChild(a);
    return true;
  }
  function actorLabel(T, i) { return (i >= 0 && T.act[i]) ? T.act[i][0] : ""; }
  function actorColor(T, i) { return (i >= 0 && T.act[i]) ? T.act[i][1] : "#757575"; }

  function eventBlock(T, r, withPlace) {
    var box = el("div", "cm-ev");
    var sub = T.sub[r[0]] || ["?", ""];
    box.appendChild(el("div", "cm-h", sub[0] + " — " + (TX.cat[T.cat[r[10]]] || T.cat[r[10]] || "")));
    var dp = T.dp[r[5]] || "day";
    line(box, TX.date, r[4] ? r[4] + (dp !== "day" ? " (" + TX.precision + " : " + (TX.dprec[dp] || dp) + ")" : "")
                           : TX.undated);
    if (withPlace) { line(box, TX.place, (T.pl[r[3]] || "") + " — " + (TX.prec[r[9]] || "")); }
    var acts = [];
    for (var j = 0; j < r[2].length; j++) { acts.push(actorLabel(T, r[2][j])); }
    line(box, TX.actors, acts.join(", "));
    if (r[12] >= 0) {
      line(box, TX.control, actorLabel(T, r[12]) + " " + TX.takes + " " + (T.pl[r[3]] || "?") +
           (r[11] >= 0 ? " " + TX.from + " " + actorLabel(T, r[11]) : ""));
    }
    if (r[6]) { box.appendChild(el("blockquote", null, r[6])); }
    var art = T.art[r[7]] || ["", ""];
    var src = el("div", "cm-m");
    src.appendChild(el("b", null, TX.source + " : "));
    src.appendChild(document.createTextNode((T.src[r[14]] || TX.unknown) + (r[13] > 1 ? " (+" + (r[13] - 1) + ")" : "") + " "));
    link(src, TX.original, art[1]);
    box.appendChild(src);
    if (r[15] === 1) { box.appendChild(el("div", "cm-m cm-upl", TX.uploaded)); }
    if (r[16] === 1) { line(box, TX.status, TX.claimed); }
    if (r[17] !== undefined && r[17] !== null) { line(box, TX.confidence, Math.round(r[17] * 100) + " %"); }
    box.appendChild(el("div", "cm-m", TX.article + " " + art[0] + " — " + TX.read_beside));
    return box;
  }

  function popupFor(T, recs, title) {
    return function () {
      var root = el("div", "cm-pop");
      if (title) { root.appendChild(el("div", "cm-h", title)); }
      var list = recs.length > 1 ? el("div", "cm-list") : root;
      for (var i = 0; i < recs.length; i++) {
        var b = eventBlock(T, recs[i], true);
        if (recs.length > 1) { b.className += " cm-item"; }
        list.appendChild(b);
      }
      if (list !== root) { root.appendChild(list); }
      return root;
    };
  }

  function pin(color, glyph, approx, selected, extra) {
    var outer = el("div", "cm-pin" + (approx ? " cm-approx" : "") + (selected ? " cm-sel" : "") + (extra || ""));
    outer.style.background = /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#757575";
    var i = el("i", "fa-solid " + (/^fa-[a-z0-9-]+$/.test(glyph) ? glyph : "fa-circle"));
    outer.appendChild(i);
    return L.divIcon({html: outer, className: "cm-divicon", iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10]});
  }

  function tag(layer, kind, count) { layer.cmKind = kind; layer.cmCount = count; return layer; }

  // One cluster group per map for every event layer (stacks at one spot stay one cluster).
  function cluster(map) {
    if (!map.cmCluster) {
      map.cmCluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 36,
                                           spiderfyOnMaxZoom: true, chunkedLoading: true,
                                           spiderfyDistanceMultiplier: 1.6});
      map.cmCluster.addTo(map);
    }
    return map.cmCluster;
  }

  function points(data, parent) {
    var T = data.T, ev = data.ev, x = data.x, y = data.y, isControl = data.kind === "control";
    var markers = [];
    for (var i = 0; i < ev.length; i++) {
      var r = ev[i];
      var colorActor = isControl ? r[12] : r[1];
      var glyph = (T.sub[r[0]] || ["", "fa-circle"])[1];
      var extra = (r[15] === 1 ? " cm-upload" : "") + (r[4] ? "" : " cm-undated") + (r[16] === 1 ? " cm-claimed" : "");
      var m = L.marker([y[i], x[i]], {icon: pin(actorColor(T, colorActor), glyph, r[9] >= 2, r[8] === data.sel, extra),
                                      keyboard: false, title: T.pl[r[3]] || ""});
      m.cmEvent = r[8];
      m.bindPopup(popupFor(T, [r], null), {maxWidth: 340});
      markers.push(m);
    }
    var holder = L.layerGroup();
    holder.cmMarkers = markers;
    holder.on("add", function () { cluster(holder._map).addLayers(markers); });
    holder.on("remove", function () { if (holder._map && holder._map.cmCluster) { holder._map.cmCluster.removeLayers(markers); } });
    holder.addTo(parent);
    return tag(holder, data.kind || "points", ev.length);
  }

  function areas(data, parent) {
    var T = data.T, group = L.featureGroup();
    var n = 0;
    for (var i = 0; i < data.places.length; i++) {
      var p = data.places[i];
      var color = actorColor(T, p.k);
      var style = {color: color, weight: 2, dashArray: "6 6", fillColor: color, fillOpacity: 0.08, opacity: 0.9};
      var layer;
      if (p.geom) {
        layer = L.geoJSON({type: "Feature", properties: {}, geometry: p.geom}, {style: function () { return style; }});
      } else {
        layer = L.circle([p.y, p.x], L.extend({radius: p.r}, style));
      }
      var title = p.name + " — " + p.n + " " + TX.events_n + " " + TX.area_at + " " +
                  (p.g >= 4 ? TX.of_country : TX.of_region) +
                  (p.ev.length < p.n ? " (" + fmt(TX.most_recent, {n: p.ev.length}) + ")" : "");
      layer.bindPopup(popupFor(T, p.ev, title), {maxWidth: 360});
      layer.bindTooltip(tip(String(p.name) + " — " + fmt(TX.n_events_here, {n: p.n})), {sticky: true});
      layer.cmPlace = p.id;
      group.addLayer(layer);
      n += p.n;
    }
    group.addTo(parent);
    return tag(group, data.kind || "areas", n);
  }

  function grid(data, parent) {
    var group = L.featureGroup(), n = 0;
    for (var i = 0; i < data.cells.length; i++) {
      var c = data.cells[i];
      var color = /^#[0-9a-fA-F]{6}$/.test(c[3]) ? c[3] : "#757575";
      var radius = 4 + 3 * Math.log(1 + c[2]) / Math.LN2;
      var cm = L.circleMarker([c[1], c[0]], {radius: radius, color: "#fff", weight: 1, fillColor: color, fillOpacity: 0.75});
      var text = fmt(TX.cell, {n: c[2], d: data.size, i: c[4], c: c[5], e: c[6]});
      cm.bindPopup((function (t) { return function () { return el("div", "cm-pop", t); }; })(text));
      group.addLayer(cm);
      n += c[2];
    }
    group.addTo(parent);
    return tag(group, data.kind || "grid", n);
  }

  function zones(data, parent) {
    var group = L.featureGroup(), names = [];
    for (var i = 0; i < data.features.length; i++) {
      var f = data.features[i], p = f.properties;
      var approx = !!p.approximate;
      var layer = L.geoJSON(f, {style: function () {
        return {color: ZONE.color, weight: 2, dashArray: approx ? "4 6" : null, fillColor: ZONE.fill,
                fillOpacity: approx ? 0.08 : 0.18};
      }});
      var label = p.name + " — " + p.valid_from + " → " + (p.valid_to || "…") +
                  (approx ? " (" + TX.approx_outline + ")" : "");
      layer.bindTooltip(tip(label), {sticky: true, className: "cm-zone-label"});
      layer.bindPopup((function (p, label) { return function () {
        var root = el("div", "cm-pop");
        root.appendChild(el("div", "cm-h", p.name));
        line(root, TX.validity, p.valid_from + " → " + (p.valid_to || TX.open));
        line(root, TX.parties, (p.parties || []).join(", "));
        line(root, TX.source, p.source);
        line(root, TX.outline, (p.approximate ? TX.approx + " — " : "") + (p.method || ""));
        return root;
      }; })(p, label));
      group.addLayer(layer);
      names.push(String(p.zone_id));
    }
    group.addTo(parent);
    group.cmNames = names;
    return tag(group, "zones", data.features.length);
  }

  function held(data, parent) {
    var group = L.featureGroup();
    for (var i = 0; i < data.pl.length; i++) {
      var h = data.pl[i];
      var color = /^#[0-9a-fA-F]{6}$/.test(h[4]) ? h[4] : "#757575";
      var cm = L.circleMarker([h[1], h[0]], {radius: 9, color: color, weight: 3, fill: true, fillColor: "#fff", fillOpacity: 0.6});
      cm.bindTooltip(tip(String(h[2]) + " : " + String(h[3])));
      cm.bindPopup((function (h) { return function () {
        var root = el("div", "cm-pop");
        root.appendChild(el("div", "cm-h", h[2]));
        line(root, TX.held_by, h[3]);
        line(root, TX.since, h[5]);
        line(root, TX.before, h[6]);
        return root;
      }; })(h));
      group.addLayer(cm);
    }
    group.addTo(parent);
    return tag(group, "held", data.pl.length);
  }

  function focus(data, parent) {
    var ring = L.circleMarker([data.y, data.x], {radius: 20, color: "#ffb300", weight: 4, fill: false, interactive: false});
    ring.addTo(parent);
    return tag(ring, "focus", 1);
  }

  function outline(data, map) {
    var layer = L.geoJSON(data, {interactive: false, style: function (f) {
      var focus = f.properties && f.properties.focus;
      return {color: focus ? "#37474f" : "#90a4ae", weight: focus ? 2 : 1, fillColor: focus ? "#fffdf5" : "#f5f5f5",
              fillOpacity: focus ? 0.35 : 0.2};
    }});
    layer.addTo(map);
    return tag(layer, "outline", data.features.length);
  }

  function sample(kind) {
    var s = el("span", "cm-lg-sample");
    var box;
    if (kind === "precise") { box = pin("#757575", "fa-circle-exclamation", false, false).options.html; }
    else if (kind === "near") { box = pin("#757575", "fa-circle-exclamation", true, false).options.html; }
    else if (kind === "upload") { box = pin("#757575", "fa-circle-exclamation", false, false, " cm-upload").options.html; }
    else if (kind === "undated") { box = pin("#757575", "fa-circle-exclamation", false, false, " cm-undated").options.html; }
    else if (kind === "claimed") { box = pin("#757575", "fa-circle-exclamation", false, false, " cm-claimed").options.html; }
    else if (kind === "selected") { box = pin("#757575", "fa-circle-exclamation", false, true).options.html; }
    else {
      box = el("span");
      var st = box.style;
      st.display = "inline-block"; st.width = "14px"; st.height = "14px"; st.borderRadius = "50%";
      if (kind === "area") { st.border = "2px dashed #757575"; st.background = "rgba(117,117,117,.1)"; }
      else if (kind === "ring") { st.border = "3px solid #c62828"; st.background = "#fff"; }
      else if (kind === "zone") { st.borderRadius = "2px"; st.border = "2px solid " + ZONE.color; st.background = ZONE.fill; st.opacity = ".7"; }
      else if (kind === "cluster") {
        st.width = "18px"; st.height = "18px"; st.background = "rgba(69,90,100,.9)"; st.color = "#fff";
        st.fontSize = "9px"; st.textAlign = "center"; st.lineHeight = "18px"; box.textContent = "3";
      }
    }
    s.appendChild(box);
    return s;
  }

  function legend(data, map) {
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      var box = el("div", "cm-legend");
      var det = el("details");
      det.open = !(window.innerWidth > 0 && window.innerWidth < 700);  // folded on a phone or beside the reader
      det.appendChild(el("summary", null, data.title || TX.legend));
      function row(sampleNode, text, kind) {
        var r = el("div", "cm-lg-row");
        r.setAttribute("data-kind", kind);
        r.appendChild(sampleNode);
        r.appendChild(el("span", null, text));
        det.appendChild(r);
      }
      det.appendChild(el("div", "cm-lg-h", data.t_sides));
      (data.sides || []).forEach(function (sd) {
        var dot = el("i", "cm-dot");
        dot.style.background = /^#[0-9a-fA-F]{6}$/.test(sd[1]) ? sd[1] : "#757575";
        var w = el("span", "cm-lg-sample"); w.appendChild(dot);
        row(w, sd[0], "side");
      });
      det.appendChild(el("div", "cm-lg-h", data.t_types));
      (data.icons || []).forEach(function (ic) {
        var w = el("span", "cm-lg-sample");
        w.appendChild(el("i", "fa-solid " + (/^fa-[a-z0-9-]+$/.test(ic[0]) ? ic[0] : "fa-circle")));
        row(w, ic[1], "icon");
      });
      det.appendChild(el("div", "cm-lg-h", data.t_shapes));
      (data.shapes || []).forEach(function (sh) { row(sample(sh[0]), sh[1], "shape-" + sh[0]); });
      box.appendChild(det);
      // folded when the map gets narrow (reader open, phone) unless the reader unfolded it by hand
      var userSet = false;
      det.querySelector("summary").addEventListener("click", function () { userSet = true; });
      map.on("resize", function () { if (!userSet) { det.open = map.getSize().x >= 700; } });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(map);
    var fitCtl = L.control({position: "topleft"});
    fitCtl.onAdd = function () {
      var b = el("a", "cm-fit", "⤢ " + TX.fit);
      b.setAttribute("role", "button");
      b.setAttribute("href", "#");
      L.DomEvent.on(b, "click", function (e) { L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e); fitAll(map); });
      return b;
    };
    fitCtl.addTo(map);
    return ctl;
  }

  function boundsOf(map) {
    var b = L.latLngBounds([]);
    layers(map).forEach(function (l) {
      if (l.cmKind === "outline" || l.cmKind === "focus" || l.cmKind === "zones") { return; }
      if (l.cmMarkers) { l.cmMarkers.forEach(function (m) { b.extend(m.getLatLng()); }); }
      else if (l.getBounds) { try { b.extend(l.getBounds()); } catch (err) { /* empty group */ } }
    });
    return b;
  }
  function fitAll(map) {
    var b = boundsOf(map);
    if (b.isValid()) { map.fitBounds(b, {padding: [24, 24], maxZoom: 11}); }
  }

  // Fit the map to the visible events (sent when the filters change, not the time window).
  function fit(data, parent) {
    var ring = L.layerGroup();
    ring.on("add", function () {
      var map = ring._map;
      setTimeout(function () { map.fitBounds(data.b, {padding: [24, 24], maxZoom: 10}); }, 0);
    });
    ring.addTo(parent);
    return ring;
  }

  // Permanent labels of the main towns (readable without tiles), under the markers.
  function towns(data, map) {
    if (!map.getPane("cmTowns")) { map.createPane("cmTowns").style.zIndex = 450; }
    var group = L.layerGroup();
    for (var i = 0; i < data.length; i++) {
      var d = data[i];
      L.tooltip({permanent: true, direction: "center", className: "cm-town", interactive: false, pane: "cmTowns"})
        .setLatLng([d[1], d[0]]).setContent(tip(d[2])).addTo(group);
    }
    group.addTo(map);
    // labels placed before the frame had its size would keep a stale position: re-place them
    map.on("resize zoomend viewreset", function () { group.eachLayer(function (l) { if (l._map) { l.update(); } }); });
    setTimeout(function () { group.eachLayer(function (l) { if (l._map) { l.update(); } }); }, 300);
    return tag(group, "towns", data.length);
  }

  function layers(map) {
    var out = [];
    map.eachLayer(function (l) { if (l.cmKind) { out.push(l); } });
    return out;
  }
  function stats(map) {
    var s = {};
    layers(map).forEach(function (l) { s[l.cmKind] = (s[l.cmKind] || 0) + l.cmCount; });
    return s;
  }

  return {points: points, areas: areas, grid: grid, zones: zones, held: held, focus: focus,
          outline: outline, legend: legend, layers: layers, stats: stats, texts: texts, towns: towns,
          fit: fit, fitAll: fitAll, cluster: cluster};
})();
