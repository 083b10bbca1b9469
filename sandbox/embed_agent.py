# Build step: embeds a Python helper in a header as a raw string literal.
# usage: embed_agent.py INPUT.py OUTPUT.hpp [CONSTANT_NAME [NAMESPACE]]
import os, sys
src = open(sys.argv[1], encoding="utf-8").read()
name = sys.argv[3] if len(sys.argv) > 3 else "kSessionAgent"
ns = sys.argv[4] if len(sys.argv) > 4 else "envforge::sandbox"
assert ")PYAGENT\"" not in src
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(f"// Generated from {os.path.basename(sys.argv[1])} by embed_agent.py; do not edit.\n#pragma once\n\n")
    out.write(f"namespace {ns} {{\ninline constexpr const char* {name} = R\"PYAGENT(" + src + ")PYAGENT\";\n}\n")
