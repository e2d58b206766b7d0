/* Keyboard shortcuts for staff pages (components/shortcuts.py loads this file).
 *
 *   /        focus the list search          n        new ticket
 *   j, ↓     next ticket in the list        k, ↑     previous ticket
 *   Enter    open the selected ticket       r        reply box on a ticket page
 *   ?        the list of shortcuts          Escape   closes it (the native <dialog>)
 *
 * Everything happens in the browser: no event goes to the server for a key. The script
 * acts only on pages that carry the shortcuts dialog (staff pages), never while the user
 * types in a field, and never with Ctrl, Alt or Meta held.
 * The page elements it uses: #pm-shortcuts (the dialog), #search, #nav-new,
 * #jump-reply, and the list rows `.pm-row[data-number]` with their `a.pm-number` link.
 */
(function () {
  if (window.__pmShortcuts) return;
  window.__pmShortcuts = true;

  var SELECTED = "pm-kb-selected";
  var selected = null; // the selected ticket's number (rows re-render; numbers stay)
  var LAST = "pm-kb-opened"; // the ticket opened with Enter: selected again on return

  function dialog() { return document.getElementById("pm-shortcuts"); }

  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    var type = (el.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "image", "range", "color"]
      .indexOf(type) < 0;
  }

  function someDialogOpen() {
    return !!document.querySelector("dialog[open], [role=dialog], [role=alertdialog]");
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".pm-row[data-number]"))
      .filter(function (r) { return r.getClientRects().length > 0; });
  }

  function paint() {
    document.querySelectorAll("." + SELECTED).forEach(function (r) {
      if (r.getAttribute("data-number") !== selected) {
        r.classList.remove(SELECTED);
        r.removeAttribute("aria-selected");
      }
    });
    if (selected === null) return null;
    var row = document.querySelector('.pm-row[data-number="' + selected + '"]');
    if (row && !row.classList.contains(SELECTED)) {
      row.classList.add(SELECTED);
      row.setAttribute("aria-selected", "true");
    }
    return row;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var at = -1;
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-number") === selected) { at = i; break; }
    }
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1)
                      : Math.max(0, Math.min(list.length - 1, at + step));
    selected = list[next].getAttribute("data-number");
    var row = paint();
    if (row) {
      if (!row.hasAttribute("tabindex")) row.setAttribute("tabindex", "-1");
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
    return true;
  }

  function openSelected() {
    var row = paint();
    if (!row) return false;
    var link = row.querySelector("a.pm-number") || row.querySelector("a[href]");
    if (!link) return false;
    try { sessionStorage.setItem(LAST, selected); } catch (err) { /* private mode */ }
    link.click(); // the router's link: a page change without a reload
    return true;
  }

  function click(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.click();
    return true;
  }

  function focusSearch() {
    var box = document.getElementById("search");
    if (!box) return false;
    box.focus();
    if (box.select) box.select();
    return true;
  }

  function showHelp() {
    var d = dialog();
    if (!d || d.open) return false;
    d.showModal();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    if (!dialog() || typing(e.target) || someDialogOpen()) return;
    var key = e.key;
    if (e.shiftKey && key !== "?") return;
    var done = false;
    switch (key) {
      case "/": done = focusSearch(); break;
      case "?": done = showHelp(); break;
      case "n": done = click("nav-new"); break;
      case "r": done = click("jump-reply"); break;
      case "j": case "ArrowDown": done = move(1); break;
      case "k": case "ArrowUp": done = move(-1); break;
      case "Enter":
        // Enter on a focused link, button or checkbox keeps its own meaning
        if (e.target.closest && e.target.closest("a, button, [role=checkbox], input")) return;
        done = openSelected();
        break;
      default: return;
    }
    if (done) e.preventDefault();
  });

  // Rows are re-rendered by live refreshes and page changes: keep the mark on the same
  // ticket, and forget it when the list is gone.
  new MutationObserver(function () {
    var anyRow = document.querySelector(".pm-row[data-number]");
    if (selected === null && anyRow) {
      var last = null;
      try { last = sessionStorage.getItem(LAST); } catch (err) { /* private mode */ }
      if (!last || !document.querySelector('.pm-row[data-number="' + last + '"]')) return;
      try { sessionStorage.removeItem(LAST); } catch (err) { /* private mode */ }
      selected = last;
    }
    if (selected === null) return;
    if (!anyRow) { selected = null; return; }
    paint();
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
