#!/usr/bin/env python3
"""report_test.py TESSEL SRCDIR WORKDIR: tessel report and tessel exec --html.

A small sweep (the GEMM workload on vta-default: DRAM bandwidth x input
buffer x DRAM energy, with invalid and excluded points, and labels that
need escaping) runs; its report is parsed and held against results.db read
here with sqlite3: one table row per point with the database's figures, the
Pareto markers those with pareto=1, the chosen point's ops in the roofline,
the utilization bars and the ops table, the energy bars' parts.  Then each
page is rendered in headless Chromium: no console message and no error
(window errors, console.error or console.warn, recorded by a script this
test puts in front of the page's own, and Chromium's own console log); the
table sorts when a heading is clicked; a screenshot goes to WORKDIR.  The
same for `tessel exec --html`, held against `tessel exec --json`; then the
errors (exit 1 and 2).  Chromium missing is a failure: scripts/setup.sh
installs it."""
import html
import html.parser
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

tessel, src, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
passed, failed = 0, 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}" + (f"\n  | {detail}" if detail else ""))
    return ok


def run(*args):
    p = subprocess.run([tessel, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


# ---- an HTML page as a tree ----

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def classes(self):
        return self.attrs.get("class", "").split()

    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, tag=None, cls=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]


class Tree(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", [], None)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        # text goes to the element it is in; kept in order through a child
        t = Node("#text", [], self.cur)
        t.text = data
        self.cur.children.append(t)


def parse(path):
    text = open(path, encoding="utf-8").read()
    t = Tree()
    t.feed(text)
    t.close()
    return text, t.root


def self_contained(text, what):
    """Nothing fetched: no URL, no src or href, no url() or @import."""
    check(text.startswith("<!DOCTYPE html>"), f"{what}: an HTML5 document")
    for pat in [r"https?:", r"\bsrc\s*=", r"\bhref\s*=", r"url\(", r"@import", r"<link\b", r"<iframe\b"]:
        check(not re.search(pat, text, re.I), f"{what}: nothing fetched ({pat!r} not in the page)")
    # each inline SVG is well-formed XML on its own
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    for s in svgs:
        try:
            ET.fromstring(s)
            ok, why = True, ""
        except ET.ParseError as e:
            ok, why = False, str(e)
        check(ok, f"{what}: an inline SVG is well-formed XML", why)
    return svgs


def si_value(text):
    """'40.24 ms' -> 0.04024, '9.524 mJ' -> 0.009524, '2.174 mm²' -> 2.174, '75.0%' -> 0.75."""
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    if text.endswith(" mm²"):
        return float(text[:-4])
    num, unit = text.split(" ")
    prefix = {"T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "m": 1e-3, "µ": 1e-6, "n": 1e-9, "p": 1e-12}
    return float(num) * (prefix[unit[0]] if len(unit) > 1 else 1)


def table(root, tid):
    t = root.find("table", id=tid)
    if not check(len(t) == 1, f"a table #{tid}"):
        return [], []
    heads = [th.all_text() for th in t[0].find("th")]
    rows = t[0].find("tbody")[0].find("tr")
    return heads, rows


def cells(row):
    return [c for c in row.children if c.tag == "td"]


# ---- the sweep and its report ----

hw, wl = f"{src}/examples/hw", f"{src}/examples/workloads"
hostile = '<i>low</i> & "cheap"'
open(f"{work}/small.yaml", "w").write(f"""name: small
hardware: {hw}/vta-default.yaml
workloads: [{wl}/gemm.yaml]
budget: 0
axes:
  - name: bandwidth
    path: memory.dram.bandwidth
    values: [4, 8]
  - name: inp
    path: memory.scratchpads.inp.capacity
    values: [16 KiB, 64 KiB, 100 B]
  - name: dram-energy
    path: energy.dram.read
    values: [100, 243.75]
    labels: ['{hostile.replace("'", "''")}', "Horowitz's"]
constraints:
  - memory.scratchpads.inp.capacity * 8 <= memory.scratchpads.wgt.capacity
""")
rc, out, err = run("sweep", f"{work}/small.yaml", "--out", f"{work}/res", "--db", f"{work}/tune.db")
if not check(rc == 0, "the small sweep runs", err):
    sys.exit(1)

db = sqlite3.connect(f"{work}/res/results.db")
db.row_factory = sqlite3.Row
points = {r["idx"]: r for r in db.execute("SELECT * FROM points")}
front = {i for i, r in points.items() if r["pareto"]}
ran = {i for i, r in points.items() if r["status"] == "ok"}
fastest = min(front, key=lambda i: points[i]["seconds"])
check(len(points) == 12 and len(ran) == 4 and front, "the sweep has 12 points, 4 ran, a front", str(len(points)))


def ops_of(i):
    return [o for o in db.execute("SELECT * FROM ops WHERE point = ? AND on_host = 0 ORDER BY seq", (i,))]


def check_table(root, what, chosen):
    heads, rows = table(root, "points")
    check(len(rows) == len(points), f"{what}: one row per point", f"{len(rows)} rows, {len(points)} points")
    col = {h: k for k, h in enumerate(heads)}
    for row in rows:
        i = int(row.attrs["data-point"])
        p, c = points[i], cells(row)
        axes = json.loads(p["axes"])
        check(all(c[col[name]].all_text() == label for name, label in axes.items()),
              f"{what}: point {i}'s axis labels, escaped", str([x.all_text() for x in c]))
        check(c[col["status"]].all_text() == p["status"], f"{what}: point {i}'s status")
        check(("front" in row.classes()) == (i in front) and c[col["pareto"]].attrs["data-v"] == str(p["pareto"]),
              f"{what}: point {i} on the front as pareto={p['pareto']} says")
        check(("chosen" in row.classes()) == (i == chosen), f"{what}: point {i} chosen or not")
        if p["status"] != "ok":
            check(c[col["why"]].all_text() == p["why"] and all(c[col[h]].all_text() == "" for h in ("latency", "energy")),
                  f"{what}: point {i} did not run: its reason, no figures")
            continue
        for head, key in [("latency", "seconds"), ("energy", "energy_pj"), ("area", "area_mm2"),
                          ("utilization", "utilization"), ("of roof", "roofline")]:
            cell, want = c[col[head]], p[key]
            shown = si_value(cell.all_text()) * (1e12 if key == "energy_pj" else 1)
            # four significant digits for the SI values; a percentage shows one
            # decimal: within half of 0.1% of the value
            shown_ok = close(shown, want, 6e-4) if head in ("latency", "energy", "area") else abs(shown - want) <= 0.0005 + 1e-12
            check(float(cell.attrs["data-v"]) == want and shown_ok,
                  f"{what}: point {i}'s {head} is the database's", f"{cell.attrs['data-v']} / {cell.all_text()} vs {want}")
    return rows


def check_roofline(root, what, ops, peak, bw):
    marks = root.find("circle", cls="op")
    placed = [o for o in ops if o["cycles"] and o["macs"] and o["dram_read"]]
    check(len(marks) == len(placed) and placed, f"{what}: one roofline marker per op", f"{len(marks)} vs {len(placed)}")
    by = {m.attrs["data-op"]: m for m in marks}
    for o in placed:
        m = by.get(o["name"])
        if not check(m is not None, f"{what}: op {o['name']} in the roofline"):
            continue
        x, y = o["macs"] / o["dram_read"], o["macs"] / o["cycles"]
        check(close(float(m.attrs["data-x"]), x) and close(float(m.attrs["data-y"]), y),
              f"{what}: op {o['name']}'s intensity and MACs a cycle", str(m.attrs))
        # what the channel and the array allow: no op above its roof
        check(y <= min(peak, bw * x) * (1 + 1e-9), f"{what}: op {o['name']} under its roof")
    # the markers' places follow the figures (x grows with intensity, y up with MACs a cycle)
    xs = sorted(marks, key=lambda m: float(m.attrs["data-x"]))
    ys = sorted(marks, key=lambda m: float(m.attrs["data-y"]))
    check([float(m.attrs["cx"]) for m in xs] == sorted(float(m.attrs["cx"]) for m in marks) and
          [float(m.attrs["cy"]) for m in ys] == sorted((float(m.attrs["cy"]) for m in marks), reverse=True),
          f"{what}: roofline markers placed in the order of their figures")
    check(any(f"compute roof {peak:g} MACs/cycle" in t.all_text() for t in root.find("text")) and
          any(f"DRAM {bw:g} B/cycle" in t.all_text() for t in root.find("text")), f"{what}: the roofs' labels",
          f"{peak} {bw}")
    bars = root.find("rect", cls="util")
    check(len(bars) == len([o for o in ops if o["cycles"]]), f"{what}: one utilization bar per op")
    for b in bars:
        o = next(o for o in ops if o["name"] == b.attrs["data-op"])
        check(close(float(b.attrs["data-v"]), o["macs"] / (o["cycles"] * peak)), f"{what}: op {o['name']}'s utilization")
    heads, rows = table(root, "ops")
    col = {h: k for k, h in enumerate(heads)}
    check([r.attrs["data-op"] for r in rows] == [o["name"] for o in ops], f"{what}: the ops table lists the ops in order")
    for r, o in zip(rows, ops):
        c = cells(r)
        check(c[col["cycles"]].all_text() == str(o["cycles"]) and c[col["MACs"]].all_text() == str(o["macs"]) and
              c[col["DRAM read (bytes)"]].all_text() == str(o["dram_read"]), f"{what}: op {o['name']}'s figures in the table")
        check(close(float(c[col["energy"]].attrs["data-v"]), o["energy_pj"]), f"{what}: op {o['name']}'s energy")
        # the machine's bound: exec's JSON object, or a sweep's bound and bound_by columns
        b = o["bound"]
        by, frac = (b["binding"], b["fraction"]) if isinstance(b, dict) else (o["bound_by"], b / o["cycles"])
        check(c[col["bound by"]].all_text() == by and close(float(c[col["of bound"]].attrs["data-v"]), frac, 1e-5),
              f"{what}: op {o['name']}'s machine bound", f"{by} {frac}")


def check_report(path, what, chosen):
    text, root = parse(path)
    svgs = self_contained(text, what)
    check(len(svgs) == 4 and all(root.find("svg", id=i) for i in ("pareto", "roofline", "utilization", "energy")),
          f"{what}: the four plots", str(len(svgs)))
    # the table's cells hold the labels as text (check_table); none became an element
    check(not root.find("i") and any("<i>" in v for p in points.values() for v in json.loads(p["axes"]).values()),
          f"{what}: a label that looks like markup is text")
    check_table(root, what, chosen)
    dots = root.find("circle", cls="dot")
    check({int(d.attrs["data-point"]) for d in dots} == ran and len(dots) == len(ran), f"{what}: a marker per point that ran")
    check({int(d.attrs["data-point"]) for d in dots if "front" in d.classes()} == front,
          f"{what}: the front's markers are the points with pareto=1", str(front))
    for d in dots:
        i, tip = int(d.attrs["data-point"]), d.find("title")[0].all_text()
        check(tip.startswith(f"point {i}:") and all(f"{k}={v}" in tip for k, v in json.loads(points[i]["axes"]).items()),
              f"{what}: point {i}'s tooltip names its axis values", tip)
    h = root.find("h2", id="chosen")
    check(h and int(h[0].attrs["data-point"]) == chosen, f"{what}: the chosen point is {chosen}")
    p = points[chosen]
    ops = [dict(o, name=o["op"]) for o in ops_of(chosen)]
    check_roofline(root, what, ops, p["peak_macs"], p["bandwidth"])
    stacks = root.find("g", cls="stack")
    check({int(s.attrs["data-point"]) for s in stacks} == ran, f"{what}: an energy bar per point that ran")
    for s in stacks:
        q = points[int(s.attrs["data-point"])]
        parts = {r.attrs["data-part"]: float(r.attrs["data-v"]) for r in s.find("rect", cls="part")}
        check(all(parts[k] == q[f"{k}_pj"] for k in ("mac", "onchip", "dram", "alu", "leakage")) and
              close(sum(parts.values()), q["energy_pj"], 1e-9), f"{what}: point {q['idx']}'s energy by part")
        check(bool(s.find("rect", cls="mark")) == (q["idx"] == chosen), f"{what}: only the chosen point's bar marked")
    return root


rc, out, err = run("report", f"{work}/res", "--html", f"{work}/report.html")
check(rc == 0 and f"point {fastest} plotted" in out, "report writes the page", out + err)
check_report(f"{work}/report.html", "report", fastest)
other = min(ran - {fastest})
rc, out, err = run("report", f"{work}/res/results.db", "--html", f"{work}/point.html", "--point", str(other))
check(rc == 0, "report --point N of a point that ran", err)
check_report(f"{work}/point.html", "report --point", other)
rc, out, err = run("report", f"{work}/res")
check(rc == 0 and os.path.isfile(f"{work}/res/report.html"), "report without --html writes DIR/report.html", out + err)

# ---- exec --html against exec --json of the same run ----

rc, out, err = run("exec", f"{wl}/pooling.yaml", "--json", "--html", f"{work}/exec.html")
check(rc == 0, "exec --html", err)
doc = json.loads(out)
acc = [o for o in doc["ops"] if o["device"] != "host"]
peak = int(re.search(r"peak ([0-9.]+) MACs/cycle", run("check")[1]).group(1))
bw = 8  # vta-default's DRAM channel, examples/hw/vta-default.yaml
text, root = parse(f"{work}/exec.html")
svgs = self_contained(text, "exec --html")
check(len(svgs) == 3 and all(root.find("svg", id=i) for i in ("roofline", "utilization", "energy")), "exec --html: its plots")
ops = [dict(name=o["name"], cycles=o["cycles"], macs=o["macs"], dram_read=o["dram_read"], energy_pj=o["energy"]["total_pj"],
            bound=o["bound"]) for o in acc]
check_roofline(root, "exec --html", ops, peak, bw)
stacks = root.find("g", cls="stack")
check(len(stacks) == len(acc), "exec --html: an energy bar per op")
for s, o in zip(stacks, acc):
    parts = {r.attrs["data-part"]: float(r.attrs["data-v"]) for r in s.find("rect", cls="part")}
    check(all(close(parts[k], o["energy"][f"{k}_pj"]) for k in ("mac", "onchip", "dram", "alu", "leakage")),
          f"exec --html: op {o['name']}'s energy by part", str(parts))
host = [o["name"] for o in doc["ops"] if o["device"] == "host"]
check(host and all(f"On the host: {h}" in root.all_text() for h in host), "exec --html: the ops on the host named")

# ---- rendered in headless Chromium ----

# Put in front of the page's own script: records every error and console
# message into the page, then clicks a heading (the table must sort), and
# leaves the record in a <pre> that --dump-dom prints.
harness = """<script>
var recorded = [];
window.addEventListener('error', function (e) { recorded.push('error: ' + (e.message || e.type)); }, true);
window.addEventListener('unhandledrejection', function (e) { recorded.push('rejection: ' + e.reason); });
['error', 'warn', 'log', 'info'].forEach(function (k) {
  var f = console[k];
  console[k] = function () { recorded.push(k + ': ' + Array.prototype.join.call(arguments, ' ')); f.apply(console, arguments); };
});
window.addEventListener('load', function () {
  var out = {height: document.documentElement.scrollHeight, sorted: [], reversed: []};
  try {
    var t = document.getElementById('%(table)s'), row = function (r) { return r.getAttribute('data-%(key)s'); };
    var th = Array.prototype.filter.call(t.tHead.rows[0].cells, function (c) { return c.textContent === '%(column)s'; })[0];
    th.click();
    out.sorted = Array.prototype.map.call(t.tBodies[0].rows, row);
    th.click();
    out.reversed = Array.prototype.map.call(t.tBodies[0].rows, row);
  } catch (e) { recorded.push('harness: ' + e); }
  out.errors = recorded;
  var pre = document.createElement('pre');
  pre.id = 'rendered';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""

chromium = shutil.which("chromium")
if not check(chromium is not None, "chromium is installed",
             "headless Chromium renders the pages: apt-get install chromium (scripts/setup.sh installs it)"):
    print(f"report: {passed} passed, {failed} failed")
    sys.exit(1)


def chromium_run(page, *args):
    # --no-sandbox: the test runs as root on CI machines, where Chromium's
    # sandbox refuses to start; the page is our own, read from a local file.
    cmd = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
           f"--user-data-dir={work}/chromium-profile", "--enable-logging=stderr", "--v=0", *args, f"file://{page}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    # Chromium logs each console message (errors and uncaught exceptions
    # among them) as INFO:CONSOLE(...) or INFO:CONSOLE:LINE; the pages log nothing.
    console = [l for l in p.stderr.splitlines() if re.search(r":CONSOLE[(:]", l)]
    return p, console


def render(page, name, table_id, key, column, want_sorted, want_reversed):
    """The page with the harness in front: no error, the table sorts; then
    the page itself: no console message, a screenshot."""
    text = open(page, encoding="utf-8").read()
    probe = f"{work}/{name}-probe.html"
    open(probe, "w", encoding="utf-8").write(
        text.replace("<head>", "<head>\n" + harness % {"table": table_id, "key": key, "column": column}, 1))
    # at the screenshot's width, so that the height it measures is the page's there
    p, console = chromium_run(probe, "--window-size=1200,800", "--virtual-time-budget=5000", "--dump-dom")
    m = re.search(r'<pre id="rendered">(.*?)</pre>', p.stdout, re.S)
    if not check(m is not None, f"{name}: Chromium ran the page's scripts", p.stderr[-2000:]):
        return None
    got = json.loads(html.unescape(m.group(1)))
    check(not got["errors"] and not console, f"{name}: no error or console message in Chromium",
          str(got["errors"] + console))
    check(got["sorted"] == want_sorted and got["reversed"] == want_reversed, f"{name}: a click on '{column}' sorts the table",
          f"{got['sorted']} / {got['reversed']}, expected {want_sorted} / {want_reversed}")
    shot = f"{work}/{name}.png"
    height = max(600, min(int(got["height"]), 8000))
    p, console = chromium_run(page, f"--screenshot={shot}", f"--window-size=1200,{height}")
    check(not console, f"{name}: no console message in Chromium (the page alone)", str(console))
    ok = os.path.isfile(shot) and open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    if check(ok, f"{name}: a screenshot in {shot}", p.stderr[-2000:]):
        w, h = struct.unpack(">II", open(shot, "rb").read(24)[16:24])
        check(w == 1200 and h == height and os.path.getsize(shot) > 20000, f"{name}: the screenshot is the page",
              f"{w}x{h}, {os.path.getsize(shot)} bytes")
    return got


# the latency column: the points that ran by latency, then the others in the
# order they were (the sort is stable: points of one latency keep theirs)
up = sorted(sorted(ran), key=lambda i: points[i]["seconds"])
down = sorted(up, key=lambda i: points[i]["seconds"], reverse=True)
rest = sorted(set(points) - ran)
render(f"{work}/report.html", "report", "points", "point", "latency", [str(i) for i in up + rest],
       [str(i) for i in down + rest])
up = sorted(acc, key=lambda o: o["cycles"])
render(f"{work}/exec.html", "exec", "ops", "op", "cycles", [o["name"] for o in up],
       [o["name"] for o in sorted(up, key=lambda o: o["cycles"], reverse=True)])

# the check can fail: a page whose sorting script throws, and one that logs
broken = open(f"{work}/report.html", encoding="utf-8").read()
open(f"{work}/broken.html", "w", encoding="utf-8").write(
    broken.replace("rows.sort(", "rows.sort(undefinedSortKey), rows.sort(", 1).replace("</body>", "<script>console.error('broken')</script></body>"))
p, console = chromium_run(f"{work}/broken.html", "--virtual-time-budget=5000", "--dump-dom")
check(any("broken" in l for l in console), "a page that logs an error is caught by Chromium's console log", str(console))
text = open(f"{work}/broken.html", encoding="utf-8").read()
open(f"{work}/broken-probe.html", "w", encoding="utf-8").write(
    text.replace("<head>", "<head>\n" + harness % {"table": "points", "key": "point", "column": "latency"}, 1))
p, _ = chromium_run(f"{work}/broken-probe.html", "--virtual-time-budget=5000", "--dump-dom")
m = re.search(r'<pre id="rendered">(.*?)</pre>', p.stdout, re.S)
errors = json.loads(html.unescape(m.group(1)))["errors"] if m else []
check(any("undefinedSortKey" in e for e in errors) and any("broken" in e for e in errors),
      "a sorting script that throws is caught by the recording script", str(errors))

# ---- errors ----


def expect(status, what, args, text=None, stream=2):
    """The command exits with status and prints text on stream (1 standard output, 2 standard error)."""
    rc, out, err = run(*args)
    check(rc == status and (text is None or text in (out, err)[stream - 1]), what,
          f"exit {rc}, expected {status}: {err.strip()}")


open(f"{work}/notdb.txt", "w").write("not a database\n")
os.makedirs(f"{work}/empty", exist_ok=True)
old = open(f"{work}/report.html", "rb").read()
expect(2, "report without RESULTS", ["report"], "missing argument", 2)
expect(2, "report with two RESULTS", ["report", f"{work}/res", f"{work}/res"], "unexpected argument", 2)
expect(2, "report with an unknown option", ["report", f"{work}/res", "--json"], "unknown option '--json'", 2)
expect(2, "report --point that is not a number", ["report", f"{work}/res", "--point", "two"], "--point takes the number", 2)
expect(2, "report --html onto its results", ["report", f"{work}/res", "--html", f"{work}/res/results.db"], "the same file", 2)
expect(1, "report of a missing directory", ["report", f"{work}/none"], f"{work}/none: error: no sweep results here", 2)
expect(1, "report of a directory without results", ["report", f"{work}/empty"], "holds no sweep results", 2)
expect(1, "report of a file that is not a database", ["report", f"{work}/notdb.txt"], "not a sweep's results", 2)
expect(1, "report of another database (tuning records)", ["report", f"{work}/tune.db"], "not a sweep's results", 2)
expect(1, "report --point out of range", ["report", f"{work}/res", "--point", "12", "--html", f"{work}/report.html"],
       "--point 12 is out of range: the sweep 'small' has points 0 to 11", 2)
invalid = min(set(points) - ran)
expect(1, "report --point of a point that did not run", ["report", f"{work}/res", "--point", str(invalid), "--html",
                                                          f"{work}/report.html"], f"--point {invalid} did not run", 2)
check(open(f"{work}/report.html", "rb").read() == old, "a failed report leaves the old page as it was")
expect(1, "report into a missing directory", ["report", f"{work}/res", "--html", f"{work}/none/r.html"], "r.html", 2)
check(not os.path.exists(f"{work}/none"), "a failed write leaves nothing")
expect(1, "report to a full device", ["report", f"{work}/res", "--html", "/dev/full"])
expect(2, "exec --html onto the workload", ["exec", f"{wl}/gemm.yaml", "--html", f"{wl}/gemm.yaml"], "the same file", 2)

# results that do not know the peak (0 MACs a cycle): no utilization drawn or
# tabled, and no number that is not finite anywhere in the page
shutil.copytree(f"{work}/res", f"{work}/nopeak")
with sqlite3.connect(f"{work}/nopeak/results.db") as nopeak:
    nopeak.execute("UPDATE points SET peak_macs = 0")
rc, out, err = run("report", f"{work}/nopeak", "--html", f"{work}/nopeak.html")
page = open(f"{work}/nopeak.html").read() if rc == 0 else ""
check(rc == 0 and "No utilization: the peak MACs a cycle is not known" in page, "a peak of 0: no utilization", err)
bad = re.findall(r'[="\s(,:](-?inf|nan)[\s"%,)<]', page, re.I)
check(not bad, "a peak of 0: no inf or nan in the page", str(bad[:5]))

print(f"report: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
