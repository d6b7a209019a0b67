#!/usr/bin/env python3
"""The bill of materials, generated from the `*@part` lines of frontend.cir (the source of truth).

    python3 Board/hardware/bom.py           write Board/hardware/bom.csv
    python3 Board/hardware/bom.py --check   fail if bom.csv is not what frontend.cir says

Each `*@part` line: ref=R1,R2 mpn=A,B value=9.24k/1k package=0603 single=1 network=1 role="…".
Several references on one line are the same role, one part each (values and part numbers split on
',' and '/'); `single` and `network` count each of them for the single neuron (Fig. 3a) and for
the 30 x 10 x 10 network (Fig. 5c).
"""
import csv
import io
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FRONTEND = os.path.join(HERE, "frontend.cir")
BOM = os.path.join(HERE, "bom.csv")
COLUMNS = ["reference", "part number", "value", "package", "quantity (single neuron)", "quantity (30x10x10 network)", "what it does"]


class Unreadable(Exception):
    pass


def parts(path=FRONTEND):
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.startswith("*@part"):
                continue
            try:
                fields = dict(item.split("=", 1) for item in shlex.split(line[len("*@part"):]))
            except ValueError as error:
                raise Unreadable(f"{path}:{number}: a *@part line is key=value pairs ({error})")
            missing = [key for key in ("ref", "mpn", "value", "package", "single", "network", "role") if key not in fields]
            if missing:
                raise Unreadable(f"{path}:{number}: *@part lacks {', '.join(missing)}")
            refs = fields["ref"].split(",")
            mpns = fields["mpn"].split(",")
            values = fields["value"].split("/") if len(refs) > 1 else [fields["value"]]
            if len(mpns) not in (1, len(refs)) or len(values) not in (1, len(refs)):
                raise Unreadable(f"{path}:{number}: {len(refs)} references but {len(mpns)} part numbers and {len(values)} values")
            for index, ref in enumerate(refs):
                try:
                    single, network = int(fields["single"]), int(fields["network"])
                except ValueError:
                    raise Unreadable(f"{path}:{number}: single and network are part counts")
                rows.append([ref, mpns[index if len(mpns) > 1 else 0], values[index if len(values) > 1 else 0],
                             fields["package"], str(single), str(network), fields["role"]])
    if not rows:
        raise Unreadable(f"{path}: no *@part lines")
    seen = set()
    for row in rows:
        if row[0] in seen:
            raise Unreadable(f"{path}: reference {row[0]} appears twice")
        seen.add(row[0])
    return rows


def render(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def write_or_check(path, text, command, argv):
    """Writes `text` to `path`, or with --check fails (1) if the file already there differs."""
    if "--check" in argv:
        current = open(path).read() if os.path.exists(path) else ""
        if current != text:
            print(f"{os.path.relpath(path)} is not what {os.path.relpath(FRONTEND)} says: run {command}", file=sys.stderr)
            return 1
        return 0
    with open(path, "w") as handle:
        handle.write(text)
    print(f"wrote {os.path.relpath(path)}")
    return 0


def main(argv):
    try:
        text = render(parts())
    except Unreadable as error:
        print(f"bom: {error}", file=sys.stderr)
        return 2
    return write_or_check(BOM, text, "python3 Board/hardware/bom.py", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
