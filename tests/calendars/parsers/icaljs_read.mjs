// Read an iCalendar stream with ical.js (Thunderbird's and Nextcloud's parser); print JSON.
//   node icaljs_read.mjs < feed.ics
// Output: {"method", "calname", "events": {uid: {"start", "end", "sequence", "summary", "floating"}}}
// with start/end as UTC `YYYYMMDDTHHMMSSZ`. A missing ical.js (no `npm ci`) exits with status 3.
let ICAL;
try {
  ICAL = (await import("ical.js")).default;
} catch (error) {
  console.error(`ical.js is not installed (run npm ci in the repository root): ${error.message}`);
  process.exit(3);
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function utcText(time) {
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(utc.year, 4)}${pad(utc.month)}${pad(utc.day)}T${pad(utc.hour)}${pad(utc.minute)}${pad(utc.second)}Z`;
}

const calendar = new ICAL.Component(ICAL.parse(await readStdin()));
const events = {};
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  events[event.uid] = {
    start: utcText(event.startDate),
    end: utcText(event.endDate),
    sequence: event.sequence,
    summary: event.summary,
    floating: event.startDate.zone === ICAL.Timezone.localTimezone,
  };
}
console.log(JSON.stringify({
  method: calendar.getFirstPropertyValue("method"),
  calname: calendar.getFirstPropertyValue("x-wr-calname"),
  events,
}));
