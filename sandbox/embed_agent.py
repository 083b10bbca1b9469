# Build step: embeds session_agent.py in a header as a raw string literal.
import sys
src = open(sys.argv[1], encoding="utf-8").read()
assert ")PYAGENT\"" not in src
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("// Generated from session_agent.py by embed_agent.py; do not edit.\n#pragma once\n\n")
    out.write("namespace envforge::sandbox {\ninline constexpr const char* kSessionAgent = R\"PYAGENT(" + src + ")PYAGENT\";\n}\n")
