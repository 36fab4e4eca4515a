#!/usr/bin/env python3
"""The one table of EvoR's languages for the shell scripts: names, Debian packages and images, read from the service's own
src/EvoR.Sandbox/Languages/languages.json, so that what ./evor.sh installs on the host, what docker/build-images.sh puts
in each image and what the service runs cannot drift apart.

  docker/languages.py names                 every built-in language, one a line
  docker/languages.py defaults              the small set ./evor.sh serve installs on a fresh machine
  docker/languages.py resolve NAME…|all     NAMEs (aliases allowed) as language names; fails naming an unknown one
  docker/languages.py packages NAME…        the Debian packages of those languages, one a line, without repeats
  docker/languages.py table                 name, packages and version probe of each (tab-separated)
"""
import json
import pathlib
import sys

CATALOG = pathlib.Path(__file__).resolve().parent.parent / "src/EvoR.Sandbox/Languages/languages.json"
# Quick to install and enough to try the service: the rest is installed on request (./evor.sh languages add NAME).
DEFAULTS = ["python", "c", "lua"]


def load():
    languages = json.loads(CATALOG.read_text(encoding="utf-8"))
    by_name = {}
    for language in languages:
        for name in [language["name"], *language.get("aliases", [])]:
            by_name[name.lower()] = language
    return languages, by_name


def resolve(names, languages, by_name):
    if names == ["all"]:
        return [l["name"] for l in languages]
    resolved = []
    for name in names:
        language = by_name.get(name.lower())
        if language is None:
            known = " ".join(l["name"] for l in languages)
            sys.exit(f"evor: unknown language '{name}' (known: {known})")
        if language["name"] not in resolved:
            resolved.append(language["name"])
    return resolved


def main(argv):
    languages, by_name = load()
    command, names = (argv[0] if argv else ""), argv[1:]
    if command == "names":
        print("\n".join(l["name"] for l in languages))
    elif command == "defaults":
        print("\n".join(DEFAULTS))
    elif command == "resolve":
        print("\n".join(resolve(names, languages, by_name)))
    elif command == "packages":
        packages = []
        for name in resolve(names, languages, by_name):
            packages += [p for p in by_name[name]["packages"] if p not in packages]
        print("\n".join(packages))
    elif command == "table":
        for l in languages:
            print("\t".join([l["name"], " ".join(l["packages"]), " ".join(l["version"])]))
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
