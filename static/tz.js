// Progressive enhancement only: without it the pages work and show the business's time zone.
// The server includes this script when the address names no `tz`; it then switches to the
// browser's own zone. A page that lists times reloads once with `tz`; a page without times just
// carries the zone into its links and forms, which saves the reload.
(function () {
  "use strict";
  var script = document.currentScript;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !script || zone === script.getAttribute("data-zone")) {
    return;
  }

  function withZone(href) {
    var url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin) {
      return null;
    }
    url.searchParams.set("tz", zone);
    return url.toString();
  }

  if (script.hasAttribute("data-times")) {
    // After "load", so the reload interrupts no request of this page.
    window.addEventListener("load", function () {
      window.location.replace(withZone(window.location.href));
    });
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll("a[href*='tz=']"), function (link) {
    var href = withZone(link.getAttribute("href"));
    if (href) {
      link.setAttribute("href", href);
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("input[name='tz']"), function (input) {
    input.value = zone;
  });
})();
