#!/usr/bin/env python3
"""`make soak`: somad --sim --speed max through SOAK_VIRTUAL_SECONDS (default 3600: one simulated
hour) of continuous training and inference on seed 000's 30 x 10 x 10 network, while a client
(`soma logs pull`, the real CLI) pulls every few seconds. The daemon's resident memory is sampled
every second. At the end:

- RSS after warm-up (the first 10 % of the samples) may not grow by more than SOAK_RSS_GROWTH_MIB
  (default 8 MiB) from its median to its maximum;
- every event the loop pushed is in the log or counted as dropped (ring overflow is reported);
- the pulled database holds every event of the log, once, in sequence.

Prints one summary line per check and a Markdown table; SOAK_REPORT=docs/reliability.md puts it
between that file's soak markers. Exit status 1 when a check fails.
"""
import json, os, shutil, signal, sqlite3, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIRTUAL = float(os.environ.get("SOAK_VIRTUAL_SECONDS", "3600"))
GROWTH_MIB = float(os.environ.get("SOAK_RSS_GROWTH_MIB", "8"))
BUILD = os.environ.get("SOAK_BUILD", "release")


def run(*arguments, **options):
    return subprocess.run(arguments, check=True, text=True, capture_output=True, cwd=ROOT, **options).stdout


def main():
    print(f"==> building somad and soma ({BUILD})", flush=True)
    scratch = [] if BUILD == "debug" else ["-c", "release", "--scratch-path", ".build-release"]
    for product in ["somad", "soma"]:
        subprocess.run(["swift", "build", *scratch, "--product", product], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    binaries = run("swift", "build", *scratch, "--show-bin-path").strip()
    work = tempfile.mkdtemp(prefix="soma-soak-")
    env = dict(os.environ, SOMA_CONFIG_DIR=f"{work}/config")
    database = f"{work}/pulled.sqlite"
    log = open(f"{work}/somad.log", "w")
    somad = subprocess.Popen(
        [f"{binaries}/somad", "--profile", "Board/profiles/sim-paper-network.toml", "--sim", "--speed", "max",
         "--priority", "0", "--listen", "127.0.0.1:0", "--data-dir", f"{work}/board"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = None
    for _ in range(300):
        text = open(f"{work}/somad.log").read()
        url = next((line.split("listening on ")[1] for line in text.splitlines() if line.startswith("listening on ")), None)
        if url:
            break
        time.sleep(0.1)
    if not url:
        sys.exit(f"soak: somad did not start:\n{open(f'{work}/somad.log').read()}")

    def status():
        with urllib.request.urlopen(f"{url}/v1/status", timeout=10) as answer:
            return json.load(answer)

    def soma(*arguments):
        return subprocess.run([f"{binaries}/soma", *arguments], check=True, text=True, capture_output=True, cwd=ROOT, env=env).stdout

    soma("board", "add", "soak", url)
    soma("patterns", "upload", "builtin:digits")

    samples = []  # (virtual seconds, RSS MiB)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                rss = next(int(line.split()[1]) for line in open(f"/proc/{somad.pid}/status") if line.startswith("VmRSS:")) / 1024
                ticks = status()["loop"]["ticks"]
                samples.append((ticks * 50e-6, rss))
            except Exception:
                pass
            time.sleep(1)

    pulls = []

    def pull():
        while not stop.is_set():
            started = time.time()
            output = json.loads(soma("logs", "pull", "--database", database, "--json"))
            pulls.append((time.time() - started, output["pulled"]))
            time.sleep(2)

    threads = [threading.Thread(target=sample), threading.Thread(target=pull)]
    for thread in threads:
        thread.start()
    started = time.time()
    runs = 0
    print(f"==> {VIRTUAL:.0f} simulated seconds of runs (full protocol on the digits, one after another) while pulling", flush=True)
    try:
        while status()["loop"]["ticks"] * 50e-6 < VIRTUAL:
            seed = runs + 1
            spec = f"{work}/run-{seed}.json"
            json.dump({"protocol": "full", "patternSet": "digits", "parameters": {"seed": seed}}, open(spec, "w"))
            soma("run", "start", spec)
            soma("run", "watch", "--json")
            runs += 1
            current = status()
            print(f"    run {runs}: {current['loop']['ticks'] * 50e-6:7.0f} s simulated, {time.time() - started:5.0f} s wall, "
                  f"RSS {samples[-1][1] if samples else 0:.1f} MiB, log {current['store']['lastSequence']} events", flush=True)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    wall = time.time() - started
    final = status()
    soma("logs", "pull", "--database", database)
    somad.send_signal(signal.SIGTERM)
    somad.wait(timeout=60)
    log.close()

    # Checks.
    failures = []
    warm = samples[len(samples) // 10:]
    rss = [value for _, value in warm]
    median, peak = statistics.median(rss), max(rss)
    growth = peak - median
    if growth > GROWTH_MIB:
        failures.append(f"RSS grew {growth:.1f} MiB after warm-up (limit {GROWTH_MIB} MiB)")
    loop, store, rings = final["loop"], final["store"], final["rings"]
    logged = store["lastSequence"] - store["firstSequence"] + 1 if store["lastSequence"] else 0
    if loop["eventsPushed"] != logged + loop["eventsDropped"] and store["firstSequence"] == 1:
        failures.append(f"the loop pushed {loop['eventsPushed']} events; the log holds {logged} and {loop['eventsDropped']} were counted dropped")
    connection = sqlite3.connect(database)
    rows, first, last, distinct = connection.execute("SELECT COUNT(*), MIN(sequence), MAX(sequence), COUNT(DISTINCT sequence) FROM events").fetchone()
    if (rows, first, last, distinct) != (logged, store["firstSequence"], store["lastSequence"], logged):
        failures.append(f"pulled {rows} rows ({distinct} distinct, {first}…{last}); the log holds {store['firstSequence']}…{store['lastSequence']}")

    virtual = loop["ticks"] * 50e-6
    table = (
        "| soak | value |\n|---|---|\n"
        f"| simulated time | {virtual:.0f} s ({runs} full-protocol runs on the digits), {wall:.0f} s wall ({virtual / wall:.1f}x real time, {BUILD} build) |\n"
        f"| RSS after warm-up | median {median:.1f} MiB, max {peak:.1f} MiB: growth {growth:.1f} MiB (limit {GROWTH_MIB}) |\n"
        f"| events | {loop['eventsPushed']} pushed, {logged} in the log ({store['segments']} segments, {store['bytes'] / 2**20:.0f} MiB), {loop['eventsDropped']} dropped (ring high-water {rings['events']['highWater']} of {rings['events']['capacity']}) |\n"
        f"| deadline misses | {loop['overruns']} overruns, {loop['missedTicks']} missed ticks (speed max: virtual time waits for the log writer) |\n"
        f"| pulls | {len(pulls)} pulls while running, {rows} events in SQLite, every one once and in sequence: {'yes' if rows == distinct == logged else 'no'} |\n"
        f"| verdict | {'pass' if not failures else 'FAIL: ' + '; '.join(failures)} |\n"
    )
    print()
    print(table)
    report = os.environ.get("SOAK_REPORT")
    if report:
        text = open(report).read() if os.path.exists(report) else ""
        begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
        stamp = f"Last run {time.strftime('%Y-%m-%d')}: `SOAK_VIRTUAL_SECONDS={VIRTUAL:.0f} make soak`.\n\n"
        if begin in text and end in text:
            text = text[: text.index(begin) + len(begin)] + "\n" + stamp + table + text[text.index(end):]
        else:
            text = stamp + table
        open(report, "w").write(text)
    with open(f"{work}/rss.tsv", "w") as out:
        out.writelines(f"{v:.1f}\t{r:.1f}\n" for v, r in samples)
    print(f"RSS samples: {work}/rss.tsv")
    if failures:
        for failure in failures:
            print(f"soak: FAIL: {failure}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(f"{work}/board", ignore_errors=True)


if __name__ == "__main__":
    main()
