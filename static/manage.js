// The manage page's live estimate: progressive enhancement, no inline script (CSP-friendly).
// The server renders the current sentence; this script asks GET /api/v1/manage/<token> every
// data-poll-seconds and rewrites the sentence in its aria-live="polite" element, formatting the
// times with Intl.DateTimeFormat in the page's language and the zone the page shows (data-zone).
(function () {
  "use strict";
  var element = document.querySelector("[data-live-estimate]");
  if (!element || !window.fetch || !window.Intl) {
    return;
  }
  var seconds = Math.max(1, parseInt(element.getAttribute("data-poll-seconds"), 10) || 45);
  var url = element.getAttribute("data-url") ||
    "/api/v1/manage/" + encodeURIComponent(element.getAttribute("data-token"));
  var format = formatter(element.getAttribute("data-lang") || undefined, element.getAttribute("data-zone"));
  if (!format) {
    return;  // an unknown zone or language: keep the server's sentence
  }

  function formatter(lang, zone) {
    // timeStyle "short" is the language's own short time (09:15, 9:15 AM), as the server writes it.
    var styles = [{timeStyle: "short"}, {hour: "numeric", minute: "2-digit"}];
    for (var i = 0; i < styles.length; i += 1) {
      try {
        styles[i].timeZone = zone || undefined;
        var format = new Intl.DateTimeFormat(lang, styles[i]);
        // A browser that knows no timeStyle ignores it (and would write a date): try the next.
        if (!styles[i].timeStyle || format.resolvedOptions().timeStyle) {
          return format;
        }
      } catch (e) {
        // an unknown zone or option: try the next
      }
    }
    return null;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function sentence(booking) {
    var start = new Date(booking.start);
    var estimate = new Date(booking.estimated_start || booking.start);
    if (isNaN(start.getTime()) || isNaN(estimate.getTime())) {
      return null;
    }
    var planned = format.format(start);
    if (estimate.getTime() === start.getTime()) {
      return {late: false, text: fill(element.getAttribute("data-text-on-time"), {planned: planned})};
    }
    return {late: true, text: fill(element.getAttribute("data-text-late"),
                                   {estimate: format.format(estimate), planned: planned})};
  }

  function show(booking) {
    var next = sentence(booking);
    // Only a real change is written: screen readers announce every change of a live region.
    if (next && element.textContent.trim() !== next.text) {
      element.textContent = next.text;
      element.classList.toggle("late", next.late);
    }
  }

  var timer = null;
  var busy = false;

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, seconds * 1000);
  }

  function answer(response) {
    if (response.status === 404) {
      return null;  // the link no longer leads to a booking: stop asking
    }
    return response.ok ? response.json() : {};
  }

  function handle(booking) {
    busy = false;
    if (booking === null || (booking.status && booking.status !== "confirmed")) {
      return;  // gone, arrived, done or cancelled: no estimate any more; a reload shows the news
    }
    if (booking.start) {
      show(booking);
    }
    schedule();
  }

  function poll() {
    if (busy || document.hidden) {
      return;  // a hidden tab asks again when it is shown
    }
    busy = true;
    fetch(url, {headers: {Accept: "application/json"}, cache: "no-store", credentials: "same-origin"})
      .then(answer)
      .then(handle)
      .catch(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !busy) {
      window.clearTimeout(timer);
      poll();
    }
  });
  schedule();
})();
