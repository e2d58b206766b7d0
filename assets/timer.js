/* The work timer's clock (components/work_panel.py loads this file).
 *
 * The server renders `#timer-clock` with the worked time as of its last load and, while
 * the timer runs, `data-since` (ms since the epoch: the open span's start) and
 * `data-base` (seconds of the closed spans). Every second this writes base + (now -
 * since) as H:MM:SS, so the clock ticks without a server round trip. A paused timer has
 * data-since="0" and keeps the server's text.
 */
(function () {
  if (window.__pmTimer) return;
  window.__pmTimer = true;

  function pad(n) { return n < 10 ? "0" + n : "" + n; }

  function tick() {
    var clocks = document.querySelectorAll(".pm-timer-clock");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var since = parseInt(el.getAttribute("data-since") || "0", 10);
      if (!since) continue;
      var base = parseInt(el.getAttribute("data-base") || "0", 10);
      var s = base + Math.max(0, Math.floor((Date.now() - since) / 1000));
      var text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      if (el.textContent !== text) el.textContent = text;
    }
  }

  setInterval(tick, 1000);
})();
