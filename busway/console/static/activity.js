// Live event activity: asks busway for the bus's latest events every second (the
// Busway.ListRecentEvents operation, as `busway events tail` does) and redraws the table when
// they changed. Text is set with textContent only, never parsed as HTML.
(function () {
  "use strict";
  var root = document.getElementById("activity");
  if (!root) { return; }
  var bus = root.getAttribute("data-bus");
  var limit = parseInt(root.getAttribute("data-limit"), 10) || 25;
  var rows = document.getElementById("activity-rows");
  var status = document.getElementById("activity-status");
  var last = null;
  var labels = { PENDING: "pending", RETRYING: "retrying", DELIVERED: "delivered",
    DEAD_LETTERED: "dead-lettered", DROPPED: "dropped", FAILED: "failed" };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function ruleName(arn) { return arn.substring(arn.lastIndexOf("/") + 1); }

  function shownTime(iso) { return iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC"); }

  function deliveryItem(d) {
    var label = labels[d.State] || d.State.toLowerCase();
    var item = el("li");
    item.appendChild(el("span", ruleName(d.RuleArn) + " \u2192 " + d.TargetId + ": "));
    item.appendChild(el("strong", label, "state-" + label));
    var details = [];
    if (d.Attempts) { details.push(d.Attempts + (d.Attempts === 1 ? " attempt" : " attempts")); }
    if (d.NextAttemptAt) { details.push("next attempt " + shownTime(d.NextAttemptAt)); }
    if (d.ErrorCode) { details.push(d.ErrorCode); }
    if (details.length) { item.appendChild(el("span", " (" + details.join(", ") + ")")); }
    return item;
  }

  function eventRow(e) {
    var row = el("tr");
    var time = el("th", shownTime(e.Time));
    time.setAttribute("scope", "row");
    row.appendChild(time);
    row.appendChild(el("td", e.Source));
    row.appendChild(el("td", e.DetailType));
    var rules = el("td");
    if (e.Deliveries.length) {
      var list = el("ul", null, "deliveries");
      e.Deliveries.forEach(function (d) { list.appendChild(deliveryItem(d)); });
      rules.appendChild(list);
    } else {
      rules.textContent = "matched no rule with targets";
    }
    row.appendChild(rules);
    var body = el("td");
    var details = el("details");
    details.appendChild(el("summary", e.Id));
    var pre = el("pre");
    try { pre.textContent = JSON.stringify(JSON.parse(e.Event), null, 2); }
    catch (err) { pre.textContent = e.Event; }
    details.appendChild(pre);
    body.appendChild(details);
    row.appendChild(body);
    return row;
  }

  function render(events) {
    var open = {};
    rows.querySelectorAll("details[open] summary").forEach(function (s) { open[s.textContent] = true; });
    while (rows.firstChild) { rows.removeChild(rows.firstChild); }
    if (!events.length) {
      var empty = el("tr");
      var cell = el("td", "No events yet.");
      cell.setAttribute("colspan", "5");
      empty.appendChild(cell);
      rows.appendChild(empty);
    }
    events.slice().reverse().forEach(function (e) {
      var row = eventRow(e);
      if (open[e.Id]) { row.querySelector("details").setAttribute("open", ""); }
      rows.appendChild(row);
    });
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("POST", "/");
    request.setRequestHeader("Content-Type", "application/x-amz-json-1.1");
    request.setRequestHeader("X-Amz-Target", "Busway.ListRecentEvents");
    request.timeout = 5000;
    request.onloadend = function () {
      if (request.status === 200) {
        if (request.responseText !== last) {
          last = request.responseText;
          var events = JSON.parse(last).Events;
          render(events);
          status.textContent = events.length + " recent events, updated live.";
        }
      } else {
        status.textContent = "Could not reach busway; retrying.";
      }
      window.setTimeout(poll, 1000);
    };
    request.send(JSON.stringify({ EventBusName: bus, Limit: limit }));
  }

  poll();
})();
