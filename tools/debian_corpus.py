#!/usr/bin/env python3
"""Make a search corpus from the Debian archive's own package index: real text no one here wrote.

    tools/debian_corpus.py OUT_DIR [--packages FILE] [--limit N]

Writes OUT_DIR/docs.jsonl (one document per binary package: its index stanza, as `apt show`
prints it), OUT_DIR/facts.jsonl (subject, relation, object, doc_id, with entity types) and
OUT_DIR/relations.json (how each relation reads in a question, and the entity types it joins).

Without --packages it reads the machine's apt lists (Debian 12 main, as `apt-get update` left
them). --limit keeps N packages: in a fixed hash order, each with its
dependencies, so the subset is the same on every machine with the same lists. Exits 77 when there are no lists to read.

The facts are typed on purpose where the archive's names collide: the section "ruby" and the
package "ruby", a source package and the binary package of the same name. Maintainers with more
than one address and packages with more than one dependency are kept as they are: a question may
only use a relation that has one answer.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

RELATIONS = {
    "section": {"subject_type": "package", "object_type": "section", "phrase": "the archive section of {subject}"},
    "priority": {"subject_type": "package", "object_type": "priority", "phrase": "the priority of {subject}"},
    "version": {"subject_type": "package", "object_type": "version", "phrase": "the version of {subject}"},
    "maintainer": {"subject_type": "package", "object_type": "maintainer", "phrase": "the maintainer of {subject}"},
    "email": {"subject_type": "maintainer", "object_type": "email", "phrase": "the email address of {subject}"},
    "source": {"subject_type": "package", "object_type": "source", "phrase": "the source package of {subject}"},
    "homepage": {"subject_type": "source", "object_type": "url", "phrase": "the upstream homepage of {subject}"},
    "depends_on": {"subject_type": "package", "object_type": "package", "phrase": "the only dependency of {subject}"},
}

DOC_FIELDS = ("Package", "Version", "Maintainer", "Source", "Section", "Priority", "Depends", "Homepage", "Description")


def apt_package_lists():
    out = subprocess.run(["apt-get", "indextargets", "--format", "$(FILENAME)", "Identifier: Packages"],
                         capture_output=True, text=True)
    return [p for p in out.stdout.split() if os.path.exists(p) and "_main_" in p and "updates" not in p
            and "security" not in p]


def read_index(path):
    if path.endswith(".lz4") or path.endswith(".xz") or path.endswith(".gz"):
        return subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True, capture_output=True,
                              text=True).stdout
    with open(path, encoding="utf-8") as f:
        return f.read()


def stanzas(text):
    for block in text.split("\n\n"):
        fields, last = {}, None
        for line in block.splitlines():
            if line.startswith((" ", "\t")) and last:
                fields[last] += "\n" + line.strip()
            elif ":" in line:
                last, value = line.split(":", 1)
                fields[last] = value.strip()
        if "Package" in fields:
            yield fields


def maintainer_parts(m):
    match = re.match(r"^(.*?)\s*<([^>]+)>\s*$", m)
    return (match.group(1).strip(), match.group(2).strip()) if match else (m.strip(), "")


def dependencies(depends):
    """Every package Depends names, alternatives included, without version constraints or
    architecture qualifiers: "the only dependency" must mean one name in the whole field."""
    out = []
    for entry in depends.replace("|", ",").split(","):
        name = entry.strip().split(" ", 1)[0].split(":", 1)[0]
        if name and name not in out:
            out.append(name)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--packages", help="a Packages index (plain or compressed as apt keeps it)")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    paths = [args.packages] if args.packages else apt_package_lists()
    if not paths:
        print("debian_corpus: no apt package lists on this machine (run apt-get update)", file=sys.stderr)
        sys.exit(77)
    packages = {}
    for path in paths:
        for s in stanzas(read_index(path)):
            packages.setdefault(s["Package"], s)
    names = sorted(packages, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
    if args.limit:
        # Packages in hash order, each with what it depends on (transitively), until the limit:
        # a subset whose dependency chains are whole, as in the archive itself.
        chosen, seen = [], set()
        for root in names:
            stack = [root]
            while stack and len(chosen) < args.limit:
                n = stack.pop()
                if n in seen or n not in packages:
                    continue
                seen.add(n)
                chosen.append(n)
                stack.extend(reversed(dependencies(packages[n].get("Depends", ""))))
            if len(chosen) >= args.limit:
                break
        names = chosen
    names.sort()
    os.makedirs(args.out, exist_ok=True)
    facts = []
    with open(os.path.join(args.out, "docs.jsonl"), "w") as docs:
        for name in names:
            s = packages[name]
            doc_id = "pkg/" + name
            text = "\n".join(f"{k}: {s[k]}" for k in DOC_FIELDS if k in s)
            docs.write(json.dumps({"id": doc_id, "title": name, "text": text}) + "\n")

            def fact(subject, relation, obj):
                spec = RELATIONS[relation]
                facts.append({"subject": subject, "relation": relation, "object": obj, "doc_id": doc_id,
                              "subject_type": spec["subject_type"], "object_type": spec["object_type"]})

            for field, relation in (("Section", "section"), ("Priority", "priority"), ("Version", "version")):
                if s.get(field):
                    fact(name, relation, s[field])
            who, email = maintainer_parts(s.get("Maintainer", ""))
            if who:
                fact(name, "maintainer", who)
                if email:
                    fact(who, "email", email)
            # A package without a Source field is built from the source package of its own name.
            source = s.get("Source", name).split(" ", 1)[0]
            fact(name, "source", source)
            if s.get("Homepage"):
                fact(source, "homepage", s["Homepage"])
            for dep in dependencies(s.get("Depends", "")):
                fact(name, "depends_on", dep)
    with open(os.path.join(args.out, "facts.jsonl"), "w") as f:
        for x in facts:
            f.write(json.dumps(x) + "\n")
    with open(os.path.join(args.out, "relations.json"), "w") as f:
        json.dump({"relations": RELATIONS}, f, indent=1)
    print(f"debian_corpus: {len(names)} documents, {len(facts)} facts from {', '.join(paths)}")


if __name__ == "__main__":
    main()
