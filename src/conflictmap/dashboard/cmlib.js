/*
 * cmLib: the JavaScript library embedded in the base map (loaded by
 * conflictmap.dashboard.map with importlib.resources; shipped as package data).
 *
 * Popups and tooltips are built with DOM calls and textContent only: article
 * text, place, zone and actor names are never parsed as HTML. Links are kept only for http(s) URLs.
 *
 * Event records (ev) are arrays, see conflictmap.dashboard.layers.EVENT_RECORD:
 * [sub, colour_actor, actors, place, date, date_precision, quote, article,
 *  event_id, geo_precision, category, before, after, n_sources, source];
 * codes index into the payload's T tables.
 */
window.cmLib = (function () {
  "use strict";
  var SAFE_URL = /^https?:\/\/[^\s"'<>\\]+$/i;
  var PREC = {1: "lieu précis", 2: "près d'un lieu", 3: "gouvernorat / région", 4: "pays"};
  var DPREC = {day: "jour", week: "semaine", month: "mois", year: "année"};
  var CAT = {incident: "Incident", control_change: "Changement de contrôle", deescalation: "Désescalade"};

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
    box.appendChild(el("div", "cm-h", sub[0] + " — " + (CAT[T.cat[r[10]]] || T.cat[r[10]] || "")));
    var dp = T.dp[r[5]] || "day";
    line(box, "Date", r[4] + (dp !== "day" ? " (précision : " + (DPREC[dp] || dp) + ")" : ""));
    if (withPlace) { line(box, "Lieu", (T.pl[r[3]] || "") + " — " + (PREC[r[9]] || "")); }
    var acts = [];
    for (var j = 0; j < r[2].length; j++) { acts.push(actorLabel(T, r[2][j])); }
    line(box, "Acteurs", acts.join(", "));
    if (r[12] >= 0) {
      line(box, "Contrôle", actorLabel(T, r[12]) + " prend " + (T.pl[r[3]] || "?") +
           (r[11] >= 0 ? " à " + actorLabel(T, r[11]) : ""));
    }
    if (r[6]) { box.appendChild(el("blockquote", null, r[6])); }
    var art = T.art[r[7]] || ["", ""];
    var src = el("div", "cm-m");
    src.appendChild(el("b", null, "Source : "));
    src.appendChild(document.createTextNode((T.src[r[14]] || "inconnue") + (r[13] > 1 ? " (+" + (r[13] - 1) + ")" : "") + " "));
    link(src, "article original ↗", art[1]);
    box.appendChild(src);
    box.appendChild(el("div", "cm-m", "Article " + art[0] + " — cliquez le point pour le lire à côté de la carte"));
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

  function pin(color, glyph, approx, selected) {
    var outer = el("div", "cm-pin" + (approx ? " cm-approx" : "") + (selected ? " cm-sel" : ""));
    outer.style.background = /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#757575";
    var i = el("i", "fa-solid " + (/^fa-[a-z0-9-]+$/.test(glyph) ? glyph : "fa-circle"));
    outer.appendChild(i);
    return L.divIcon({html: outer, className: "cm-divicon", iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10]});
  }

  function tag(layer, kind, count) { layer.cmKind = kind; layer.cmCount = count; return layer; }

  function points(data, parent) {
    var T = data.T, ev = data.ev, x = data.x, y = data.y, isControl = data.kind === "control";
    var group = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 36,
                                      spiderfyOnMaxZoom: true, chunkedLoading: true});
    var markers = [];
    for (var i = 0; i < ev.length; i++) {
      var r = ev[i];
      var colorActor = isControl ? r[12] : r[1];
      var glyph = (T.sub[r[0]] || ["", "fa-circle"])[1];
      var m = L.marker([y[i], x[i]], {icon: pin(actorColor(T, colorActor), glyph, r[9] >= 2, r[8] === data.sel),
                                      keyboard: false, title: T.pl[r[3]] || ""});
      m.cmEvent = r[8];
      m.bindPopup(popupFor(T, [r], null), {maxWidth: 340});
      markers.push(m);
    }
    group.addLayers(markers);
    group.addTo(parent);
    return tag(group, data.kind || "points", ev.length);
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
      var title = p.name + " — " + p.n + " événement(s) localisé(s) à l'échelle " +
                  (p.g >= 4 ? "du pays" : "du gouvernorat / de la région") +
                  (p.ev.length < p.n ? " (les " + p.ev.length + " plus récents)" : "");
      layer.bindPopup(popupFor(T, p.ev, title), {maxWidth: 360});
      layer.bindTooltip(tip(String(p.name) + " : " + p.n), {sticky: true});
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
      var text = c[2] + " événements dans cette maille (" + data.size + "°) — incidents " + c[4] + ", contrôle " + c[5] +
                 ", désescalade " + c[6] + ". Zoomez ou filtrez pour voir chaque point.";
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
        return {color: "#5e35b1", weight: 2, dashArray: approx ? "4 6" : null, fillColor: "#7e57c2",
                fillOpacity: approx ? 0.06 : 0.15};
      }});
      var label = p.name + " — " + p.valid_from + " → " + (p.valid_to || "…") +
                  (approx ? " (contour approximatif)" : "");
      layer.bindTooltip(tip(label), {sticky: true, className: "cm-zone-label"});
      layer.bindPopup((function (p, label) { return function () {
        var root = el("div", "cm-pop");
        root.appendChild(el("div", "cm-h", p.name));
        line(root, "Validité", p.valid_from + " → " + (p.valid_to || "ouverte"));
        line(root, "Parties", (p.parties || []).join(", "));
        line(root, "Source", p.source);
        line(root, "Tracé", (p.approximate ? "approximatif — " : "") + (p.method || ""));
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
        line(root, "Tenu par", h[3]);
        line(root, "Depuis", h[5]);
        line(root, "Auparavant", h[6]);
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

  function legend(data, map) {
    var ctl = L.control({position: "bottomright"});
    ctl.onAdd = function () {
      var box = el("div", "cm-legend");
      Object.keys(data).forEach(function (k) {
        var row = el("div");
        var dot = el("i");
        dot.style.background = /^#[0-9a-fA-F]{6}$/.test(data[k]) ? data[k] : "#757575";
        row.appendChild(dot);
        row.appendChild(document.createTextNode(k));
        box.appendChild(row);
      });
      return box;
    };
    ctl.addTo(map);
    return ctl;
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
          outline: outline, legend: legend, layers: layers, stats: stats};
})();
