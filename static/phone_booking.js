// The phone booking page: find the customer as you type. Progressive enhancement, no inline
// script: without it the search is a GET form listing the matches as links. With it, typing asks
// GET /app/customers/lookup?q= (a moment after the last key), the matches become buttons in the
// same list, their number is announced in the aria-live line, and a press picks the customer for
// the booking form below without leaving the page. Arrow keys move between input and matches.
(function () {
  "use strict";
  var search = document.querySelector("form.customer-search");
  var booking = document.querySelector("form.phone-booking");
  if (!search || !booking || !window.fetch) {
    return;
  }
  var input = search.querySelector("input[name=q]");
  var list = document.getElementById("customer-results");
  var count = document.getElementById("customer-count");
  var chosen = booking.querySelector("[data-chosen-customer]");
  var newCustomer = booking.querySelector("[data-new-customer]");
  var customerId = booking.querySelector("[data-customer-id]");
  var url = search.getAttribute("data-lookup-url");
  var DELAY_MS = 200;
  var timer = null;
  var asked = 0;  // only the answer to the latest question is shown

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function announce(text) {
    // Only a real change is written: screen readers announce every change of a live region.
    if (count.textContent !== text) {
      count.textContent = text;
    }
  }

  function countText(number) {
    if (number === 0) {
      return count.getAttribute("data-none");
    }
    return fill(count.getAttribute(number === 1 ? "data-one" : "data-many"), {count: String(number)});
  }

  function part(tag, text) {
    var element = document.createElement(tag);
    element.textContent = text;  // never innerHTML: names are what people typed
    return element;
  }

  function button(customer) {
    var choice = document.createElement("button");
    choice.type = "button";
    choice.className = "customer-choice";
    choice.setAttribute("data-customer", String(customer.id));
    choice.appendChild(part("strong", customer.name));
    choice.appendChild(document.createTextNode(" "));
    choice.appendChild(part("span", customer.email));
    if (customer.phone) {
      choice.appendChild(document.createTextNode(" "));
      choice.appendChild(part("span", customer.phone));
    }
    choice.addEventListener("click", function () {
      pick(customer);
    });
    return choice;
  }

  function show(customers) {
    list.textContent = "";
    customers.forEach(function (customer) {
      var item = document.createElement("li");
      item.appendChild(button(customer));
      list.appendChild(item);
    });
    announce(countText(customers.length));
  }

  function clear() {
    list.textContent = "";
    announce("");
  }

  function lookup() {
    var text = input.value.trim();
    var ticket = ++asked;
    if (!text) {
      clear();
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(text), {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && ticket === asked) {
          show(answer.customers || []);
        }
      })
      .catch(function () {
        // offline or logged out: the search button still works the old way
      });
  }

  function setField(name, value) {
    var element = chosen.querySelector("[data-customer-field=" + name + "]");
    if (element) {
      element.textContent = value || "";
    }
  }

  function pick(customer) {
    customerId.value = String(customer.id);
    setField("name", customer.name);
    setField("email", customer.email);
    setField("phone", customer.phone);
    chosen.hidden = false;
    newCustomer.hidden = true;
    list.textContent = "";
    announce(fill(count.getAttribute("data-chosen"), {name: customer.name}));
    var next = booking.querySelector("#service");
    if (next) {
      next.focus();  // the customer is done: on to the service
    }
  }

  function unpick(event) {
    event.preventDefault();
    customerId.value = "";
    chosen.hidden = true;
    newCustomer.hidden = false;
    announce("");
    input.focus();
  }

  function choices() {
    return Array.prototype.slice.call(list.querySelectorAll(".customer-choice"));
  }

  function move(event) {
    var all = choices();
    var index = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && all.length) {
      all[Math.min(index + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      (index === 0 ? input : all[index - 1]).focus();
    } else if (event.key === "Escape") {
      input.focus();
    } else {
      return;
    }
    event.preventDefault();
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, DELAY_MS);
  });
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    lookup();
  });
  input.addEventListener("keydown", move);
  list.addEventListener("keydown", move);
  chosen.querySelector("[data-change-customer]").addEventListener("click", unpick);

  // Typing a time of one's own means "another time": tick its radio.
  var manual = booking.querySelector("input[name=manual_time]");
  var other = booking.querySelector("#start-other");
  if (manual && other) {
    manual.addEventListener("input", function () {
      other.checked = Boolean(manual.value);
    });
  }
}());
